"""`python -m compare check FILE.py` with no EXPERIMENT: the check suite, its table and its verdict.

stdout: the table and the OK line (the OK line alone with --quiet; one JSON object with --json).
stderr: the first disagreement explained (exit 1), or one line for a file that cannot be used (exit 2).
"""

from __future__ import annotations

import sys
from typing import Any

from compare.errors import ExperimentError
from compare.experiment.show import to_toml
from compare.usercode.load import UserCode, UserCodeError


def run_suite_command(args: Any, code: UserCode, talk: bool,
                      conventions: dict[str, Any] | None = None) -> tuple[int, Any]:
    """The suite; `conventions` (`--l2 0.1`, `--reduction sum`, ...) apply to every experiment they fit."""
    from compare.usercode.suite import SUITE
    from compare.usercode.suite_run import run_suite, with_conventions
    from compare.usercode.suite_verdict import ok_line, table

    if args.out:
        raise ExperimentError("--out: the check suite writes no plots; name an experiment to plot it "
                              "(`check FILE.py EXPERIMENT --out DIR`)")
    if conventions:    # validated before anything runs: a bad value is one line, exit 2
        experiments = [with_conventions(c, conventions) for c in SUITE]
        if not any(e.loss == "bce" for e in experiments) and "bce_outputs" in conventions:
            raise ExperimentError("--bce-outputs: no experiment of the check suite uses loss \"bce\"")
    if args.show:
        print("\n".join(to_toml(with_conventions(c, conventions or {})) for c in SUITE), end="")
        return 0, []
    if args.live or conventions:
        _need_torch(bool(conventions))
    # an isolated file is one process answering one call at a time: its experiments run one after another
    jobs = 1 if getattr(args, "isolate", False) else args.jobs
    report = run_suite(code, live=args.live, jobs=jobs, conventions=conventions)
    failed, error = report.first_failure, report.first_error
    if failed is None and error is not None:
        message = f"{error.message} (check suite, experiment `{error.name}`)"
        if report.not_implemented:
            from compare.usercode.suite_probe import suggestion
            supported = suggestion(code, args.file)
            if supported:   # it works, for other networks: not "fill in its formulas"
                message = (f"{code.name}: your file raised NotImplementedError on every network of the check suite "
                           "(each experiment, in every setting and depth its structure experiments come in)")
            message += supported
        raise UserCodeError(message, error.user_traceback)
    if failed is None and not report.anything_ran:
        from compare.usercode.suite_verdict import nothing_ran
        raise UserCodeError(nothing_ran(report))
    if talk:
        against = "torch, live" if report.live else "the shipped torch recordings (torch not needed)"
        what = "your forward and backward" if code.forward else "your backward"
        print(f"check suite: {code.name} ({what}), {len(SUITE)} experiments against {against}, every stage of "
              "every update", flush=True)
        print(table(report), flush=True)
    if failed is not None:
        print(f"first disagreement, in the suite's experiment `{failed.name}`:", file=sys.stderr)
        print(failed.message, file=sys.stderr)
    elif not args.json:
        print(ok_line(report))
        structure = [r for r in report.results if r.name in ("batches", "square", "long")]
        if talk and all(r.status != "ok" for r in structure):
            from compare.usercode.suite_probe import suggestion
            hint = suggestion(code, args.file).strip("; ")
            if hint:
                print(hint)
    return report.exit_code, _json(report) if args.json else []


def _need_torch(conventions: bool = False) -> None:
    import importlib.util
    if importlib.util.find_spec("torch") is None:
        if conventions:
            raise ExperimentError("--reduction / --bce-outputs / --l2 / --mse-scale: the suite's shipped recordings "
                                  "use torch's default loss, so other conventions run against torch, which is not "
                                  "installed here")
        raise ExperimentError("--live runs the suite with torch, which is not installed here; without --live "
                              "the suite runs against its shipped recordings")


def _json(report: Any) -> dict[str, Any]:
    from compare.cli.output import parity_json, run_json
    from compare.usercode.suite_verdict import coverage

    covered, not_covered = coverage(report)
    runs, table = [], []
    for r in report.results:
        row = {"experiment": r.name, "status": r.status, "updates_checked": r.updates_checked,
               "reason": r.reason or None, "ran_as": r.ran or None, "setting": r.case.where()}
        table.append(row)
        if r.history is not None:
            run = run_json(r.history, parity_json(_Parity(r), r.failure))
            run["check"] = {"file": report.file, "against": "torch" if report.live else "suite recording",
                            "suite": r.name}
            runs.append(run)
    return {"suite": {"file": report.file, "ok": report.ok, "live": report.live, "experiments": table,
                      "covered": covered, "not_covered": not_covered, "conventions": report.conventions},
            "runs": runs}


class _Parity:
    """A suite result as `parity_json` reads a report."""

    def __init__(self, r: Any):
        self.updates_checked, self.max_abs_diff = r.updates_checked, r.max_abs_diff
        self.max_abs_diff_log, self.tolerance = r.max_abs_diff_log, r.tolerance
