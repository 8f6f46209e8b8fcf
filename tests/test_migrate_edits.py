"""Per-op tests of the edit planner: each FixOp on small JSON and YAML texts, byte-exact.

JSON keeps its indentation and every byte outside the edited spans; YAML keeps comments, blank
lines, quoting and indentation. Inputs and outputs are written side by side.
"""

from __future__ import annotations

import pytest

from ftspec.compiler.diagnostics import Collector, Fix, FixOp
from ftspec.compiler.nodes import to_python
from ftspec.compiler.source import load_text
from ftspec.migrate import render
from ftspec.migrate.edits import TextEdit, apply_edits, expected_value, plan_edits


def edit(text: str, fmt: str, *ops: FixOp) -> str:
    path = "t." + fmt
    doc = load_text(text, path, Collector(path))
    plan = plan_edits(doc, [Fix("safe", "test", ops)])
    assert not plan.unsupported, plan.unsupported
    assert plan.accepted == [0]
    out = apply_edits(text, plan.edits)
    # The edited text reads back as exactly the intended tree (types and key order included).
    new = load_text(out, path, Collector(path))
    assert render.strict_equal(to_python(new.root), expected_value(to_python(doc.root), [Fix("safe", "test", ops)]))
    return out


def refused(text: str, fmt: str, *ops: FixOp) -> str:
    path = "t." + fmt
    doc = load_text(text, path, Collector(path))
    plan = plan_edits(doc, [Fix("safe", "test", ops)])
    assert plan.accepted == [] and 0 in plan.unsupported
    return plan.unsupported[0]


YAML = """\
a: 1   # one
# about b
b:
  - x   # first
  - y
c: {k: v}
"""

JSON = """\
{
  "a": 1,
  "b": [
    "x",
    "y"
  ],
  "c": {"k": "v"}
}
"""


# --------------------------------------------------------------------------- rename_key


def test_rename_key_yaml_keeps_comments() -> None:
    assert edit(YAML, "yaml", FixOp("rename_key", "/b", key="bee")) == YAML.replace("\nb:", "\nbee:")


def test_rename_key_json() -> None:
    assert edit(JSON, "json", FixOp("rename_key", "/b", key="bee")) == JSON.replace('"b":', '"bee":')


def test_rename_key_keeps_the_quote_style() -> None:
    assert edit("'sample': tpe\n\"x\": 1\n", "yaml", FixOp("rename_key", "/sample", key="sampler")) == "'sampler': tpe\n\"x\": 1\n"
    assert edit("yes_no: 1\n", "yaml", FixOp("rename_key", "/yes_no", key="on")) == "'on': 1\n"


# --------------------------------------------------------------------------- replace_value


def test_replace_scalar_yaml_renders_floats_for_both_yaml_versions() -> None:
    assert edit(YAML, "yaml", FixOp("replace_value", "/a", value=1e-05)) == YAML.replace("a: 1 ", "a: 1.0e-05 ")


def test_replace_scalar_json() -> None:
    assert edit(JSON, "json", FixOp("replace_value", "/a", value=1e-05)) == JSON.replace('"a": 1,', '"a": 1e-05,')


def test_replace_block_list_with_mapping_keeps_the_list_text() -> None:
    assert edit(YAML, "yaml", FixOp("replace_value", "/b", value={"type": "categorical", "choices": ["x", "y"]})) == """\
a: 1   # one
# about b
b:
  type: categorical
  choices:
  - x   # first
  - y
c: {k: v}
"""


def test_replace_compact_block_list_is_indented_under_its_key() -> None:
    text = "k:\n- 1\n# two\n- 2\nz: 0\n"
    assert edit(text, "yaml", FixOp("replace_value", "/k", value={"type": "categorical", "choices": [1, 2]})) == (
        "k:\n  type: categorical\n  choices:\n  - 1\n  # two\n  - 2\nz: 0\n"
    )


def test_replace_block_list_with_a_range_keeps_its_comments() -> None:
    text = "n:    # comps\n- int\n- 1   # low\n- 30\n"
    assert edit(text, "yaml", FixOp("replace_value", "/n", value={"type": "int", "low": 1, "high": 30})) == (
        "n:    # comps\n  # low\n  type: int\n  low: 1\n  high: 30\n"
    )


def test_replace_block_collection_with_scalar_moves_comments_above_the_key() -> None:
    assert edit(YAML, "yaml", FixOp("replace_value", "/b", value="z")) == "a: 1   # one\n# about b\n# first\nb: z\nc: {k: v}\n"


def test_replace_multiline_json_value_inline() -> None:
    assert edit(JSON, "json", FixOp("replace_value", "/b", value={"type": "categorical", "choices": ["x", "y"]})) == """\
{
  "a": 1,
  "b": {"type": "categorical", "choices": ["x", "y"]},
  "c": {"k": "v"}
}
"""


def test_replace_keeps_the_quote_style_of_a_string() -> None:
    text = "a: x\nb: 'it''s'\nc: \"q\"\nd: |\n  text\n  more\ne: 1\n"
    out = edit(
        text, "yaml",
        FixOp("replace_value", "/a", value="yes"), FixOp("replace_value", "/b", value="no"),
        FixOp("replace_value", "/c", value="r s"), FixOp("replace_value", "/d", value=1e20),
        FixOp("replace_value", "/e", value="a\nb"),
    )
    assert out == "a: 'yes'\nb: 'no'\nc: \"r s\"\nd: 1.0e+20\ne: \"a\\nb\"\n"


def test_replace_empty_yaml_value() -> None:
    assert edit("a:\nb: 1\n", "yaml", FixOp("replace_value", "/a", value=3)) == "a: 3\nb: 1\n"


def test_replace_alias_but_not_anchor() -> None:
    text = "a: &x [1, 2]\nb: *x\n"
    assert edit(text, "yaml", FixOp("replace_value", "/b", value=3)) == "a: &x [1, 2]\nb: 3\n"
    assert "anchor" in refused(text, "yaml", FixOp("replace_value", "/a", value=3))


# --------------------------------------------------------------------------- remove_key


def test_remove_key_yaml_keeps_comment_lines() -> None:
    assert edit(YAML, "yaml", FixOp("remove_key", "/b")) == "a: 1   # one\n# about b\n# first\nc: {k: v}\n"
    assert edit(YAML, "yaml", FixOp("remove_key", "/a")) == YAML.replace("a: 1   # one\n", "# one\n")
    assert edit(YAML, "yaml", FixOp("remove_key", "/c/k")) == YAML.replace("{k: v}", "{}")


@pytest.mark.parametrize(
    ("pointers", "expected"),
    [
        (["/a"], '{"b": 2, "c": 3, "d": 4}'),
        (["/d"], '{"a": 1, "b": 2, "c": 3}'),
        (["/a", "/b"], '{"c": 3, "d": 4}'),
        (["/c", "/d"], '{"a": 1, "b": 2}'),
        (["/b", "/d"], '{"a": 1, "c": 3}'),
        (["/a", "/b", "/c", "/d"], "{}"),
    ],
)
def test_remove_keys_json_commas(pointers: list[str], expected: str) -> None:
    assert edit('{"a": 1, "b": 2, "c": 3, "d": 4}', "json", *(FixOp("remove_key", p) for p in pointers)) == expected


def test_remove_key_json_multiline() -> None:
    assert edit(JSON, "json", FixOp("remove_key", "/c")) == '{\n  "a": 1,\n  "b": [\n    "x",\n    "y"\n  ]\n}\n'
    assert edit(JSON, "json", FixOp("remove_key", "/a")) == JSON.replace('  "a": 1,\n', "")


def test_remove_first_entry_after_a_dash() -> None:
    assert edit("- n: 5\n  s: r\n", "yaml", FixOp("remove_key", "/0/n")) == "- s: r\n"
    assert "comment" in refused("- n: 5   # five\n  s: r\n", "yaml", FixOp("remove_key", "/0/n"))


# --------------------------------------------------------------------------- insert_key


def test_insert_key_first_and_last_yaml() -> None:
    assert edit(YAML, "yaml", FixOp("insert_key", "", key="version", value=2, first=True)) == "version: 2\n" + YAML
    assert edit(YAML, "yaml", FixOp("insert_key", "", key="z", value={"low": 1.0})) == YAML + "z: {low: 1.0}\n"
    assert edit(YAML, "yaml", FixOp("insert_key", "/c", key="z", value=[1, "yes"])) == YAML.replace("{k: v}", "{k: v, z: [1, 'yes']}")


def test_insert_key_goes_above_the_comments_of_the_first_entry() -> None:
    text = "fp:\n  # budget\n  n_trials: 5\n"
    assert edit(text, "yaml", FixOp("insert_key", "/fp", key="version", value=2, first=True)) == "fp:\n  version: 2\n  # budget\n  n_trials: 5\n"


def test_insert_key_json() -> None:
    assert edit(JSON, "json", FixOp("insert_key", "", key="version", value=2, first=True)) == JSON.replace('{\n  "a"', '{\n  "version": 2,\n  "a"')
    assert edit(JSON, "json", FixOp("insert_key", "", key="z", value={"low": 1.0})) == JSON.replace('{"k": "v"}\n}', '{"k": "v"},\n  "z": {"low": 1.0}\n}')
    assert edit(JSON, "json", FixOp("insert_key", "/c", key="z", value=[1, "yes"])) == JSON.replace('{"k": "v"}', '{"k": "v", "z": [1, "yes"]}')


def test_insert_key_into_sequence_items() -> None:
    text = "ph:\n  - n: 5   # five\n    s: r\n  - n: 6\n"
    assert edit(text, "yaml", FixOp("insert_key", "/ph/1", key="s", value="tpe")) == text + "    s: tpe\n"
    assert edit(text, "yaml", FixOp("insert_key", "/ph/0", key="v", value=2, first=True)) == text.replace("- n: 5", "- v: 2\n    n: 5")


def test_insert_key_at_end_of_file_without_newline() -> None:
    assert edit("a: 1", "yaml", FixOp("insert_key", "", key="b", value=2)) == "a: 1\nb: 2"


def test_insert_into_empty_json_object_follows_the_indentation() -> None:
    assert edit('{\n  "a": {},\n  "b": 1\n}', "json", FixOp("insert_key", "/a", key="k", value=1)) == '{\n  "a": {\n    "k": 1\n  },\n  "b": 1\n}'


# --------------------------------------------------------------------------- move_key


def test_move_into_new_sibling_mapping_yaml_takes_its_comments() -> None:
    assert edit(YAML, "yaml", FixOp("move_key", "/b", destination="/m")) == """\
a: 1   # one
m:
  # about b
  b:
    - x   # first
    - y
c: {k: v}
"""


def test_move_two_keys_into_one_new_mapping() -> None:
    assert edit(YAML, "yaml", FixOp("move_key", "/a", destination="/m"), FixOp("move_key", "/b", destination="/m")) == """\
m:
  a: 1   # one
  # about b
  b:
    - x   # first
    - y
c: {k: v}
"""
    assert edit(JSON, "json", FixOp("move_key", "/a", destination="/m"), FixOp("move_key", "/b", destination="/m")) == """\
{
  "m": {
    "a": 1,
    "b": [
      "x",
      "y"
    ]
  },
  "c": {"k": "v"}
}
"""


def test_move_under_a_new_key() -> None:
    assert edit(YAML, "yaml", FixOp("move_key", "/c", destination="/m", key="cc")) == YAML.replace("c: {k: v}\n", "m:\n  cc: {k: v}\n")


def test_move_into_existing_mapping_json() -> None:
    assert edit('{"a": {}, "b": 1}', "json", FixOp("move_key", "/b", destination="/a")) == '{"a": {"b": 1}}'
    assert edit('{"a": {"x": 0}, "b": 1}', "json", FixOp("move_key", "/b", destination="/a")) == '{"a": {"x": 0, "b": 1}}'


def test_move_into_empty_flow_mapping_yaml() -> None:
    assert edit("fp:\n  mp: {}   # empty\n  C: [1, 2]\n", "yaml", FixOp("move_key", "/fp/C", destination="/fp/mp")) == "fp:\n  mp: {C: [1, 2]}   # empty\n"
    # what needs block style turns `{}` into a block mapping
    assert edit("fp:\n  mp: {}   # empty\n  C:\n  - 1  # one\n  - 2\n", "yaml", FixOp("move_key", "/fp/C", destination="/fp/mp")) == (
        "fp:\n  mp:   # empty\n    C:\n    - 1  # one\n    - 2\n"
    )


def test_move_within_flow_yaml() -> None:
    assert edit("fp: {n: 5, C: [1, 2], k: rbf}\n", "yaml", FixOp("move_key", "/fp/C", destination="/fp/mp"), FixOp("move_key", "/fp/k", destination="/fp/mp")) == (
        "fp: {n: 5, mp: {C: [1, 2], k: rbf}}\n"
    )


def test_move_out_of_sequence_item() -> None:
    text = "ph:\n  - n: 5   # five\n    s: r\n  - n: 6\n"
    assert edit(text, "yaml", FixOp("move_key", "/ph/0/n", destination="/ph/0/m"), FixOp("move_key", "/ph/0/s", destination="/ph/0/m")) == (
        "ph:\n  - m:\n      n: 5   # five\n      s: r\n  - n: 6\n"
    )


def test_move_block_value_with_comments_into_flow_mapping_is_refused() -> None:
    assert "flow" in refused(YAML, "yaml", FixOp("move_key", "/b", destination="/c"))


def test_joint_edits_in_one_mapping() -> None:
    ops = (
        FixOp("move_key", "/b", destination="/m"), FixOp("move_key", "/c", destination="/m"),
        FixOp("insert_key", "", key="v", value=2, first=True), FixOp("insert_key", "", key="z", value=None),
    )
    assert edit('{"a": 1, "b": 2, "c": 3, "d": 4}', "json", *ops) == '{"v": 2, "a": 1, "m": {"b": 2, "c": 3}, "d": 4, "z": null}'


# --------------------------------------------------------------------------- the planner


def test_overlapping_fixes_keep_the_first() -> None:
    doc = load_text(YAML, "t.yaml", Collector("t.yaml"))
    fixes = [
        Fix("safe", "one", (FixOp("replace_value", "/b", value=1),)),
        Fix("safe", "two", (FixOp("replace_value", "/b/0", value="z"),)),
        Fix("safe", "three", (FixOp("rename_key", "/b", key="bee"),)),
    ]
    plan = plan_edits(doc, fixes)
    assert plan.accepted == [0, 2] and plan.deferred == [1]


def test_duplicate_key_is_refused() -> None:
    doc = load_text("a: 1\nb: 2\n", "t.yaml", Collector("t.yaml"))
    plan = plan_edits(doc, [Fix("safe", "x", (FixOp("insert_key", "", key="a", value=3),)), Fix("safe", "y", (FixOp("rename_key", "/a", key="b"),))])
    assert plan.accepted == [] and set(plan.unsupported) == {0, 1}


def test_apply_edits_back_to_front_and_rejects_overlaps() -> None:
    assert apply_edits("abcdef", [TextEdit(4, 5, "E"), TextEdit(0, 1, "A"), TextEdit(2, 2, "+", 1), TextEdit(2, 2, "-", 2)]) == "Ab+-cdEf"
    with pytest.raises(ValueError):
        apply_edits("abcdef", [TextEdit(0, 3, "x"), TextEdit(2, 4, "y")])


@pytest.mark.parametrize(
    ("value", "yaml"),
    [(1e-05, "1.0e-05"), (1e20, "1.0e+20"), (0.5, "0.5"), (3.0, "3.0"), (-2.5e-07, "-2.5e-07"), (12, "12"), (True, "true"),
     (None, "null"), ("rbf", "rbf"), ("yes", "'yes'"), ("1.5", "'1.5'"), ("a b", "'a b'"), ("it's", "'it''s'"), ("", "''"),
     ("sklearn.svm.SVC", "sklearn.svm.SVC"), ("Null", "'Null'"), ("x\ty", '"x\\ty"')],
)
def test_yaml_rendering_reads_back_the_same_in_yaml_1_1_and_1_2(value: object, yaml: str) -> None:
    assert render.yaml_scalar(value) == yaml
    import yaml as pyyaml  # PyYAML (a dependency of pre-commit, a test dependency) reads YAML 1.1, as nirs4all did

    assert render.strict_equal(pyyaml.safe_load("v: " + yaml)["v"], value)
    doc = load_text("v: " + yaml, "t.yaml", Collector("t.yaml"))
    assert render.strict_equal(to_python(doc.root)["v"], value)
