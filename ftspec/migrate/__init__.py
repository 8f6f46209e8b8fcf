"""`ftmigrate`: rewrite legacy finetune_params to v2 in place, with minimal text edits.

Data flow (STYLE.md section 4): the compiler's findings carry `Fix` values (structural tree edits);
`ftspec.migrate.edits` turns them into `(start, end, replacement)` edits on the original text,
`ftspec.migrate.engine` applies them pass after pass to a fixed point, verifying every safe batch by
recompiling (the IR must not change), and writes files atomically. `ftspec.migrate.cli` is the thin
`ftmigrate` command; `ftlint --fix` calls `engine.fix_paths`.
"""
