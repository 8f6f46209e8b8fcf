"""Rendering values as JSON or YAML source text, in a form every reader types the same way.

YAML output must be read identically by YAML 1.2 (ftspec) and YAML 1.1 (PyYAML, which nirs4all
used): strings that either version would resolve to something else are quoted, floats always carry
a dot and a signed exponent (`1.0e-05`, never `1e-05`, which YAML 1.1 reads as a string).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# A plain YAML scalar that both versions read as this exact string, in block and flow context.
_PLAIN_SAFE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-./]*")
# Words that YAML 1.1 (booleans, null) or 1.2 resolve to non-strings (compared lowercased).
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf"})
_NEEDS_DOUBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def strict_equal(a: Any, b: Any) -> bool:
    """Equality that tells bool, int and float apart and compares mappings with their key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


# --------------------------------------------------------------------------- JSON


def json_value(value: Any) -> str:
    """Inline JSON (`, ` and `: ` separators)."""
    return json.dumps(value, ensure_ascii=False)


def json_key(key: str) -> str:
    return json.dumps(key, ensure_ascii=False)


# --------------------------------------------------------------------------- YAML


def yaml_float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text or "E" in text:
        mantissa, exponent = text.lower().split("e")
        if "." not in mantissa:
            mantissa += ".0"
        if exponent[:1] not in ("+", "-"):
            exponent = "+" + exponent
        return f"{mantissa}e{exponent}"
    if "." not in text:
        text += ".0"
    return text


def plain_safe(text: str) -> bool:
    return bool(_PLAIN_SAFE.fullmatch(text)) and text.lower() not in _RESERVED


def yaml_string(text: str, style: str = "") -> str:
    """A YAML string scalar: plain when safe (and no quote style asked), else quoted."""
    if style == '"' or _NEEDS_DOUBLE.search(text):
        return json.dumps(text, ensure_ascii=False)
    if style == "" and plain_safe(text):
        return text
    return "'" + text.replace("'", "''") + "'"


def yaml_scalar(value: Any, style: str = "") -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return yaml_float(value)
    if isinstance(value, str):
        return yaml_string(value, style if style in ("", "'", '"') else "")
    raise TypeError(f"not a scalar: {value!r}")


def yaml_flow(value: Any, style: str = "") -> str:
    """Flow-style YAML (`{type: int, low: 1, high: 30}`, `[a, b]`); `style` applies to a string."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ", ".join(f"{yaml_string(str(k))}: {yaml_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(yaml_flow(v) for v in value) + "]"
    return yaml_scalar(value, style)


def yaml_key(key: str, style: str = "") -> str:
    return yaml_string(key, style if style in ("", "'", '"') else "")
