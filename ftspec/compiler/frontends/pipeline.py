"""The pipeline around a block: the steps that lead to its model, lowered to `PipelineContext`.

Only the steps met on the way from the file's root to the model count, and only those written
before it: in each list of steps on that way, the steps before the one that leads on (for a nested
branch, the steps of the enclosing lists before the branch, then the branch's own list). The step
forms are nirs4all 1.4's (`nirs4all/pipeline/steps/parser.py`): a dict is keyed by its
serialization key (`class`, `function`, ...) first, then by its workflow keyword (`model`,
`preprocessing`, `feature_augmentation`, `y_processing`, ..., `branch`), then by its first other
key; a string with a dot is a class path, one without is a keyword; a nested list is a
sub-pipeline; null is skipped.

What each step before the model becomes:

- a class step (a dotted string, or `{"class": ..., "params": {...}}`), or `{"preprocessing": ...}`:
  a transform, unless its class looks like a splitter (`walk.is_splitter_class`), then the splitter
  (the last one wins); `{"split": ...}` is a splitter too. Whether a class really is a transformer
  is the runtime's to check when it imports it; the compiler imports nothing.
- `{"y_processing": ...}` (one transformer, or a list of one): the target transformer; the model
  step's legacy `y_pipeline` is one too.
- display-only steps (nirs4all's chart keywords: `chart_2d`, `y_chart`, `fold_chart`, ...), `_comment`
  annotations, null steps and other models (they train beside this one and leave X alone): ignored.
- a nested list: its steps, in order.
- anything else that changes X or y and is not class + params (`feature_augmentation`,
  `sample_augmentation`, `concat_transform`, a branch before the model, a function, a step with keys
  ftrun does not apply, params that are not a mapping, an unknown keyword): an `UnsupportedStep`
  with the reason, so that the runtime refuses it up front. The same for a container the model sits
  in that is not a plain branch (the model inside `feature_augmentation`, a `stack`, a separation
  branch), and for a MetaModel, whose inner model trains on the predictions of earlier models.
"""

from __future__ import annotations

from ftspec.compiler.values import ANNOTATION_KEY, finite_value, location, node_desc
from ftspec.compiler.nodes import Mapping, Node, Scalar, Sequence, to_python
from ftspec.compiler.walk import Block, is_splitter_class
from ftspec.ir import PipelineContext, StepSpec, UnsupportedStep

# nirs4all 1.4 `pipeline/steps/parser.py` StepParser.SERIALIZATION_OPERATORS, WORKFLOW_KEYWORDS and
# RESERVED_KEYWORDS: how a dict step is keyed.
SERIALIZATION_KEYS = ("class", "function", "module", "object", "pipeline", "instance")
WORKFLOW_KEYWORDS = (
    "model", "preprocessing", "feature_augmentation", "auto_transfer_preproc", "concat_transform",
    "y_processing", "sample_augmentation", "branch",
)
RESERVED_KEYS = frozenset({
    "params", "metadata", "steps", "name", "finetune_params", "train_params", "refit_params", "fit_on_all",
    "force_layout", "na_policy", "fill_value", ANNOTATION_KEY,
})
# The keywords of nirs4all 1.4's chart controllers (`controllers/charts/*.py`, `matches`): they draw, and
# change neither X nor y. `fold_*` is a prefix there as well.
CHART_KEYWORDS = frozenset({
    "chart_2d", "chart_3d", "2d_chart", "3d_chart", "y_chart", "chart_y", "fold_chart", "chart_fold",
    "augment_chart", "augmentation_chart", "augment_details_chart", "augmentation_details_chart",
    "exclusion_chart", "chart_exclusion", "spectra_dist", "spectral_distribution", "spectra_envelope",
})
# Keys a class step may carry besides `class` and `params` (a name, a comment): nothing ftrun would skip.
_CLASS_STEP_KEYS = frozenset({"class", "params", "name", ANNOTATION_KEY})
# Branch containers whose alternatives each run on all of X (nirs4all `branch`, the older `dispatch`).
_BRANCH_KEYS = ("branch", "dispatch")
_SEPARATION_KEYS = ("by_tag", "by_metadata", "by_filter", "by_source")


def is_chart(keyword: str) -> bool:
    return keyword in CHART_KEYWORDS or keyword.startswith("fold_")


def step_keyword(step: Mapping) -> str | None:
    """The key nirs4all dispatches a dict step on (None: only reserved keys)."""
    for key in SERIALIZATION_KEYS:
        if key in step:
            return key
    candidates = [k for k in step.keys() if k not in RESERVED_KEYS]
    for key in WORKFLOW_KEYWORDS:
        if key in candidates:
            return key
    return str(candidates[0]) if candidates else None


class _Builder:
    def __init__(self) -> None:
        self.transforms: list[StepSpec] = []
        self.y_processing: StepSpec | None = None
        self.splitter: StepSpec | None = None
        self.unsupported: list[UnsupportedStep] = []

    def refuse(self, node: Node, reason: str) -> None:
        self.unsupported.append(UnsupportedStep(source=location(node), reason=reason))

    # -- class + params ----------------------------------------------------------------------

    def spec(self, node: Node, what: str) -> StepSpec | None:
        """A string class path or a `{class, params}` mapping as a StepSpec; else refused (None)."""
        if isinstance(node, Scalar):
            if isinstance(node.value, str) and _is_class_path(node.value):
                return StepSpec(class_path=node.value, params={}, source=location(node))
            if isinstance(node.value, str):
                self.refuse(node, f"{what} {node.value!r} is not a dotted class path")
            else:
                self.refuse(node, f"{what} is not a class path or a {{class, params}} mapping (found {node_desc(node)})")
            return None
        if isinstance(node, Sequence):
            if len(node.items) == 1:
                return self.spec(node.items[0], what)
            self.refuse(node, f"{what} is a list of {len(node.items)} steps; ftrun applies one class here")
            return None
        cls = node.get("class")
        if cls is None:
            keyword = step_keyword(node)
            if keyword == "function":
                self.refuse(node, f"{what} is a function, not a class")
            else:
                self.refuse(node, f"{what} has no `class`")
            return None
        extra = [str(k) for k in node.keys() if k not in _CLASS_STEP_KEYS]
        if extra:
            keys = ", ".join(f"`{k}`" for k in extra)
            self.refuse(node.get(extra[0]) or node, f"{what} has {keys} beside class and params, which ftrun does not apply")
            return None
        if not (isinstance(cls, Scalar) and isinstance(cls.value, str) and _is_class_path(cls.value)):
            self.refuse(cls, f"the `class` of {what} is not a dotted class path (found {node_desc(cls)})")
            return None
        params = node.get("params")
        if params is None or (isinstance(params, Scalar) and params.value is None):
            values: dict = {}
        elif isinstance(params, Mapping):
            values = to_python(params)
            if not finite_value(values):  # the loader reported it (FT003); the IR is strict JSON
                self.refuse(params, f"the `params` of {what} hold a number that is not finite (NaN, Infinity or too large)")
                return None
        else:
            self.refuse(params, f"the `params` of {what} is not a mapping (found {node_desc(params)})")
            return None
        return StepSpec(class_path=cls.value, params=values, source=location(node))

    def set_y(self, node: Node, what: str) -> None:
        spec = self.spec(node, what)
        if spec is None:
            return
        if self.y_processing is not None:
            self.refuse(node, f"{what} is a second target transformer after the one at line {self.y_processing.source.line}; ftrun applies one")
            return
        self.y_processing = spec

    # -- steps before the model ------------------------------------------------------------

    def before(self, step: Node) -> None:
        """Record what one step written before the model does."""
        if isinstance(step, Sequence):
            for item in step.items:
                self.before(item)
            return
        if isinstance(step, Scalar):
            if step.value is None:
                return
            if isinstance(step.value, str) and "." not in step.value:  # a keyword, as nirs4all reads it
                if not is_chart(step.value):
                    self.refuse(step, f"`{step.value}` is not a step ftrun knows")
                return
            self.transform_or_split(step)
            return
        keyword = step_keyword(step)
        if keyword is None or is_chart(keyword) or keyword == "model" or "finetune_params" in step:
            return  # nothing, a chart, or another model (a class step with finetune_params is one)
        if keyword == "class":
            self.transform_or_split(step)
        elif keyword == "split":
            self.split_step(step)
        elif keyword == "preprocessing":
            self.only_keyword(step, keyword)
            spec = self.spec(step.require("preprocessing").value, "the `preprocessing` step")
            if spec is not None:
                self.transforms.append(spec)
        elif keyword == "y_processing":
            self.only_keyword(step, keyword)
            self.set_y(step.require("y_processing").value, "the `y_processing` step")
        elif keyword == "function":
            self.refuse(step, "a function step, not a class; ftrun cannot run it")
        elif keyword == "feature_augmentation":
            self.refuse(step, "feature_augmentation branches are not supported by ftrun")
        elif keyword in _BRANCH_KEYS:
            self.refuse(step, f"a `{keyword}` step before the model (the model would run once per branch) is not supported by ftrun")
        else:
            self.refuse(step, f"`{keyword}` steps are not supported by ftrun")

    def only_keyword(self, step: Mapping, keyword: str) -> None:
        extra = [str(k) for k in step.keys() if k != keyword and k not in ("name", ANNOTATION_KEY)]
        if extra:
            keys = ", ".join(f"`{k}`" for k in extra)
            self.refuse(step.get(extra[0]) or step, f"the `{keyword}` step has {keys}, which ftrun does not apply")

    def transform_or_split(self, step: Node) -> None:
        cls = step.value if isinstance(step, Scalar) else to_python(step.get("class")) if isinstance(step, Mapping) else None
        is_split = isinstance(cls, str) and is_splitter_class(cls)
        spec = self.spec(step, "the splitter step" if is_split else "the step")
        if spec is None:
            return
        if is_split:
            self.splitter = spec
        else:
            self.transforms.append(spec)

    def split_step(self, step: Mapping) -> None:
        self.only_keyword(step, "split")
        spec = self.spec(step.require("split").value, "the `split` step")
        if spec is not None:
            self.splitter = spec

    # -- the way down to the model ---------------------------------------------------------

    def model(self, owner: Mapping, meta: Mapping | None) -> StepSpec | None:
        if meta is not None:
            # `finetune_space` sits in the MetaModel's params, beside the inner model it tunes.
            self.refuse(meta, "a MetaModel trains its model on the predictions of the models before it; ftrun cannot build that input")
            inner = owner.get("model")
            return None if inner is None else self.spec(inner, "the MetaModel's `model`")
        y_pipeline = owner.get("y_pipeline")
        if y_pipeline is not None:
            self.set_y(y_pipeline, "the model step's `y_pipeline`")
        model = owner.get("model")
        if model is not None:
            return self.spec(model, "the `model`")
        if "class" in owner:
            return self.spec(_class_part(owner), "the model step")
        return None


def _class_part(step: Mapping) -> Node:
    """A `{class, params, finetune_params, ...}` model step seen as its class + params only."""
    entries = [e for e in step.entries if e.key.value in _CLASS_STEP_KEYS]
    return Mapping(entries, step.span, step.pointer, step.style)


def _is_class_path(text: str) -> bool:
    parts = text.split(".")
    return len(parts) >= 2 and all(p.isidentifier() for p in parts)


def lower_pipeline(block: Block) -> PipelineContext | None:
    """The PipelineContext of a block, or None when it has no pipeline (a bare block)."""
    trail = block.trail
    if block.kind == "bare" or not trail:
        return None
    owner = trail[-1]
    if not isinstance(owner, Mapping):  # pragma: no cover - the walk only finds blocks in mappings
        return None
    if len(trail) == 1 and "model" not in owner and "class" not in owner:
        return None  # `{"finetune_params": {...}}` alone: a bare block under its key, no step around it
    meta = trail[-2] if block.kind == "finetune_space" and _is_metamodel_trail(trail) else None
    assert meta is None or isinstance(meta, Mapping)  # _is_metamodel_trail checked it
    b = _Builder()
    # Down to the model's step; for a MetaModel, its `model` mapping and params are not steps.
    _descend(b, trail[:-2] if meta is not None else trail)
    model = b.model(owner, meta)
    return PipelineContext(
        transforms=b.transforms, y_processing=b.y_processing, splitter=b.splitter, model=model, unsupported=b.unsupported,
    )


def _descend(b: _Builder, trail: tuple[Node, ...]) -> None:
    """Record the steps before the model along the trail, down to the model's own step."""
    # What the current node is: a list of steps, one step, or the alternatives of a branch.
    role = "root"
    for i in range(len(trail) - 1):
        node, child = trail[i], trail[i + 1]
        if role == "root":
            if isinstance(node, Mapping) and node.get("pipeline") is child and isinstance(child, Sequence):
                role = "steps-next"
            else:
                role = "steps" if isinstance(node, Sequence) else "step"
        if role == "steps-next":
            role = "steps"
            continue
        if role == "steps":
            assert isinstance(node, Sequence)
            for item in node.items:
                if item is child:
                    break
                b.before(item)
            role = "steps" if isinstance(child, Sequence) else "step"
        elif role == "step":
            assert isinstance(node, Mapping)
            key = next(str(e.key.value) for e in node.entries if e.value is child)
            if key in _BRANCH_KEYS:
                if isinstance(child, Mapping) and any(k in child for k in _SEPARATION_KEYS):
                    by = next(k for k in _SEPARATION_KEYS if k in child)
                    b.refuse(node, f"a separation branch (`{key}` with `{by}`) is not supported by ftrun")
                    return
                role = "alternatives"
            elif key == "feature_augmentation":
                b.refuse(node, "feature_augmentation branches are not supported by ftrun")
                return
            else:
                b.refuse(node, f"the model sits inside a `{key}` step, which ftrun cannot run")
                return
        else:  # alternatives: a list or a mapping of branches, each a list of steps or one step
            role = "steps" if isinstance(child, Sequence) else "step"


def _is_metamodel_trail(trail: tuple[Node, ...]) -> bool:
    """The trail ends step -> `model` mapping -> its `params` (where `finetune_space` sits)."""
    if len(trail) < 3:
        return False
    step, model, params = trail[-3], trail[-2], trail[-1]
    return (
        isinstance(step, Mapping) and isinstance(model, Mapping) and step.get("model") is model
        and model.get("params") is params and "finetune_space" in params
    )
