"""`python -m compare check FILE.py [EXPERIMENT] [options]`: your backward (and forward) against torch at
every update, or, with `--against TRACE.npz`, against a recording, in a process that never imports torch."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import sys
from typing import Any

from compare.cli.options import CONVENTION_KEYS, Parser, add_run_options, overrides_from
from compare.cli.output import json_text, loss_line, outputs_block, parity_json, run_json
from compare.cli.runner import guarded, load_runs, version_string
from compare.errors import DivergenceError, ExperimentError, ParityError
from compare.experiment.show import to_toml
from compare.grading.timelimit import DEFAULT_TIMEOUT, MAX_TIMEOUT, limited_user_code
from compare.running.loops import require_torch
from compare.usercode.load import UserCodeError

PROG = "python -m compare check"
DESCRIPTION = ("Check your own backprop. Without an EXPERIMENT (and without run options) the check suite runs: "
               "short experiments designed together so that every classic mistake shows in at least one, "
               "against recordings shipped with the package (torch not needed); its verdict says what was "
               "covered and what was not. FILE.py defines backward(weights, biases, activations, targets) -> (dW, db) "
               "in the seed layout (W: inputs x outputs) and, optionally, forward(weights, biases, X) -> [X, A1, "
               "..., AL]. Trained from the experiment's weights with the experiment's optimizer on torch's batches, "
               "your forward pass, gradients and updated weights are checked against torch at every update; the "
               "first disagreement names the stage, layer, parameter, element and both values, with hints. "
               "A file of cs231n-style layer functions (affine_forward / affine_backward, conv_forward_naive, ...; "
               "no backward) is checked layer by layer instead (--layer NAME; docs/layers.md); a file of update "
               "rules (cs231n's sgd_momentum(w, dw, config), rmsprop, adam, ...; no backward) against torch.optim, "
               "every update and every state quantity (docs/optimizers.md). "
               "Exit: 0 agree, 1 disagreement, 2 bad input (your file included), 3 diverged.")


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description=DESCRIPTION)
    parser.add_argument("file", metavar="FILE.py", help="your backward (and optional forward)")
    add_run_options(parser)
    parser.set_defaults(experiment=None)
    parser.add_argument("--against", metavar="TRACE.npz", default=None,
                        help="check against a recording (`python -m compare record`) instead of torch; the "
                             "experiment comes from the trace, and torch is never imported")
    suite = parser.add_argument_group("the check suite (no EXPERIMENT and no run option)")
    suite.add_argument("--live", action="store_true",
                       help="run the suite's experiments with torch instead of their shipped recordings")
    if not any("--jobs" in a.option_strings for a in parser._actions):
        suite.add_argument("--jobs", type=int, default=None, metavar="N",
                           help="suite experiments run at once, in separate processes (default: the cores this "
                                "process may use; 1: one after another, in this process)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="wall-clock seconds your file's own code may use in all (import and every call; "
                             f"default {DEFAULT_TIMEOUT:g}); past it, exit 2")
    parser.add_argument("--isolate", action="store_true",
                        help="run your file (or folder: its submission.py, else the one file defining backward, "
                             "with its helper modules) in its own limited process, as `compare grade` does")
    parser.add_argument("--sandbox", choices=("auto", "bwrap", "none"), default=None,
                        help="with --isolate: auto (default: bubblewrap where it works here), bwrap, or none "
                             "(its own process only); see the README's security section")
    parser.add_argument("--layer", default=None, metavar="NAME",
                        help="a layer file (cs231n-style affine_forward / affine_backward, ...): check this layer "
                             "only (its name or one of its functions' names; docs/layers.md)")
    parser.add_argument("--version", action="version", version=version_string("compare check"))
    return parser


def main(argv: list[str] | None = None) -> int:
    return guarded(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    talk = not (args.json or args.quiet)
    stdout = sys.stdout
    # with --json nothing but the JSON object goes to stdout, whatever the user's file prints
    redirect = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with redirect:
        try:
            code, results = _run(args, talk)
        except UserCodeError as exc:
            if exc.user_traceback:
                print(exc.user_traceback.rstrip("\n"), file=sys.stderr)
            raise
    if args.json and results:
        if isinstance(results, dict):        # the suite's own object
            print(json_text(_plain(results)), file=stdout)
        else:
            several = len(results) > 1 or args.mode == "all"
            print(json_text(_plain({"runs": results} if several else results[0])), file=stdout)
    return code


def _run(args: Any, talk: bool) -> tuple[int, list[dict[str, Any]]]:
    if not 0 < args.timeout <= MAX_TIMEOUT:
        raise ExperimentError(f"--timeout: expected seconds > 0 (at most {MAX_TIMEOUT:g}), found {args.timeout:g}")
    from compare.cli.cmd_check_layers import layer_file, run_layers
    if layer_file(args.file):   # cs231n-style layer functions and no `backward`: `compare.cli.cmd_check_layers`
        return run_layers(args, talk)
    from compare.cli.cmd_check_layers import layers_beside_backward
    mixed = layers_beside_backward(args.file)
    if args.layer is not None:
        raise ExperimentError(f"--layer: {args.file} defines " + (
            f"backward, so it is checked as a backward file (its layer functions {mixed} are not); put the layer "
            "functions in a file of their own" if mixed else "no layer function (affine_forward, ...)"))
    if mixed:   # checked as a backward file: said, never silently
        print(f"note: {args.file} defines backward and layer functions ({mixed}): it is checked as a backward file "
              "and its layer functions are not; to check them, put them in a file without backward "
              "(`check LAYERS.py`)", file=sys.stderr)
    from compare.usercode.rules import rule_names
    rules = rule_names(args.file)
    if rules:   # a file of update rules (sgd_momentum, rmsprop, adam, ...): `compare.cli.cmd_rulecheck`
        if args.isolate:
            raise ExperimentError(f"--isolate: {args.file} defines update rules ({', '.join(rules)}), which are "
                                  "checked in this process only; --isolate runs backward files")
        from compare.cli.cmd_rulecheck import run_rules
        return run_rules(args, rules, talk)
    sandbox = "none"
    if args.sandbox is not None and not args.isolate:
        raise ExperimentError("--sandbox: applies to --isolate (your file in its own process, as `grade` runs it)")
    if args.isolate:
        from compare.sandbox.choose import resolve
        sandbox = resolve(args.sandbox or "auto")
    with limited_user_code(args.file, timeout=args.timeout, isolate=args.isolate, sandbox=sandbox) as code:
        return _run_code(args, code, talk)


def _run_code(args: Any, code: Any, talk: bool) -> tuple[int, list[dict[str, Any]]]:
    if args.against is not None:
        return _against(args, code, talk)
    overrides = overrides_from(args)[0]
    if args.experiment is None and set(overrides) <= set(CONVENTION_KEYS) and args.mode is None:
        from compare.cli.cmd_check_suite import run_suite_command  # the loss's conventions keep the suite
        return run_suite_command(args, code, talk, overrides)
    if args.live:
        raise ExperimentError("--live runs the check suite with torch (no EXPERIMENT); a named experiment always "
                              "runs against torch")
    if args.experiment is None:
        args.experiment = "hiring"
    runs = load_runs(args)
    if args.show:
        print("\n".join(to_toml(e) for e in runs), end="")
        return 0, []
    require_torch()
    out_dir = _out_dir(args, runs, "compare")
    from compare.usercode.check import check_with_torch
    results: list[dict[str, Any]] = []
    for e in runs:
        if talk:
            print(f"checking {args.file} ({'your forward and backward' if code.forward else 'your backward'}) "
                  "against torch at every update", flush=True)
            print(e.describe(), flush=True)
        try:
            report = check_with_torch(code, e, on_epoch=_printer(talk))
        except ParityError as exc:
            if exc.report is not None:
                results.append(_result(exc.report, args.file, exc.failure))
            print(str(exc), file=sys.stderr)
            return 1, results
        except DivergenceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 3, results
        results.append(_result(report, args.file, None))
        _finish(args, talk, report, out_dir)
    return 0, results


def _against(args: Any, code: Any, talk: bool) -> tuple[int, list[dict[str, Any]]]:
    from compare.usercode.check import check_against_trace, requested_experiment, updates_to_check
    from compare.usercode.trace import load_trace

    if args.mode == "all":
        raise ExperimentError("--against: a trace records one mode; --mode all cannot apply (record each mode)")
    if getattr(args, "device", None) == "cuda":
        raise ExperimentError("--against: no torch runs here, so --device does not apply")
    trace = load_trace(args.against)
    overrides, flags = overrides_from(args)
    updates = updates_to_check(trace, requested_experiment(trace, args.experiment, overrides, flags))
    e = trace.experiment
    if updates < trace.updates:        # --epochs N: the header describes the epochs checked, not the recorded
        e = dataclasses.replace(e, epochs=updates // e.updates_per_epoch)
    if args.show:
        print(to_toml(e), end="")
        return 0, []
    out_dir = _out_dir(args, [e], "yours")
    if talk:
        recorded = trace.environment.get("torch")
        print(f"checking {args.file} ({'your forward and backward' if code.forward else 'your backward'}) "
              f"against the recording {args.against} (torch {recorded}), every stage of {updates} updates; "
              "torch is not imported", flush=True)
        print(e.describe(), flush=True)
    try:
        report = check_against_trace(code, trace, updates=updates, on_epoch=_printer(talk))
    except ParityError as exc:
        print(str(exc), file=sys.stderr)
        return 1, [_result(exc.report, args.file, exc.failure)] if exc.report is not None else []
    _finish(args, talk, report, out_dir)
    return 0, [_result(report, args.file, None)]


def _out_dir(args: Any, runs: list, implementation: str) -> Any:
    """The plots' folder and names, checked before any work (created when the plots are written)."""
    from compare.cli.runner import plot_paths
    from compare.files.atomic import ensure_output_dir
    out_dir = ensure_output_dir(args.out) if args.out else None
    for e in runs if out_dir is not None else []:
        plot_paths(out_dir, e, implementation, check=True)
    return out_dir


def _printer(talk: bool) -> Any:
    def on_epoch(epoch: int, loss: float | None) -> None:
        if talk and loss is not None:
            print(loss_line(epoch, loss), flush=True)
    return on_epoch


def _finish(args: Any, talk: bool, report: Any, out_dir: Any) -> None:
    if talk:
        print(outputs_block(report.history))
    if not args.json:
        against = f"the recording {report.against}" if report.against else "torch"
        stages = ("every stage (forward, gradients, weights) of every update" if report.against else
                  "every weight and bias after every update")
        conventions = ", ".join(report.experiment.conventions())   # the loss judged, when not torch's default
        against += f" (conventions: {conventions})" if conventions else ""
        print(f"check OK: {args.file} agrees with {against}: {report.updates_checked} updates, {stages}; "
              f"largest |yours - torch| = {report.max_abs_diff:.3g} (tolerance {report.tolerance.describe()})")
    if out_dir is not None:
        from compare.cli.runner import write_plots
        write_plots(out_dir, report.experiment, report.history, report.parity)


def _result(report: Any, file: str, failure: Any) -> dict[str, Any]:
    out = run_json(report.history, parity_json(report, failure))
    out["check"] = {"file": file, "against": report.against or "torch"}   # as docs/json-output.md says
    return out


def _plain(x: Any) -> Any:
    """JSON has no NaN or inf: write them as strings."""
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


if __name__ == "__main__":
    sys.exit(main())
