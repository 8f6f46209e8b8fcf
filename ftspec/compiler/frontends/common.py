"""What campaign files (until they get readers of their own), the pipeline lowering and the migrator import: the lowering context, the plain
helpers of `ftspec.compiler.values`, and the checks both dialects share, which live beside their
rules (typed reads and FT111 in `rules/structure.py`; the space builder in `rules/space.py`;
n_trials, storage, the metric and direction, forced values and v2 samplers and pruners in
`rules/study.py`). Typed reads report FT111 and return None on a wrong type, so a front-end always
finishes the block and reports every finding in one pass.
"""

from __future__ import annotations

from ftspec.compiler.checks import Lowering
from ftspec.compiler.rules.space import SpaceBuilder
from ftspec.compiler.rules.structure import mapping_items, read_bool, read_int, read_number, read_str
from ftspec.compiler.rules.study import check_forced, lower_component, read_n_trials, read_storage, resolve_metric
from ftspec.compiler.values import (
    ANNOTATION_KEY,
    categorical_entry,
    default_component,
    did_you_mean,
    element_spec,
    finite_value,
    float_entry,
    int_entry,
    is_int,
    is_number,
    location,
    node_desc,
    sorted_tuple_entry,
    v2_range_tag,
)

__all__ = [
    "ANNOTATION_KEY", "Lowering", "SpaceBuilder", "categorical_entry", "check_forced", "default_component",
    "did_you_mean", "element_spec", "finite_value", "float_entry", "int_entry", "is_int", "is_number", "location",
    "lower_component", "mapping_items", "node_desc", "read_bool", "read_int", "read_n_trials", "read_number",
    "read_storage", "read_str", "resolve_metric", "sorted_tuple_entry", "v2_range_tag",
]
