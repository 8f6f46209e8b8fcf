"""What every ftspec command line shares: safe output streams and running a click command as
`main(argv) -> int` (click is imported only by the commands that use it; ftlint uses argparse)."""

from __future__ import annotations

import sys
from typing import Any, Sequence


def safe_streams() -> None:
    """A lone surrogate in a config (a valid JSON escape, invalid text) must not crash the output."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def run_click(command: Any, argv: Sequence[str] | None, prog_name: str) -> int:
    """Run a click command without letting it exit the interpreter; usage errors exit 2."""
    import click

    safe_streams()
    try:
        command.main(args=list(argv) if argv is not None else None, prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
