"""`python -m compare explain [EXPERIMENT] [--update K] [--digits D] [--backward FILE.py] [run options]`:
every intermediate of one update, NumPy and torch side by side (and the user's, with --backward)."""

from __future__ import annotations

import sys

from compare.cli.options import Parser, add_run_options, overrides_from
from compare.cli.output import json_text
from compare.cli.runner import guarded, version_string
from compare.errors import ExperimentError
from compare.experiment.sources import load_experiment

DESCRIPTION = ("Run the experiment in lockstep up to update K and print that update the way a student derives "
               "it: the batch, Z and A per layer, the loss, each delta, dW and db from the output layer down, and "
               "the parameters after the step; each with its formula, shape, NumPy's value, torch's (autograd and "
               "hooks) and the largest difference. Exit: 0 all agree, 1 a quantity differs (with --backward: "
               "yours), 2 bad input, 3 diverged before update K.")


def check_digits(text: str) -> int:
    try:
        digits = int(str(text).strip(), 10)
    except ValueError:
        raise ExperimentError(f"--digits: expected an integer in 1..17, found {text!r}") from None
    if not 1 <= digits <= 17:
        raise ExperimentError(f"--digits {digits}: out of range; valid: 1..17 significant digits")
    return digits


def build_parser() -> Parser:
    prog = "python -m compare explain"
    parser = Parser(prog=prog, description=DESCRIPTION)
    add_run_options(parser, out_help="not used: explain prints and writes nothing")
    extra = parser.add_argument_group("explain")
    extra.add_argument("--update", default="1", metavar="K",
                       help="the update to explain, 1..total updates of the run (default 1, the first)")
    extra.add_argument("--digits", default="8", metavar="D",
                       help="significant digits of the printed values, 1..17 (default 8; --json has all)")
    extra.add_argument("--backward", default=None, metavar="FILE.py",
                       help="your backward(weights, biases, activations, targets) -> (dW, db) (and optional "
                            "forward): your values beside torch's and ours, the first that differs marked")
    parser.add_argument("--version", action="version", version=version_string("compare explain"))
    return parser


def main(argv: list[str] | None = None) -> int:
    return guarded(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    digits = check_digits(args.digits)
    if args.mode == "all":
        raise ExperimentError("--mode all: explain shows one update of one run; choose --mode batch, "
                              "stochastic or minibatch")
    if args.out is not None:
        raise ExperimentError("--out: explain writes nothing (use --json for every array)")
    overrides, flags = overrides_from(args)
    experiment = load_experiment(args.experiment, overrides, flags)
    if args.show:
        from compare.experiment.show import to_toml
        print(to_toml(experiment), end="")
        return 0
    from compare.usercode.explain import check_update, explain
    update = check_update(experiment, args.update)
    user = None
    if args.backward is not None:
        from compare.usercode.backprop import UserBackprop
        from compare.usercode.load import UserCodeError, load_user_code
        try:
            user = UserBackprop(load_user_code(args.backward), experiment)
        except UserCodeError as exc:
            _print_user_traceback(exc)
            raise
    from compare.usercode.explain_format import render, summary, to_json
    try:
        ex = explain(experiment, update, user=user)   # DivergenceError (exit 3) passes to guarded()
    except ExperimentError as exc:
        _print_user_traceback(exc)
        raise
    agreed = ex.first_difference() is None
    if args.json:
        print(json_text(to_json(ex)))
    elif not args.quiet:
        print(render(ex, digits, verdict=agreed))
    if agreed:
        if args.quiet and not args.json:
            print(summary(ex))
        return 0
    print(summary(ex), file=sys.stderr)   # a difference: its line once, on stderr (exit 1)
    return 1


def _print_user_traceback(exc: Exception) -> None:
    text = getattr(exc, "user_traceback", "")
    if text:
        print(text.rstrip("\n"), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
