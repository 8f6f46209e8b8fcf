"""Build Optuna samplers and pruners from the IR's resolved `{kind, options}` specs.

Each kind's registry entry (`ftspec.schema.vocab.SAMPLERS` / `PRUNERS`) names its Optuna class;
every option is passed to that constructor exactly as the IR records it (the IR writes every
option, Optuna 5 defaults made explicit), with these mappings:

- samplers get the study's `seed` (every sampler kind accepts one);
- `grid` gets its search space from the IR space (`grid_search_space`); it is an error when the
  space is not finite (a continuous float range, a log float range, unless `low == high`);
- pruner `none` is `optuna.pruners.NopPruner` (a real no-op; Optuna's own default is MedianPruner);
- pruner `patient`'s `wrapped` option (a plain `{kind, options}` dict, a `ComponentSpec`, or null)
  is built recursively and passed as `wrapped_pruner`;
- `int_or_auto` options keep the string `"auto"` as Optuna expects it.
"""

from __future__ import annotations

import decimal
import importlib
import importlib.util
import warnings
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

import optuna

from ftspec.ir import CategoricalParam, ComponentSpec, FloatParam, IntParam, SortedTupleParam, SpaceEntry, element_name, length_name, optuna_name
from ftspec.schema.vocab import PRUNERS, SAMPLERS, KindSpec

__all__ = ["build_sampler", "build_pruner", "grid_search_space", "RuntimeSpecError", "MissingDependency", "missing_dependencies"]


class RuntimeSpecError(ValueError):
    """The IR asks for something the runtime cannot build (unknown kind or option, infinite grid)."""


def _check_options(what: str, kind: str, options: Mapping[str, Any], table: Mapping[str, Any]) -> None:
    if kind not in table:
        raise RuntimeSpecError(f"unknown {what} kind {kind!r} (expected one of: {', '.join(table)})")
    unknown = [name for name in options if name not in table[kind].options]
    if unknown:
        raise RuntimeSpecError(f"{what} {kind!r}: unknown option(s) {', '.join(map(repr, unknown))}")


def _spec_parts(spec: ComponentSpec | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    if isinstance(spec, ComponentSpec):
        return spec.kind, dict(spec.options)
    if isinstance(spec, Mapping) and "kind" in spec:
        return str(spec["kind"]), dict(spec.get("options") or {})
    raise RuntimeSpecError(f"a sampler/pruner spec must be a ComponentSpec or a {{kind, options}} dict, not {spec!r}")


def _int_values(low: int, high: int, step: int) -> list[int]:
    return list(range(low, high + 1, step))


def _float_values(name: str, low: float, high: float, step: float | None, log: bool) -> list[float]:
    """The values Optuna can suggest in a float range, for the grid.

    A one-point range (`low == high`, with or without `log`) is the one value `[low]`. A stepped
    range gives `low + k * step` computed in decimal on the shortest reprs, up to the high that
    `FloatDistribution` itself keeps (`_adjust_discrete_uniform_high`, also decimal): exactly the
    values BruteForceSampler enumerates (`_enumerate_candidates`), so `0.3`, not
    `0 + 3 * 0.1 = 0.30000000000000004`, and never above `high`.
    """
    if step is None:
        if low == high:
            return [float(low)]
        scale = "log " if log else ""
        raise RuntimeSpecError(f"grid sampler: parameter {name!r} is a continuous {scale}float range; the grid needs a finite space")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the "not divisible by step" warning: FT401 reports it
        high = optuna.distributions.FloatDistribution(low, high, step=step).high
    d_low, d_high, d_step = (decimal.Decimal(str(v)) for v in (low, high, step))
    return [float(d_low + k * d_step) for k in range(int((d_high - d_low) // d_step) + 1)]


def _element_values(name: str, element: Any) -> list[Any]:
    if element.kind == "int":
        return _int_values(int(element.low), int(element.high), int(element.step or 1))
    return _float_values(name, float(element.low), float(element.high), element.step, element.log)


def grid_search_space(space: Sequence[SpaceEntry]) -> dict[str, list[Any]]:
    """The GridSampler search space of an IR space, keyed by Optuna parameter name, in IR order.

    Categorical entries give their choices; int ranges give every value of their step grid
    (log int ranges have step 1); stepped float ranges give `low + k * step` as Optuna's
    BruteForceSampler enumerates them (see `_float_values`), a one-point float range `[low]`; a sorted tuple gives
    `name_length` (when the length varies) and `name_i` for every possible position. Conditional
    entries are included (the grid then repeats combinations that differ only in inactive
    parameters). A continuous float range (`low < high`, no step) raises `RuntimeSpecError`.
    """
    grid: dict[str, list[Any]] = {}
    for entry in space:
        name = optuna_name(entry)
        if isinstance(entry, CategoricalParam):
            grid[name] = list(entry.choices)
        elif isinstance(entry, IntParam):
            grid[name] = _int_values(entry.low, entry.high, entry.step)
        elif isinstance(entry, FloatParam):
            grid[name] = _float_values(name, entry.low, entry.high, entry.step, entry.log)
        elif isinstance(entry, SortedTupleParam):
            if entry.length_high != entry.length_low:
                grid[length_name(entry)] = _int_values(entry.length_low, entry.length_high, 1)
            for i in range(entry.length_high):
                grid[element_name(entry, i)] = _element_values(element_name(entry, i), entry.element)
        else:  # pragma: no cover - the IR union is closed
            raise RuntimeSpecError(f"unknown space entry {entry!r}")
    return grid


def _optuna_class(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def build_sampler(spec: ComponentSpec | Mapping[str, Any], space: Sequence[SpaceEntry], seed: int | None) -> optuna.samplers.BaseSampler:
    """The Optuna sampler of `spec` (its registry entry's class), with its options passed exactly and the study's `seed`."""
    kind, options = _spec_parts(spec)
    _check_options("sampler", kind, options, SAMPLERS)
    cls = _optuna_class(SAMPLERS[kind].optuna_class)
    args = (grid_search_space(space),) if kind == "grid" else ()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return cls(*args, seed=seed, **options)


def build_pruner(spec: ComponentSpec | Mapping[str, Any]) -> optuna.pruners.BasePruner:
    """The Optuna pruner of `spec` (its registry entry's class: `none` is NopPruner), options passed exactly."""
    kind, options = _spec_parts(spec)
    _check_options("pruner", kind, options, PRUNERS)
    cls = _optuna_class(PRUNERS[kind].optuna_class)
    args: tuple[Any, ...] = ()
    if kind == "patient":
        wrapped = options.pop("wrapped", None)
        args = (None if wrapped is None else build_pruner(wrapped),)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return cls(*args, **options)


@dataclass(frozen=True)
class MissingDependency:
    """An optional package a sampler or pruner of the study imports when it runs, absent here."""

    component: str
    """`sampler` or `pruner` (with the phase, for a phase's sampler)."""
    kind: str
    module: str
    install: str
    """The one line that installs it."""

    def __str__(self) -> str:
        return f"{self.component} {self.kind!r} needs the {self.module!r} package, which is not installed: {self.install}"


def _specs(study: Any) -> Iterator[tuple[str, str, KindSpec, Any]]:
    yield "sampler", study.sampler.kind, SAMPLERS[study.sampler.kind], study.sampler
    for i, phase in enumerate(getattr(study, "phases", None) or ()):
        yield f"phase {i + 1} sampler", phase.sampler.kind, SAMPLERS[phase.sampler.kind], phase.sampler
    pruner: Any = study.pruner
    while pruner is not None:
        kind, options = _spec_parts(pruner)
        yield "pruner", kind, PRUNERS[kind], pruner
        pruner = options.get("wrapped") if kind == "patient" else None


def missing_dependencies(study: Any) -> list[MissingDependency]:
    """The optional packages the study's samplers and pruners need and this environment lacks
    (read from the registry's `requires`; nothing is imported)."""
    missing: list[MissingDependency] = []
    for component, kind, entry, _ in _specs(study):
        for module in entry.requires:
            if importlib.util.find_spec(module) is None:
                hint = entry.install_hint() or f"pip install {module}"
                item = MissingDependency(component, kind, module, hint)
                if item not in missing:
                    missing.append(item)
    return missing
