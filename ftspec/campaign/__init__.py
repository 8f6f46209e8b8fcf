"""Campaigns: declared multi-stage, multi-seed tuning with its budget known before it runs.

- `model`: the campaign IR (a campaign -> stages -> one concrete `ftspec.ir.Study` per seed, with lineage);
- `compile`: lowering a `campaign:` file to it, with FT6xx findings (`ftspec.compiler.rules.campaign`);
- `run`: running it stage by stage on an Optuna storage (resumable), and the decision (`decide`).

docs/campaigns.md is the user's guide.
"""
