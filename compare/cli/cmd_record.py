"""`python -m compare record [EXPERIMENT] --out TRACE.npz [options]`: record the torch run, every stage of
every update, for `python -m compare check FILE.py --against TRACE.npz` on a machine without torch."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from compare.cli.options import Parser, add_run_options
from compare.cli.output import json_text, loss_line
from compare.cli.runner import guarded, load_runs, version_string
from compare.errors import DivergenceError, ExperimentError
from compare.experiment.definition import Experiment
from compare.experiment.show import to_toml
from compare.files.atomic import ensure_output_file
from compare.files.text import printable
from compare.running.loops import require_torch

PROG = "python -m compare record"
DESCRIPTION = ("Train the experiment with torch (nn.Module + SGD + DataLoader) and save, in a plain .npz (no "
               "pickle), the experiment, the environment, the initial weights, the batch order and, per update, "
               "the activations, autograd's dL/dZ, the gradients and the weights. A student without torch checks "
               "a backward against it with `python -m compare check FILE.py --against TRACE.npz`.")


def main(argv: list[str] | None = None) -> int:
    return guarded(lambda: _main(argv))


def target_path(out: str | None) -> Path:
    """The trace file to write, checked before any training: exit 2 if it cannot be written there."""
    if out is None:
        raise ExperimentError("record: --out TRACE.npz is required (the file to write)")
    return ensure_output_file(out, "--out")


def _main(argv: list[str] | None) -> int:
    parser = Parser(prog=PROG, description=DESCRIPTION)
    add_run_options(parser, out_help="the trace file to write (.npz); required", out_metavar="TRACE.npz")
    parser.add_argument("--version", action="version", version=version_string("compare record"))
    args = parser.parse_args(argv)
    if args.mode == "all":
        raise ExperimentError("record: a trace holds one run; --mode all cannot apply (record each mode to its "
                              "own file)")
    (experiment,) = load_runs(args)
    if args.show:
        print(to_toml(experiment), end="")
        return 0
    return record_to(experiment, args.out, json_out=args.json, quiet=args.quiet)


def record_to(experiment: Experiment, out: str | None, *, json_out: bool = False, quiet: bool = False) -> int:
    """Record `experiment`'s torch run into the trace file `out` and say so (the summary as JSON with
    `json_out`); the exit status."""
    from compare.experiment.initial import initial_parameters
    from compare.usercode.trace import check_recordable, record, save_trace

    require_torch()
    path = target_path(out)
    check_recordable(experiment, f"record {printable(experiment.name)}")
    talk = not (json_out or quiet)
    if talk:
        print(experiment.describe(), flush=True)

    def on_epoch(epoch: int, loss: float | None) -> None:
        if talk and loss is not None:
            print(loss_line(epoch, loss), flush=True)
    weights, biases = initial_parameters(experiment)
    try:
        arrays = record(experiment, weights, biases, on_epoch=on_epoch)
    except DivergenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    save_trace(path, arrays)
    summary: dict[str, Any] = {"experiment": experiment.name, "mode": experiment.mode, "loss": experiment.loss,
                               "conventions": experiment.convention_values(),
                               "updates": int(arrays["epoch"].shape[0]), "trace": str(path),
                               "bytes": path.stat().st_size, "environment": json.loads(str(arrays["environment"]))}
    if json_out:
        print(json_text(summary))
    else:
        print(f"recorded {summary['updates']} updates of {printable(experiment.name)} ({experiment.mode}) to "
              f"{printable(str(path))} "
              f"({summary['bytes'] / 1e6:.2f} MB); check a backward against it with `python -m compare check "
              f"FILE.py --against {path}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
