"""What a submission is graded on: checks with points, feedback levels and (optionally) pinned seeds.

A rubric is a TOML file:

    feedback = "hints"            # default of every check: "hints" (the first disagreement, with hints),
                                  # "location" (update, stage, layer, parameter and the kind of mistake,
                                  # no formula: compare.diagnosis.location) or "verdict" (pass / fail only)
    reference = "auto"            # "auto" (torch when installed, else our NumPy backprop), "torch", "numpy"
    # seed = 1234                 # pin every draw (reproducible re-grading); default: drawn at grade time
    # suite = "all"               # every experiment of the check suite that a submission's keywords allow
                                  # (1 point each; one it cannot express is not graded: 0 of 0), besides any
                                  # [[check]] below (then none is needed)
    # imports = ["numpy"]         # what a submission may import besides the standard library (default:
                                  # numpy; the sandbox lets it see nothing else): e.g. ["numpy", "scipy"]

    [[check]]
    name = "two outputs"          # required, unique
    experiment = "exercise1"      # a preset name or a TOML path (relative to the rubric); default "hiring"
    # suite = "batches"           # or an experiment of the check suite, by name (instead of `experiment`)
    # fallback = false            # batches, square, long: only in their own setting (default: in the closest
                                  # one a file supports where it raises NotImplementedError, as `check` does)
    points = 2                    # >= 0; default 1
    epochs = 20                   # any experiment key of `[train]` / `[network]` as an override
    # fresh = true                # draw new weights and data (default); false: the experiment's own
    # sizes = [3, 5, 2]           # with fresh: another network ...
    # samples = 8                 # ... and data set size
    # seed = 7                    # pin this check's draw
    # feedback = "verdict"
    # visibility = "visible"      # Gradescope: visible | hidden | after_due_date | after_published

    [[check]]                     # a layer file's layer (`check LAYERS.py`); a rubric grades layers or backprop
    name = "batchnorm"
    layer = "batchnorm"           # a layer of docs/layers.md (its name or one of its functions' names)
    points = 3
    # points_per = "gradient"     # "layer" (default): all or nothing; "gradient": a share per output and gradient

Without `--rubric`, the default rubric (`default_rubric`) is used: what the lesson's template
(examples/backprop_template.py: no keywords, sigmoid and loss "sum") asks for, i.e. the check suite's
experiments that a file without keywords can express (`compare.usercode.suite.CORE`: batches, square,
long), 1 point each (a built-in list where the suite is not there); `suite = "all"` grades the rest too.
A class of layer files gets each layer of the course templates its files fill in (`default_rubric`).
Every check is resolved (experiment loaded, overrides validated) before anything is graded: a rubric that
is not TOML, names an unknown experiment or key, or gives negative points is one line, exit 2.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compare.errors import ExperimentError
from compare.files.bounded import TOML_BYTES, read_text

FEEDBACK = ("hints", "location", "verdict")
REFERENCES = ("auto", "torch", "numpy")
VISIBILITY = ("visible", "hidden", "after_due_date", "after_published")
CHECK_KEYS = {"name", "experiment", "suite", "points", "fresh", "sizes", "samples", "seed", "feedback", "visibility",
              "fallback"}
TOP_KEYS = {"feedback", "reference", "seed", "check", "suite", "imports"}
SUITE_CHOICES = ("all", "template")


@dataclass(frozen=True)
class Check:
    """One check of a rubric, before drawing: where its experiment comes from and what it is worth."""

    name: str
    experiment: str = "hiring"
    points: float = 1.0
    overrides: dict[str, Any] = field(default_factory=dict)
    fresh: bool = True
    sizes: tuple[int, ...] | None = None
    samples: int | None = None
    seed: int | None = None
    feedback: str = "hints"
    visibility: str = "visible"
    suite: str | None = None      # an experiment of the check suite, by name (then `experiment` is unused)
    layer: str | None = None      # a layer of the layer check (then the experiment keys are unused)
    points_per: str = "layer"     # a layer check: "layer" (all or nothing) or "gradient"
    optional: bool = False        # graded only when the submission's keywords can express it (`suite = "all"`)
    fallback: bool = True         # a suite structure check: in another setting or depth where the file raises
                                  # NotImplementedError on its own (`compare.grading.versions`)


@dataclass(frozen=True)
class Rubric:
    checks: tuple[Check, ...]
    reference: str = "auto"
    seed: int | None = None
    source: str = "the default rubric"
    imports: tuple[str, ...] = ("numpy",)     # what a submission may import besides the standard library

    @property
    def max_score(self) -> float:
        return float(sum(c.points for c in self.checks))


# The default: the seed's network, loss and activation (what the lesson's template asks for) on its
# exercises, every descent mode, several outputs and a wider, deeper network; short runs (the first
# disagreement comes early).
DEFAULT_CHECKS = (
    Check("hiring", "hiring", overrides={"mode": "stochastic", "epochs": 20}),
    Check("several outputs", "exercise1", overrides={"epochs": 20}),
    Check("batch", "exercise2", overrides={"mode": "batch", "epochs": 20}),
    Check("stochastic", "exercise2", overrides={"mode": "stochastic", "epochs": 10}),
    Check("minibatch", "exercise3", overrides={"mode": "minibatch", "batch_size": 3, "epochs": 10}),
    Check("three outputs", "exercise1", overrides={"mode": "batch", "epochs": 10}, sizes=(2, 3, 3), samples=3),
    Check("wider and deeper", "exercise3", overrides={"mode": "minibatch", "batch_size": 4, "epochs": 5},
          sizes=(3, 5, 4, 2), samples=10),
)


def suite_cases() -> tuple | None:
    """The check suite's experiments, or None where this installation has no suite."""
    try:
        from compare.usercode.suite import SUITE
    except ImportError:
        return None
    return SUITE


def default_rubric(submissions: list[Any] | None = None) -> Rubric:
    """What the template asks for: the suite's experiments a file without keywords can express, one point
    each (drawn fresh); the built-in list where there is no suite. A class of layer files (`submissions`:
    more of them layer files than backward files) gets the layer files' default instead
    (`compare.grading.layers.rubric.default_layer_checks`: each layer of the templates they fill in)."""
    entries = _layer_entries(submissions or [])
    if entries is not None:
        from compare.grading.layers.rubric import default_layer_checks
        return Rubric(tuple(Check(**c) for c in default_layer_checks(entries)),
                      source="the layers of the course's templates the files fill in (1 point each)")
    cases = suite_cases()
    if cases is None:
        return Rubric(DEFAULT_CHECKS)
    return Rubric(tuple(Check(c.name, suite=c.name) for c in cases if not c.needs),
                  source="the check suite's experiments the template's interface can express")


def _layer_entries(submissions: list[Any]) -> list[Path] | None:
    """The layer files among `submissions` (a folder: its entry) when they outnumber the files defining
    `backward` (those that are neither do not count); else None."""
    from compare.layers.discover import defined_names, is_layer_submission, layer_entry
    from compare.usercode.load import UserCodeError
    layers, votes, backward = [], 0, 0
    for sub in submissions:
        path = getattr(sub, "path", None)
        if path is None:
            continue
        if is_layer_submission(path):
            votes += 1
            try:
                layers.append(layer_entry(path, sub.name) if path.is_dir() else path)
            except UserCodeError:
                pass     # several candidates: that submission's error, when it is graded
        elif not path.is_dir() and "backward" in defined_names(path) or path.is_dir() and any(
                "backward" in defined_names(p) for p in path.glob("*.py")):
            backward += 1
    return layers if votes > backward else None


def suite_checks(choice: str) -> tuple[Check, ...]:
    """`suite = "all"`: every suite experiment, those needing a keyword graded only where the submission
    takes it; `suite = "template"`: the default rubric's."""
    cases = suite_cases() or ()
    return tuple(Check(c.name, suite=c.name, optional=bool(c.needs)) for c in cases
                 if choice == "all" or not c.needs)


def _number(value: Any, where: str, *, integer: bool = False, minimum: float = 0) -> Any:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or value < minimum:
        kind = "a whole number" if integer else "a number"
        raise ExperimentError(f"{where}: expected {kind} >= {minimum:g}, found {value!r}")
    return value


def _choice(value: Any, choices: tuple[str, ...], where: str) -> str:
    if value not in choices:
        raise ExperimentError(f"{where}: expected one of {', '.join(choices)}; found {value!r}")
    return value


def load_rubric(path: str | Path) -> Rubric:
    """Read and validate a rubric file (experiments are resolved later, by `prepare`)."""
    file = Path(path)
    where = f"--rubric {file}"
    text = read_text(file, where, TOML_BYTES)     # a regular file, bounded, UTF-8 (a byte-order mark dropped)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"{where}: not valid TOML ({exc})") from None
    unknown = sorted(set(doc) - TOP_KEYS)
    if unknown:
        raise ExperimentError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(TOP_KEYS))})")
    feedback = _choice(doc.get("feedback", "hints"), FEEDBACK, f"{where}: feedback")
    reference = _choice(doc.get("reference", "auto"), REFERENCES, f"{where}: reference")
    seed = doc.get("seed")
    if seed is not None:
        _number(seed, f"{where}: seed", integer=True)
    suite = doc.get("suite")
    if suite is not None:
        _choice(suite, SUITE_CHOICES, f"{where}: suite")
        if suite_cases() is None:
            raise ExperimentError(f"{where}: suite: this installation has no check suite")
    tables = doc.get("check", [] if suite is not None else None)
    if not isinstance(tables, list) or not (tables or suite) or not all(isinstance(t, dict) for t in tables):
        raise ExperimentError(f"{where}: no checks: expected one or more [[check]] tables, or suite = \"all\"")
    checks: list[Check] = list(suite_checks(suite)) if suite is not None else []
    for k, table in enumerate(tables, start=1):
        name = table.get("name")
        at = f"{where}: check {k}"
        if not isinstance(name, str) or not name.strip():
            raise ExperimentError(f"{at}: `name` is required (a non-empty string)")
        at = f"{where}: check {name!r}"
        if any(c.name == name for c in checks):
            raise ExperimentError(f"{at}: two checks have this name")
        if "layer" in table:
            from compare.grading.layers.rubric import layer_check
            checks.append(Check(**layer_check(table, at, feedback, FEEDBACK, VISIBILITY)))
            continue
        suite = table.get("suite")
        if suite is not None:
            names = [c.name for c in suite_cases() or ()]
            if "experiment" in table:
                raise ExperimentError(f"{at}: give `experiment` or `suite`, not both")
            if suite not in names:
                known = f"the suite has {', '.join(names)}" if names else "this installation has no check suite"
                raise ExperimentError(f"{at}: unknown check {suite!r} ({known})")
        experiment = table.get("experiment", "hiring")
        if not isinstance(experiment, str):
            raise ExperimentError(f"{at}: experiment: expected a preset name or a TOML path")
        if experiment.endswith(".toml") or "/" in experiment:
            experiment = str(file.parent / experiment)
        sizes = table.get("sizes")
        if sizes is not None and (not isinstance(sizes, list) or len(sizes) < 2 or not all(
                isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 1024 for n in sizes)):
            raise ExperimentError(f"{at}: sizes: expected a list of 2 or more layer widths (1..1024), "
                                  f"found {sizes!r}")
        samples = table.get("samples")
        if samples is not None:
            _number(samples, f"{at}: samples", integer=True, minimum=1)
        if table.get("seed") is not None:
            _number(table["seed"], f"{at}: seed", integer=True)
        fresh = table.get("fresh", True)
        if not isinstance(fresh, bool):
            raise ExperimentError(f"{at}: fresh: expected true or false, found {fresh!r}")
        if not fresh and (sizes is not None or samples is not None):
            raise ExperimentError(f"{at}: sizes and samples apply to drawn experiments only (fresh = true)")
        fallback = table.get("fallback", True)
        if not isinstance(fallback, bool) or (suite is None and "fallback" in table):
            raise ExperimentError(f"{at}: fallback: expected true or false, for a check naming a suite experiment "
                                  f"(`suite = \"batches\"`), found {fallback!r}")
        overrides = {key: value for key, value in table.items() if key not in CHECK_KEYS}
        checks.append(Check(name, experiment, float(_number(table.get("points", 1), f"{at}: points")), overrides,
                            fresh, tuple(sizes) if sizes else None, samples, table.get("seed"),
                            _choice(table.get("feedback", feedback), FEEDBACK, f"{at}: feedback"),
                            _choice(table.get("visibility", "visible"), VISIBILITY, f"{at}: visibility"), suite,
                            fallback=fallback))
    if len({c.layer is None for c in checks}) > 1:
        raise ExperimentError(f"{where}: layer checks and experiment checks in one rubric: a rubric grades "
                              "layer files or backward files")
    from compare.sandbox.modules import DEFAULT_IMPORTS, check_imports
    imports = check_imports(doc.get("imports", list(DEFAULT_IMPORTS)), f"{where}: imports")
    return Rubric(tuple(checks), reference, seed, str(file), imports)
