"""`Record`: the base of ftspec's value types (IR, diagnostics, vocabularies).

Instances are immutable after construction: each attribute can be set once, by the dataclass
`__init__`. It stands in for `@dataclass(frozen=True)`, whose generated methods cost about a
millisecond per class when a module is imported; with ~30 value classes that was a third of the
linter's startup budget (bench/lint_latency.py). For the same reason equality and repr are
defined once here (field by field, like the dataclass ones), and value classes are declared
`@dataclass(eq=False, repr=False)` so that only `__init__` is generated per class.
"""

from __future__ import annotations

from typing import Any


class Record:
    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.{name} is read-only")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__}.{name} is read-only")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.__dataclass_fields__)  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable-looking values are not hashed, as with eq dataclasses

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__dataclass_fields__)  # type: ignore[attr-defined]
        return f"{type(self).__name__}({fields})"
