"""Running the check suite on a user's file: which experiments its functions can express, each checked
against its shipped recording (no torch) or against torch live, in parallel processes (`--jobs`).

    report = run_suite(code)                 # a SuiteReport: one CaseResult per suite experiment
    report.ok, report.first_failure, report.exit_code

An experiment the file cannot express (its functions take no `hidden_activation`, say) is not run and says
why; nothing is ever reported OK that was not run. A structure experiment (batches, square, long) on which
the file raises NotImplementedError (it supports ReLU/softmax only, or two layers only) runs in the closest
setting and depth the file supports (`compare.usercode.suite.VERSIONS`), and says which.

Conventions (`reduction`, `bce_outputs`, `l2`, `l2_biases`, `mse_scale`: `check FILE.py --l2 0.1`) apply to
every experiment they fit (`bce_outputs` to the BCE ones, `mse_scale` to the MSE ones); the shipped recordings
have torch's default conventions, so those runs are against torch, live.
"""

from __future__ import annotations

import re
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compare.diagnosis.failure import Failure
from compare.errors import DivergenceError, ExperimentError, ParityError
from compare.usercode.load import UserCode, UserCodeError
from compare.usercode.suite import SUITE, VERSIONS, Case

# the user's functions for the forked jobs (never pickled: a closure or a function typed into a notebook
# cannot be), set just before the jobs start
_JOB: dict[str, Any] = {}


@dataclass
class CaseResult:
    """One suite experiment's outcome: "ok", "failed" (a disagreement), "error" (the file cannot be used on
    it), "unsupported" (it raised on a setting it does not handle) or "skipped" (it cannot express it)."""

    name: str
    status: str
    updates_checked: int = 0
    total_updates: int = 0
    max_abs_diff: float = 0.0
    reason: str = ""                       # why skipped / unsupported / error, in words
    message: str = ""                      # the full failure message (failed) or the one-line error
    user_traceback: str = ""
    failure: Failure | None = None
    history: Any = None                    # the user's run (`compare.running.history.History`), ok and failed
    tolerance: Any = None
    max_abs_diff_log: list = field(default_factory=list)
    against: str | None = None             # "suite recording", or None: torch live
    ran: str = ""                          # the version that ran instead (`batches-relu-softmax-2layer`), or ""
    instead_of: str = ""                   # why: what the file raised NotImplementedError on, in words
    not_implemented: bool = False          # the file raised NotImplementedError on it

    @property
    def case(self) -> Case:
        """The experiment that ran: the suite's own, or the version that ran instead."""
        from compare.usercode.suite import case
        return case(self.ran or self.name)


@dataclass
class SuiteReport:
    file: str
    live: bool
    results: list[CaseResult] = field(default_factory=list)
    conventions: dict[str, Any] = field(default_factory=dict)   # `--l2 0.1` and the like, applied throughout

    @property
    def not_implemented(self) -> bool:
        """NotImplementedError on every experiment it could express: the file is not written yet."""
        tried = [r for r in self.results if r.status != "skipped"]
        return bool(tried) and all(r.not_implemented for r in tried)

    @property
    def ok(self) -> bool:
        """Every experiment run agreed, and at least one ran: nothing run is never a pass."""
        return (self.anything_ran and not self.not_implemented
                and all(r.status in ("ok", "skipped", "unsupported") for r in self.results))

    @property
    def anything_ran(self) -> bool:
        return any(r.status == "ok" for r in self.results)

    @property
    def first_failure(self) -> CaseResult | None:
        return next((r for r in self.results if r.status == "failed"), None)

    @property
    def first_error(self) -> CaseResult | None:
        """The first experiment the file could not be used on; NotImplementedError everywhere is one too."""
        error = next((r for r in self.results if r.status == "error"), None)
        if error is None and self.not_implemented:
            return next(r for r in self.results if r.status != "skipped")
        return error

    @property
    def exit_code(self) -> int:
        return 1 if self.first_failure else 2 if self.first_error or not self.anything_ran else 0

    def __str__(self) -> str:
        from compare.usercode.suite_verdict import verdict
        return verdict(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:   # IPython / Jupyter show the verdict
        printer.text(str(self))


def cannot_express(code: UserCode, case: Case) -> str:
    """Why the file's functions cannot express `case` (a keyword they do not take), or ""."""
    for key in case.needs:
        if key not in code.keywords:
            return f"your backward takes no `{key}`"
        if code.forward is not None and key != "loss" and key not in code.forward_keywords:
            return f"your forward takes no `{key}`"
    return ""


def run_suite(code: UserCode, *, live: bool = False, jobs: int | None = None,
              conventions: dict[str, Any] | None = None) -> SuiteReport:
    """Every suite experiment the file can express, checked at every stage of every update; ExperimentError
    (exit 2) if a shipped recording is missing or damaged. `conventions`: the loss's conventions for every
    experiment they fit (then against torch, live)."""
    from compare.running.parallel import map_jobs

    conventions = {k: v for k, v in (conventions or {}).items() if v is not None}
    live = live or bool(conventions)
    report = SuiteReport(code.name, live, conventions=conventions)
    todo = []
    for index, case in enumerate(SUITE):
        why = cannot_express(code, case)
        if why:
            report.results.append(CaseResult(case.name, "skipped", reason=why))
        else:
            report.results.append(CaseResult(case.name, "pending"))
            todo.append(index)
    traces = {}
    if not live:   # loaded once, here: a missing or damaged recording is one clear line before anything runs
        from compare.usercode.suite_record import load_recording
        traces = {SUITE[index].name: load_recording(SUITE[index]) for index in todo}
        # the versions' recordings are loaded where one is needed (`_run_case`): most files need none
    _JOB.update(code=code, live=live, traces=traces, conventions=conventions)
    try:
        done = map_jobs(_job, todo, jobs=jobs if _can_fork() else 1)
    except BrokenProcessPool:   # a job's process ended under us (a time limit's watchdog, the user's os._exit)
        raise UserCodeError(f"{code.name}: a check suite experiment's process ended while running your code (it "
                            "ran past its time limit, or called os._exit); run with --jobs 1 to see which") from None
    finally:
        _JOB.clear()
    by_name = {r.name: r for r in done}
    report.results = [by_name.get(r.name, r) for r in report.results]
    return report


def _can_fork() -> bool:
    import multiprocessing
    return "fork" in multiprocessing.get_all_start_methods()


def _job(index: int) -> CaseResult:
    """One suite experiment, as plain data (it travels back from a worker process); a structure experiment
    the file raises NotImplementedError on, in the first of its versions that the file supports."""
    case = SUITE[index]
    result = _run_case(case, case.needs)
    if not result.not_implemented or case.name not in VERSIONS:
        return result
    raised_on = [case.where()]
    crashed = None
    for version in VERSIONS[case.name]:
        if cannot_express(_JOB["code"], version):
            continue
        other = _run_case(version, version.needs)
        if other.status == "unsupported" and not other.not_implemented:
            crashed = crashed or (version, other)   # it raised something else where it claims the setting:
            continue                                # a bug, unless another version runs (a ValueError for
                                                    # a setting it lacks, say)
        if not other.not_implemented:
            other.name, other.ran = case.name, version.name
            others = f" and {len(raised_on) - 1} other version{'s' if len(raised_on) > 2 else ''}" \
                if len(raised_on) > 1 else ""
            other.instead_of = f"your file raised NotImplementedError on {raised_on[0]}{others}"
            return other
        raised_on.append(version.where())
    if crashed is not None:   # an error, said with where it ran and the user's traceback (exit 2)
        version, other = crashed
        other.name, other.ran, other.status = case.name, version.name, "error"
        other.message = (f"{other.message}, run in {version.where()} (your file raised NotImplementedError on "
                         f"{case.where()})")
        other.reason = other.message
        return other
    result.reason = f"your file raised NotImplementedError on every version of it ({'; '.join(raised_on)})"
    return result


def with_conventions(case: Case, conventions: dict[str, Any]) -> Any:
    """The case's experiment with the loss's conventions, where they fit it (`bce_outputs` on BCE only,
    `mse_scale` on the MSE losses only);
    ExperimentError (exit 2) naming the flag for a bad value."""
    conventions = dict(conventions)
    if not conventions:
        return case.experiment()
    if case.document["train"].get("loss") != "bce":
        conventions.pop("bce_outputs", None)
    if case.document["train"].get("loss", "sum") not in ("sum", "mean"):
        conventions.pop("mse_scale", None)
    from compare.experiment.sources import experiment_from_document
    return experiment_from_document(case.document, Path(f"suite/{case.name}.toml"), conventions,
                                    {k: "--" + k.replace("_", "-") for k in conventions})


def _experiment(case: Case) -> Any:
    return with_conventions(case, _JOB.get("conventions") or {})


def _run_case(case: Case, needs: tuple[str, ...]) -> CaseResult:
    import numpy as np

    code, live = _JOB["code"], _JOB["live"]
    e = _experiment(case)
    result = CaseResult(case.name, "ok", total_updates=e.total_updates)
    trace = _JOB["traces"].get(case.name)
    if trace is None and not live:
        from compare.usercode.suite_record import load_recording
        try:
            trace = load_recording(case)
        except ExperimentError as exc:      # a version's recording missing or damaged: exit 2, said
            result.status, result.message, result.reason = "error", str(exc), str(exc)
            return result
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            report = _check(code, e, live, trace)
    except ParityError as exc:
        result.status, result.message, result.failure = "failed", str(exc), exc.failure
        if exc.report is not None:
            _keep(result, exc.report)
        return result
    except UserCodeError as exc:
        raised = " raised " in str(exc) or "not implemented" in str(exc)
        result.not_implemented = "is not implemented yet (NotImplementedError" in str(exc)
        result.status = "unsupported" if (needs or result.not_implemented) and raised else "error"
        result.message, result.user_traceback = str(exc), exc.user_traceback
        said = str(exc).split(": ", 1)[-1]
        if result.not_implemented:    # "... (NotImplementedError: its words at line 12): fill in its formulas"
            words = re.search(r"\(NotImplementedError(?:: (.*))? at [^)]*\)", str(exc))
            said = f"NotImplementedError{': ' + words.group(1) if words and words.group(1) else ''}"
        said = said if said.startswith(("backward raised", "forward raised")) else f"file raised {said}"
        result.reason = (f"your {said[:100]}" if result.status == "unsupported" else str(exc))
        return result
    except DivergenceError as exc:
        result.status, result.message, result.reason = "error", str(exc), f"diverged: {exc}"
        return result
    _keep(result, report)
    return result


def _check(code: UserCode, e: Any, live: bool, trace: Any) -> Any:
    from compare.usercode.check import check_against_trace, check_with_torch
    if live:
        return check_with_torch(code, e)
    return check_against_trace(code, trace)


def _keep(result: CaseResult, report: Any) -> None:
    """The plain parts of a `CheckReport` (the torch harness's own report does not travel between processes)."""
    result.updates_checked, result.max_abs_diff = report.updates_checked, report.max_abs_diff
    result.history, result.tolerance = report.history, report.tolerance
    result.max_abs_diff_log = list(report.max_abs_diff_log)
    result.against = None if report.against is None else "suite recording"
