"""The Optuna runtime: run an IR study (`ftspec.ir.Study`) with a plain-callable objective.

`ftspec.runtime.optimize` is the function (it shadows the submodule of the same name; import the
module's other names with `from ftspec.runtime.optimize import ...`). Importing this package
imports Optuna: the compiler and the linter never import it.
"""

from ftspec.runtime.build import RuntimeSpecError, build_pruner, build_sampler, grid_search_space
from ftspec.runtime.optimize import Report, StudyFailed, TrialRecord, optimize
from ftspec.runtime.space import suggest

__all__ = [
    "optimize",
    "Report",
    "TrialRecord",
    "StudyFailed",
    "RuntimeSpecError",
    "build_sampler",
    "build_pruner",
    "grid_search_space",
    "suggest",
]
