"""Vocabularies, the v2 surface model and the IR model.

`vocab` and `metrics` are plain Python (the linter imports them); `v2` and `ir_model` import
pydantic and are used for the JSON Schemas, IR loading and tests.
"""
