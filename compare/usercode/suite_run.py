"""Running the check suite on a user's file: which experiments its functions can express, each checked
against its shipped recording (no torch) or against torch live, in parallel processes (`--jobs`).

    report = run_suite(code)                 # a SuiteReport: one CaseResult per suite experiment
    report.ok, report.first_failure, report.exit_code

An experiment the file cannot express (its functions take no `hidden_activation`, say) is not run and says
why; nothing is ever reported OK that was not run.
"""

from __future__ import annotations

from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from compare.diagnosis.failure import Failure
from compare.errors import DivergenceError, ParityError
from compare.usercode.load import UserCode, UserCodeError
from compare.usercode.suite import SUITE, Case

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


@dataclass
class SuiteReport:
    file: str
    live: bool
    results: list[CaseResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every experiment run agreed, and at least one ran: nothing run is never a pass."""
        return self.ran and all(r.status in ("ok", "skipped", "unsupported") for r in self.results)

    @property
    def ran(self) -> bool:
        return any(r.status == "ok" for r in self.results)

    @property
    def first_failure(self) -> CaseResult | None:
        return next((r for r in self.results if r.status == "failed"), None)

    @property
    def first_error(self) -> CaseResult | None:
        return next((r for r in self.results if r.status == "error"), None)

    @property
    def exit_code(self) -> int:
        return 1 if self.first_failure else 2 if self.first_error or not self.ran else 0

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


def run_suite(code: UserCode, *, live: bool = False, jobs: int | None = None) -> SuiteReport:
    """Every suite experiment the file can express, checked at every stage of every update; ExperimentError
    (exit 2) if a shipped recording is missing or damaged."""
    from compare.running.parallel import map_jobs

    report = SuiteReport(code.name, live)
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
        traces = {index: load_recording(SUITE[index]) for index in todo}
    _JOB.update(code=code, live=live, traces=traces)
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
    """One suite experiment, as plain data (it travels back from a worker process)."""
    import numpy as np

    case = SUITE[index]
    code, live = _JOB["code"], _JOB["live"]
    e = case.experiment()
    result = CaseResult(case.name, "ok", total_updates=e.total_updates)
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            report = _check(code, case, live, _JOB["traces"].get(index))
    except ParityError as exc:
        result.status, result.message, result.failure = "failed", str(exc), exc.failure
        if exc.report is not None:
            _keep(result, exc.report)
        return result
    except UserCodeError as exc:
        raised = " raised " in str(exc) or "not implemented" in str(exc)
        result.status = "unsupported" if case.needs and raised else "error"
        result.message, result.user_traceback = str(exc), exc.user_traceback
        said = str(exc).split(": ", 1)[-1]
        result.reason = (f"your file raised on it: {said[:120]}" if result.status == "unsupported" else str(exc))
        return result
    except DivergenceError as exc:
        result.status, result.message, result.reason = "error", str(exc), f"diverged: {exc}"
        return result
    _keep(result, report)
    return result


def _check(code: UserCode, case: Case, live: bool, trace: Any) -> Any:
    from compare.usercode.check import check_against_trace, check_with_torch
    if live:
        return check_with_torch(code, case.experiment())
    return check_against_trace(code, trace)


def _keep(result: CaseResult, report: Any) -> None:
    """The plain parts of a `CheckReport` (the torch harness's own report does not travel between processes)."""
    result.updates_checked, result.max_abs_diff = report.updates_checked, report.max_abs_diff
    result.history, result.tolerance = report.history, report.tolerance
    result.max_abs_diff_log = list(report.max_abs_diff_log)
    result.against = None if report.against is None else "suite recording"
