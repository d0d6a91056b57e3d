"""`python -m compare gradcheck [EXPERIMENT] [--backward FILE.py] [options]`: numpy_impl's backward (or
yours) against central differences of the loss, in float64, early and late in training."""

from __future__ import annotations

import sys
from typing import Any

from compare.cli.options import Parser, add_run_options
from compare.cli.output import json_text
from compare.cli.runner import guarded, load_runs, version_string
from compare.experiment.show import to_toml
from compare.files.text import printable
from compare.usercode.gradcheck import FLOOR_FACTOR, GOOD, KINKS, STEP, SUSPICIOUS, GradcheckReport, band, checkpoints
from compare.usercode.load import UserCodeError, load_user_code

PROG = "python -m compare gradcheck"
DESCRIPTION = ("Compare the backward pass (numpy_impl's, or yours with --backward FILE.py) with central "
               f"differences of the batch loss in float64, step h = {STEP:g}, at updates 1, 2, 3, the middle one, "
               f"U-1 and U of a numpy_impl training run. error = |analytic - numeric| / max(|analytic| + "
               f"|numeric|, floor), floor = {FLOOR_FACTOR:g} x |batch loss|. Bands (cs231n): < {GOOD:g} good; < "
               f"{KINKS:g} acceptable with kinks (relu); < {SUSPICIOUS:g} suspicious; above: wrong. With torch "
               "installed, its gradient is compared too, and a disagreement says which side the finite "
               "differences support. Exit: 0 pass, 1 fail, 2 bad input, 3 diverged.")


def main(argv: list[str] | None = None) -> int:
    return guarded(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    from compare.usercode.gradcheck import gradcheck

    parser = Parser(prog=PROG, description=DESCRIPTION)
    add_run_options(parser, out_help="(not used: gradcheck writes nothing)")
    parser.add_argument("--backward", metavar="FILE.py", default=None,
                        help="check your backward(weights, biases, activations, targets) instead of numpy_impl's")
    parser.add_argument("--version", action="version", version=version_string("compare gradcheck"))
    args = parser.parse_args(argv)
    try:
        code = load_user_code(args.backward) if args.backward else None
    except UserCodeError as exc:
        if exc.user_traceback:
            print(exc.user_traceback.rstrip("\n"), file=sys.stderr)
        raise
    runs = load_runs(args)
    if args.show:
        print("\n".join(to_toml(e) for e in runs), end="")
        return 0
    talk = not args.json
    results, ok = [], True
    for e in runs:
        try:
            report = gradcheck(e, code)
        except UserCodeError as exc:
            if exc.user_traceback:
                print(exc.user_traceback.rstrip("\n"), file=sys.stderr)
            raise
        results.append(as_json(report))
        ok = ok and report.ok
        if talk:
            print(as_text(report, quiet=args.quiet))
    if args.json:
        print(json_text(results[0] if len(results) == 1 else {"runs": results}))
    return 0 if ok else 1


def _where(c: Any) -> str:
    return f"update {c.update} (epoch {c.epoch}, batch {c.batch}, samples {c.samples})"


def as_text(r: GradcheckReport, quiet: bool = False) -> str:
    e = r.experiment
    lines = []
    if not quiet:
        lines += [f"gradcheck {e.describe()}",
                  f"  checking {r.source}'s backward against central differences in float64, step h = {STEP:g}, at "
                  f"updates {checkpoints(e.total_updates)} (batch order: {r.order})",
                  f"  error = |analytic - numeric| / max(|analytic| + |numeric|, floor), floor = {FLOOR_FACTOR:g} x "
                  "|batch loss|; largest error per parameter array:"]
        for c in r.checks:
            errors = "  ".join(f"{k} {v:.1e}" for k, v in c.errors.items())
            lines.append(f"  {_where(c)}, loss {c.loss:.3e}: {errors}")
            if c.torch:
                t = c.torch
                label = "yours" if "yours" in t else "numpy"
                lines.append(f"    {label} and torch disagree at {t['parameter']}{t['element']}: {label} {t[label]!r}, "
                             f"torch {t['torch']!r}, numeric {t['numeric']!r}: the finite differences support "
                             f"{t['supports']} (error {label} {t['error_' + label]:.1e}, torch "
                             f"{t['error_torch']:.1e})")
    w = r.worst
    if w is None:
        return "\n".join(lines + ["gradcheck: no update to check"])
    x = w.worst
    verdict = band(x["error"], r.kinks)
    loss = "".join(f", {c}" for c in e.conventions())   # the loss differentiated, when not torch's default
    lines.append(f"gradcheck {'OK' if r.ok else 'FAILED'} ({printable(r.source)}, {printable(e.name)} {e.mode}"
                 f"{loss}): worst error "
                 f"{x['error']:.2e} at {_where(w)}, d{x['parameter']}[{x['element'][0]}, {x['element'][1]}]: analytic "
                 f"{x['analytic']!r}, numeric {x['numeric']!r}: {verdict} (bands: < {GOOD:g} good, < {KINKS:g} "
                 f"acceptable with kinks, < {SUSPICIOUS:g} suspicious, above wrong)")
    return "\n".join(lines)


def as_json(r: GradcheckReport) -> dict[str, Any]:
    e = r.experiment
    w = r.worst

    def plain(v: float) -> Any:
        return v if v == v and abs(v) != float("inf") else str(v)
    return {"experiment": e.name, "mode": e.mode, "loss": e.loss, "conventions": e.convention_values(),
            "source": r.source, "ok": r.ok, "dtype": "float64",
            "step": STEP, "error": "|analytic - numeric| / max(|analytic| + |numeric|, floor)",
            "floor": f"{FLOOR_FACTOR:g} x |batch loss|", "bands": {"good": GOOD, "kinks": KINKS,
                                                                  "suspicious": SUSPICIOUS},
            "order": r.order,
            "checks": [{"update": c.update, "epoch": c.epoch, "batch": c.batch, "samples": c.samples,
                        "loss": c.loss, "floor": c.floor, "errors": {k: plain(v) for k, v in c.errors.items()},
                        "worst": {k: plain(v) if isinstance(v, float) else v for k, v in c.worst.items()},
                        "torch": c.torch} for c in r.checks],
            "worst": None if w is None else {"update": w.update, **{k: plain(v) if isinstance(v, float) else v
                                                                    for k, v in w.worst.items()},
                                             "verdict": band(w.worst["error"], r.kinks)}}


if __name__ == "__main__":
    sys.exit(main())
