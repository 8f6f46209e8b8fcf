"""`ftspec.ir.place_at_path`, the one helper the front-ends (fixed values), the runtime (sampled values
over the fixed ones) and campaigns (held values) use to put a value at a parameter's nested path."""

from __future__ import annotations

import pytest

from ftspec.ir import place_at_path


def test_a_one_segment_path_sets_the_key():
    tree: dict = {"a": 1}
    place_at_path(tree, ["b"], 2)
    assert tree == {"a": 1, "b": 2}


def test_an_existing_group_is_kept_and_extended():
    tree: dict = {"opt": {"lr": 0.1, "betas": {"b1": 0.9}}}
    place_at_path(tree, ["opt", "betas", "b2"], 0.99)
    assert tree == {"opt": {"lr": 0.1, "betas": {"b1": 0.9, "b2": 0.99}}}


def test_missing_groups_are_created():
    tree: dict = {}
    place_at_path(tree, ["opt", "betas", "b1"], 0.9)
    assert tree == {"opt": {"betas": {"b1": 0.9}}}


def test_a_null_group_becomes_a_dict():
    tree: dict = {"opt": None}
    place_at_path(tree, ["opt", "lr"], 0.1)
    assert tree == {"opt": {"lr": 0.1}}


def test_a_value_at_the_end_of_the_path_is_replaced():
    tree: dict = {"opt": {"lr": 0.1}}
    place_at_path(tree, ["opt", "lr"], 0.2)
    assert tree == {"opt": {"lr": 0.2}}


@pytest.mark.parametrize("in_the_way", [3, "adam", [1, 2], True])
def test_a_non_dict_value_in_the_way_raises_and_changes_nothing(in_the_way):
    tree: dict = {"opt": in_the_way}
    with pytest.raises(ValueError) as raised:
        place_at_path(tree, ["opt", "lr"], 0.1)
    assert str(raised.value) == "cannot place a value at opt/lr: 'opt' is a fixed non-dict value"
    assert tree == {"opt": in_the_way}


def test_a_numeric_segment_is_a_key_not_a_list_index():
    # Paths are parameter names split on `__`, never list positions: "0" is a key like any other.
    tree: dict = {"layers": {"0": {"units": 8}}}
    place_at_path(tree, ["layers", "0", "units"], 16)
    assert tree == {"layers": {"0": {"units": 16}}}
