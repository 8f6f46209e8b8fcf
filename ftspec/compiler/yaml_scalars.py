"""What a YAML scalar means: plain scalars under the YAML 1.2 core schema (what ftspec reads),
the YAML 1.1 typing that PyYAML (and so nirs4all) applied, for the FT014 differences, and the
standard scalar tags."""

from __future__ import annotations

import math
import re
from typing import Any

_CORE_INT = re.compile(r"[-+]?[0-9]+\Z")
# Patterns kept as strings are compiled on first use (re caches them): they serve rare inputs,
# and compiling every pattern of the module at import cost the linter ~2 ms on each run.
_CORE_OCT = r"0o[0-7]+\Z"
_CORE_HEX = r"0x[0-9a-fA-F]+\Z"
_CORE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_CORE_INF = r"[-+]?\.(?:inf|Inf|INF)\Z"
_CORE_NAN = frozenset((".nan", ".NaN", ".NAN"))
_CORE_WORDS: dict[str, Any] = {
    "true": True, "True": True, "TRUE": True,
    "false": False, "False": False, "FALSE": False,
    "null": None, "Null": None, "NULL": None, "~": None, "": None,
}
_NOT_CORE = object()


def resolve_core(text: str) -> Any:
    """The value of a plain scalar under the YAML 1.2 core schema (str when nothing else matches).

    Raises ValueError for an int with more digits than Python converts.
    """
    if not text:
        return None
    c = text[0]
    if c in "-+.0123456789":
        if _CORE_INT.match(text):
            return int(text)
        if c == "0" and len(text) > 2:
            if text[1] == "o" and re.match(_CORE_OCT, text):
                return int(text[2:], 8)
            if text[1] == "x" and re.match(_CORE_HEX, text):
                return int(text[2:], 16)
        if _CORE_FLOAT.match(text):
            return float(text)
        if re.match(_CORE_INF, text):
            return -math.inf if c == "-" else math.inf
        if text in _CORE_NAN:
            return math.nan
        return text
    word = _CORE_WORDS.get(text, _NOT_CORE)
    return text if word is _NOT_CORE else word


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "a boolean"
    if isinstance(value, int):
        return "an int"
    if isinstance(value, float):
        return "a float"
    return "a string"


# YAML 1.1 as PyYAML implements it (yaml/resolver.py), which is what nirs4all loaded configs
# with. The YAML 1.1 bool type also lists y/Y/n/N, but PyYAML reads those four as strings, as
# YAML 1.2 does: no difference to report.
Y11_BOOL = frozenset("yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF".split())
_Y11_FLOAT = (
    r"""(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))\Z"""
)
_Y11_INT = (
    r"""(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\Z"""
)
_Y11_DATE = r"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]\Z"
_Y11_TIMESTAMP = (
    r"""[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
    (?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?\Z"""
)
Y11_NULL = frozenset(("", "~", "null", "Null", "NULL"))
# Plain scalars whose first character is not here are strings (or the same null/bool) in both.
Y11_FIRST = frozenset("yYnNoO-+.0123456789")
# ... and of those that start with a letter here, only the YAML 1.1 booleans differ; of the
# others, plain decimal ints (no leading zero) and floats without exponent read the same.
Y11_LETTERS = frozenset("yYnNoO")
SAME_IN_BOTH = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?\Z")


def _yaml11_int(text: str) -> int | None:
    """PyYAML's construct_yaml_int."""
    value = text.replace("_", "")
    sign = 1
    if value[:1] == "-":
        sign, value = -1, value[1:]
    elif value[:1] == "+":
        value = value[1:]
    try:
        if value == "0":
            return 0
        if value.startswith("0b"):
            return sign * int(value[2:], 2)
        if value.startswith("0x"):
            return sign * int(value[2:], 16)
        if value[:1] == "0":
            return sign * int(value, 8)
        if ":" in value:
            result = 0
            for part in value.split(":"):
                result = result * 60 + int(part)
            return sign * result
        return sign * int(value)
    except ValueError:
        return None


def _yaml11_type(text: str) -> tuple[str, Any]:
    """(type name, value) of a plain scalar for a YAML 1.1 loader; the value only for ints."""
    if text in Y11_BOOL:
        return "a boolean", None
    if re.match(_Y11_FLOAT, text, re.X):
        return "a float", None
    if re.match(_Y11_INT, text, re.X):
        return "an int", _yaml11_int(text)
    if text in Y11_NULL:
        return "null", None
    if re.match(_Y11_DATE, text):
        return "a date", None
    if re.match(_Y11_TIMESTAMP, text, re.X):
        return "a timestamp", None
    return "a string", None


def version_difference(text: str, value12: Any) -> tuple[str, str] | None:
    """How a plain scalar reads in YAML 1.2 vs 1.1 when the two disagree, else None."""
    type12 = type_name(value12)
    type11, value11 = _yaml11_type(text)
    if type11 != type12:
        return type12, type11
    if type12 == "an int" and value11 is not None and value11 != value12:
        return f"the int {value12}", f"the int {value11}"
    return None


YAML_PREFIX = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset(YAML_PREFIX + t for t in ("str", "int", "float", "bool", "null"))
MAP_TAG = YAML_PREFIX + "map"
SEQ_TAG = YAML_PREFIX + "seq"


def display_tag(tag: str) -> str:
    if tag.startswith(YAML_PREFIX):
        return "!!" + tag[len(YAML_PREFIX):]
    if tag.startswith("!"):
        return tag
    return f"!<{tag}>"


def tagged_scalar(tag: str, text: str) -> Any:
    """The value of a scalar under a standard scalar tag; raises ValueError when it does not fit."""
    kind = tag[len(YAML_PREFIX):]
    if kind == "str":
        return text
    if kind == "null":
        if text in Y11_NULL:
            return None
        raise ValueError
    resolved = resolve_core(text)
    if kind == "bool":
        if resolved is True or resolved is False:
            return resolved
        raise ValueError
    if kind == "int":
        if type(resolved) is int:
            return resolved
        raise ValueError
    # float: ints are accepted and converted, as the core schema's !!float allows
    if type(resolved) is float:
        return resolved
    if type(resolved) is int:
        return float(resolved)
    raise ValueError


def key_string(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)

