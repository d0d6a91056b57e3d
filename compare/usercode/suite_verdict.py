"""The check suite's verdict as text: a table (experiment x result), then either the first disagreement
explained, or an OK line naming what was covered and what was not, and why.

Nothing here runs anything: `table`, `ok_line` and `verdict` read a `compare.usercode.suite_run.SuiteReport`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compare.usercode.suite import SUITE, case

if TYPE_CHECKING:   # types only: suite_run imports this module to print its report
    from compare.usercode.suite_run import CaseResult, SuiteReport


def _batches(name: str) -> str:
    e = case(name).experiment()   # the batches do not depend on the conventions
    if e.mode == "minibatch":
        full, last = divmod(e.n_samples, e.batch_size)
        return ",".join([str(e.batch_size)] * full + ([str(last)] if last else []))
    return str(e.effective_batch_size)


def _network(name: str, conventions: dict | None = None) -> str:
    e = case(name).experiment()
    act = e.hidden_activation if e.hidden_activation == e.output_activation else (
        f"{e.hidden_activation}/{e.output_activation}")
    extra = "".join(f", {k} {v:g}" if k == "mse_scale" else f", {k} {v}" for k, v in (conventions or {}).items()
                    if (k != "bce_outputs" or e.loss == "bce") and (k != "mse_scale" or e.loss in ("sum", "mean")))
    return f"{'-'.join(map(str, e.sizes))} {act}, loss {e.loss}{extra}"


def _result(r: CaseResult) -> str:
    if r.status == "ok":
        return f"OK: {r.updates_checked} updates agree" + (" (the closest setting your file supports)" if r.ran else "")
    if r.status == "failed" and r.failure:
        f = r.failure
        element = f"{f.array or f.parameter}[{', '.join(map(str, f.element))}]"
        return f"FAILED at update {f.update}, stage {f.stage}: layer {f.layer}, {element}"
    if r.status == "skipped":
        return f"not run: {r.reason}"
    if r.status == "unsupported":
        return f"not run: {r.reason}"
    return "ERROR: " + r.message.split("\n")[0][:160]


def table(report: SuiteReport) -> str:
    rows = [("experiment", "network", "batches", "result")]
    rows += [(r.name, _network(r.ran or r.name, report.conventions), _batches(r.ran or r.name), _result(r))
             for r in report.results]
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    return "\n".join("  " + "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3]
                     for row in rows)


def coverage(report: SuiteReport) -> tuple[list[str], list[str]]:
    """(what the experiments that agreed covered, what was not covered and why), in words."""
    ran = [r.case.experiment() for r in report.results if r.status == "ok"]
    batch_sizes = sorted({int(b) for r in report.results if r.status == "ok"
                          for b in _batches(r.ran or r.name).split(",")})
    covered = [
        f"{len(ran)} experiments, {sum(r.updates_checked for r in report.results if r.status == 'ok')} updates",
        "batch sizes " + ", ".join(map(str, batch_sizes)) + (" (a last partial batch included)"
                                                               if any(e.mode == "minibatch" and e.n_samples %
                                                                      e.batch_size for e in ran) else ""),
        "outputs " + ", ".join(map(str, sorted({e.sizes[-1] for e in ran}))),
        "depths " + ", ".join(f"{d} layers" for d in sorted({e.n_layers for e in ran})),
        "hidden " + ", ".join(sorted({e.hidden_activation for e in ran})),
        "output " + ", ".join(sorted({e.output_activation for e in ran})),
        "losses " + ", ".join(sorted({e.loss for e in ran})),
    ]
    if any(e.leaky_slope != 0.01 and "leaky_relu" in (e.hidden_activation, e.output_activation) for e in ran):
        covered.append("a leaky_relu slope other than 0.01")
    if report.conventions:
        covered.append("the loss's conventions " + ", ".join(f"{k} = {v:g}" if k == "mse_scale" else f"{k} = {v!r}"
                                                               for k, v in report.conventions.items()))
    moved: dict[str, list[str]] = {}
    for r in report.results:
        if r.ran and r.status in ("ok", "failed"):
            moved.setdefault(r.case.where(), []).append(f"`{r.name}`")
    for where, names in moved.items():
        covered.append(f"{', '.join(names)} ran in {where}, the closest setting and depth your file supports (it "
                       "raised NotImplementedError on the suite's own)")
    reasons: dict[str, dict[str, None]] = {}
    for r in report.results:
        if r.status in ("skipped", "unsupported"):
            parts = reasons.setdefault(r.reason, {})
            parts.update(dict.fromkeys(case(r.name).setting().split(", ") if case(r.name).needs else [r.name]))
    not_covered = [f"{', '.join(parts)} ({why})" for why, parts in reasons.items()]
    return covered, not_covered


def ok_line(report: SuiteReport) -> str:
    covered, not_covered = coverage(report)
    against = "torch, live" if report.live else "the shipped torch recordings"
    text = (f"check OK: {report.file} agrees with {against} at every stage (forward, gradients, weights) of "
            f"every update: {'; '.join(covered)}")
    if not_covered:
        text += "; NOT covered: " + "; ".join(not_covered)
    else:
        text += "; every experiment of the suite ran"
    return text


def nothing_ran(report: SuiteReport) -> str:
    """Why no experiment of the suite ran (exit 2): never an OK."""
    _, not_covered = coverage(report)
    return f"{report.file}: no experiment of the check suite ran: " + ("; ".join(not_covered) or "none to run")


def verdict(report: SuiteReport) -> str:
    """The table, then the first disagreement (exit 1), the first error (exit 2) or the OK line (exit 0)."""
    lines = [f"check suite: {report.file}, {len(SUITE)} experiments, against "
             f"{'torch, live' if report.live else 'the shipped torch recordings (torch not needed)'}",
             table(report)]
    failed, error = report.first_failure, report.first_error
    if failed is not None:
        where = f", run in {failed.case.where()} ({failed.instead_of})" if failed.ran else ""
        lines.append(f"first disagreement, in experiment `{failed.name}` ({case(failed.name).purpose}{where}):")
        lines.append(failed.message)
    elif error is not None:
        lines.append(f"error in experiment `{error.name}`: {error.message}")
    elif not report.anything_ran:
        lines.append(nothing_ran(report))
    else:
        lines.append(ok_line(report))
    return "\n".join(lines)
