"""`compare.check`, the Python API of checking your own backprop: a file or a function; the check suite, one
experiment against torch, or one against a recorded trace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from compare.errors import ExperimentError, ParityError
from compare.experiment.definition import Experiment
from compare.usercode.check import (
    check_against_trace,
    check_with_torch,
    requested_experiment,
    updates_to_check,
)
from compare.usercode.load import (
    CONVENTION_KEYWORDS,
    UserCode,
    UserCodeError,
    load_user_code,
    user_code_from_functions,
)
from compare.usercode.trace import load_trace


def check(experiment: Experiment | str | None = None, backward: Any = None,
          forward: Callable[..., Any] | None = None, *, against: str | None = None, live: bool = False,
          jobs: int | None = None, **overrides: Any) -> Any:
    """The Python API (`compare.check`).

    `check("mine.py")` or `check(backward=fn)`: the check suite (as `python -m compare check FILE.py`),
    against the shipped recordings (torch never imported; `live=True` runs torch), a `SuiteReport`;
    `check("mine.py", l2=0.1)`: the suite with the loss's conventions (`reduction`, `bce_outputs`, `l2`,
    `l2_biases`, `mse_scale`), against torch.
    `check("mine.py", "exercise3", **overrides)` or `check("exercise3", backward=fn, **overrides)`: one
    experiment against torch, or against a recorded trace (`against="trace.npz"`), a `CheckReport`.

    Raises `compare.ParityError` (an AssertionError: pytest shows its message, the same as the command
    line's) at the first disagreement, `compare.ExperimentError` for bad input."""
    from compare.experiment.sources import load_experiment

    if isinstance(experiment, str | Path) and str(experiment).endswith(".py"):
        if callable(backward):
            raise ExperimentError(f"compare.check: {experiment} is your file; pass either a file or backward=..., "
                                  "not both")
        code = load_user_code(experiment)
        experiment = backward
    elif backward is None:
        raise ExperimentError("compare.check: pass your file (`check(\"mine.py\")`) or your function as "
                              "backward=...")
    else:
        code = user_code_from_functions(backward, forward)
    if isinstance(experiment, Experiment) and overrides:
        raise ExperimentError("overrides apply to a preset name or path; build the Experiment with them")
    if against is not None:
        trace = load_trace(against)
        requested = experiment if isinstance(experiment, Experiment) else requested_experiment(
            trace, experiment, overrides)
        return check_against_trace(code, trace, updates=updates_to_check(trace, requested))
    if experiment is None and set(overrides) <= set(CONVENTION_KEYWORDS):   # the loss's conventions keep the suite
        return _suite(code, live, jobs, overrides)
    if live:
        raise ExperimentError("compare.check: live=True runs the check suite; a named experiment always runs "
                              "against torch")
    e = experiment if isinstance(experiment, Experiment) else load_experiment(experiment or "hiring", overrides)
    return check_with_torch(code, e)


def _suite(code: UserCode, live: bool, jobs: int | None, conventions: dict[str, Any]) -> Any:
    from compare.usercode.suite_run import run_suite
    from compare.usercode.suite_verdict import verdict

    report = run_suite(code, live=live, jobs=jobs, conventions=conventions)
    failed, error = report.first_failure, report.first_error
    if failed is not None:
        raise ParityError(verdict(report), failed.failure, report)
    if error is not None:
        raise UserCodeError(f"{error.message} (check suite, experiment `{error.name}`)", error.user_traceback)
    if not report.anything_ran:
        from compare.usercode.suite_verdict import nothing_ran
        raise UserCodeError(nothing_ran(report))
    return report
