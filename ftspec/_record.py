"""`Shown`, `Fields` and `Record`: the bases of ftspec's value types (IR, diagnostics, vocabularies, lint
results).

They define repr (and, from `Fields` on, equality) once, field by field like the dataclass ones,
so that value classes are declared `@dataclass(eq=False, repr=False)` and only `__init__` is generated per class: the
generated methods are compiled when a module is imported, and a default dataclass costs ~0.45 ms
(an init-only one ~0.12 ms); with ~50 classes on the linter's path that was a large share of its
startup (bench/lint_latency.py). Give each value class a docstring too: for a class without one,
dataclass writes one from `inspect.signature` (~60 us a class).

`Record` instances are also immutable after construction: each attribute can be set once, by the
dataclass `__init__` (it stands in for `@dataclass(frozen=True)`, whose generated methods cost
more still). `Fields` is for the mutable ones.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Shown:
    """The repr alone, for values compared by identity (the located tree's nodes)."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]  # set by @dataclass on every subclass

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={getattr(self, name)!r}" for name, f in self.__dataclass_fields__.items() if f.repr
        )
        return f"{type(self).__name__}({fields})"


class Fields(Shown):
    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.__dataclass_fields__)

    __hash__ = None  # type: ignore[assignment]  # mutable-looking values are not hashed, as with eq dataclasses


class Record(Fields):
    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.{name} is read-only")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__}.{name} is read-only")
