"""Names that `python -m vulture ftspec vulture_whitelist.py --min-confidence 80` would report as
unused, each with why it stays (vulture counts a name written here as used)."""

# ftspec/schema/generate.py, _UnsortedGenerator.sort(value, parent_key=None): an override of
# pydantic's GenerateJsonSchema.sort, whose signature pydantic calls; it does not sort, so it
# does not read parent_key.
parent_key  # type: ignore[name-defined]  # noqa: B018, F821
