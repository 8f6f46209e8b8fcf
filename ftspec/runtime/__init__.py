"""The Optuna runtime: run an IR study (`ftspec.ir.Study`) with an adapter or a plain callable.

`ftspec.runtime.optimize` is the function (it shadows the submodule of the same name; import the
module's other names with `from ftspec.runtime.optimize import ...`). Importing this package
imports Optuna: the compiler and the linter never import it.
"""

from ftspec.runtime.adapters import (
    DEFAULT_ALLOWED_MODULES,
    Adapter,
    CallableAdapter,
    FinalFit,
    IncrementalAdapter,
    SklearnAdapter,
    TrialContext,
    UnsafeClassError,
    adapter_from_study,
    build_splitter,
    import_class,
)
from ftspec.runtime.build import RuntimeSpecError, build_pruner, build_sampler, grid_search_space
from ftspec.runtime.data import (
    EMBEDDED,
    DataError,
    Dataset,
    Split,
    default_dataset,
    embedded_dataset,
    folds_from,
    holdout_split,
    load_csv,
)
from ftspec.runtime.metrics import aggregate, score
from ftspec.runtime.optimize import Report, StudyFailed, TrialRecord, optimize, warm_start_params
from ftspec.runtime.space import suggest

__all__ = [
    "optimize",
    "Report",
    "TrialRecord",
    "StudyFailed",
    "warm_start_params",
    "RuntimeSpecError",
    "build_sampler",
    "build_pruner",
    "grid_search_space",
    "suggest",
    "Dataset",
    "DataError",
    "Split",
    "EMBEDDED",
    "embedded_dataset",
    "default_dataset",
    "load_csv",
    "holdout_split",
    "folds_from",
    "score",
    "aggregate",
    "Adapter",
    "CallableAdapter",
    "SklearnAdapter",
    "IncrementalAdapter",
    "TrialContext",
    "FinalFit",
    "UnsafeClassError",
    "DEFAULT_ALLOWED_MODULES",
    "import_class",
    "build_splitter",
    "adapter_from_study",
]
