"""The command-line options every training command shares, and their translation into overrides.

Each experiment key has the flag `--key-with-dashes`; a flag beats the file, and the file beats defaults.
"""

from __future__ import annotations

import argparse
from typing import Any

from compare.errors import ExperimentError
from compare.experiment.definition import (
    DEVICES,
    DTYPES,
    HIDDEN_ACTIVATIONS,
    INIT_SCHEMES,
    LOSSES,
    MODES,
    ORDERS,
    OUTPUT_ACTIVATIONS,
    REDUCTIONS,
)
from compare.experiment.generated import parse_sizes


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (ExperimentError, exit 2), never usage text plus a line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ExperimentError(f"{self.prog}: {message} (see --help)")


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, found {text!r}")


def _mse_scale(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 0.5 (the loss (t - a)^2 / 2) or 1 (the loss (t - a)^2, "
                                         f"torch's MSELoss), found {text!r}") from None


def _pair(text: str) -> list[float]:
    parts = text.split(",")
    try:
        if len(parts) == 2:
            return [float(parts[0]), float(parts[1])]
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"expected two numbers B1,B2 (as 0.9,0.999), found {text!r}")


# (flag key, type, choices, help); the default is always "from the experiment file"
RUN_OPTIONS: list[tuple[str, Any, tuple[str, ...] | None, str]] = [
    ("mode", str, MODES + ("all",), "batch: all N samples per update; stochastic: 1; minibatch: "
     "--batch-size; all: the three in turn (needs N >= 3). File default: stochastic"),
    ("batch_size", int, None, "samples per update in minibatch mode, 1..N (default 2)"),
    ("order", str, ORDERS, "shuffle (new permutation each epoch), sequential, replacement "
     "(default: the mode's; batch ignores it)"),
    ("samples_per_epoch", int, None, "samples drawn per epoch with --order replacement (default N)"),
    ("drop_last", _bool, None, "drop a last partial batch: true/false (default false); bare flag = true"),
    ("seed", int, None, "seed of the sample order and of drawn initial weights, >= 0 (default 0)"),
    ("epochs", int, None, "number of epochs, >= 1"),
    ("lr", float, None, "learning rate, > 0"),
    ("report_every", int, None, "log the loss when epoch %% N == 0 (default max(1, epochs // 10))"),
    ("loss", str, LOSSES, "sum: the seed's per-sample sum over outputs of (t-a)^2/2; mean: MSELoss()/2; "
     "bce; cross_entropy (default sum)"),
    ("dtype", str, DTYPES, "float64 (default) or float32, both sides"),
    ("reduction", str, REDUCTIONS, "the batch loss: the mean over samples (default) or their sum (torch's "
     "reduction=\"sum\"; code whose gradients are not divided by the batch size)"),
    ("bce_outputs", str, REDUCTIONS, "loss bce over several outputs: mean (BCELoss, default) or sum (code whose "
     "cost is -sum(Y log A + (1-Y) log(1-A)) per sample)"),
    ("l2", float, None, "an L2 penalty IN THE LOSS, LAMBDA/2 x the sum of squared weights (gradient + LAMBDA W), "
     ">= 0 (default 0; cs231n's reg * sum(W*W) is --l2 2*reg). Not --weight-decay, the optimizer's"),
    ("l2_biases", _bool, None, "put the biases in the --l2 penalty too: true/false (default false); bare flag = "
     "true"),
    ("mse_scale", _mse_scale, None, "the MSE losses' factor of (t-a)^2: 0.5 (default, the lesson's (t-a)^2/2) "
     "or 1 (no 1/2: torch's MSELoss, Keras, nnfs; gradient 2 (a-t))"),
    ("activation", str, OUTPUT_ACTIVATIONS, "hidden and output activation at once"),
    ("hidden_activation", str, HIDDEN_ACTIVATIONS, "activation of the hidden layers"),
    ("output_activation", str, OUTPUT_ACTIVATIONS, "activation of the output layer"),
    ("leaky_slope", float, None, "negative slope of leaky_relu (default 0.01)"),
    ("bias", _bool, None, "layers with biases: true/false (default true; false: nn.Linear(bias=False), your "
     "backward returns dW only, or (dW, None))"),
    ("optimizer", str, None, "sgd (default), adam, adamw, rmsprop or adagrad: torch.optim's, with its keys"),
    ("momentum", float, None, "sgd, rmsprop: momentum, >= 0 (default 0)"),
    ("dampening", float, None, "sgd: dampening of the momentum (default 0)"),
    ("nesterov", _bool, None, "sgd: Nesterov momentum: true/false (default false); bare flag = true"),
    ("weight_decay", float, None, "every optimizer: L2 penalty added to the gradient (adamw: decoupled decay "
     "of the weights), >= 0 (default 0; adamw 0.01)"),
    ("maximize", _bool, None, "every optimizer: ascend instead of descend: true/false (default false); "
     "bare flag = true"),
    ("betas", _pair, None, "adam, adamw: B1,B2, the running averages' coefficients, each in [0, 1) "
     "(default 0.9,0.999)"),
    ("eps", float, None, "adam, adamw, rmsprop, adagrad: added to the denominator, >= 0 (default 1e-8; "
     "adagrad 1e-10)"),
    ("amsgrad", _bool, None, "adam, adamw: keep the largest second moment: true/false (default false)"),
    ("alpha", float, None, "rmsprop: smoothing constant of the running mean of g^2, >= 0 (default 0.99)"),
    ("centered", _bool, None, "rmsprop: divide by the running variance of g: true/false (default false)"),
    ("lr_decay", float, None, "adagrad: learning-rate decay, >= 0 (default 0)"),
    ("initial_accumulator_value", float, None, "adagrad: starting value of the sum of g^2, >= 0 (default 0)"),
    ("scheme", str, INIT_SCHEMES, "draw the initial weights instead of the file's values"),
    ("sizes", parse_sizes, None, "a network of these layer widths, e.g. 4,8,3, with 11 samples of seeded "
     "generated data and initial values (replaces the experiment's network, data and init; at most 100 epochs "
     "unless --epochs)"),
    ("device", str, DEVICES, "torch side: cpu (default) or cuda; NumPy stays on the CPU"),
]
BOOLEAN_FLAGS = {"drop_last", "nesterov", "maximize", "bias", "amsgrad", "centered", "l2_biases"}
# the loss's conventions: flags that keep `check FILE.py` on the check suite (run with that loss)
CONVENTION_KEYS = ("reduction", "bce_outputs", "l2", "l2_biases", "mse_scale")


def add_run_options(parser: argparse.ArgumentParser, *, out_help: str = "write plots to this folder "
                    "(nothing is written without it)", out_metavar: str = "DIR") -> None:
    parser.add_argument("experiment", nargs="?", default="hiring",
                        help="a preset name (see `python -m compare presets`) or a TOML path (default hiring)")
    group = parser.add_argument_group("run options (override the experiment file)")
    for key, kind, choices, text in RUN_OPTIONS:
        flag = "--" + key.replace("_", "-")
        if key in BOOLEAN_FLAGS:
            group.add_argument(flag, dest=key, type=kind, nargs="?", const=True, default=None, metavar="BOOL",
                               help=text)
        else:
            group.add_argument(flag, dest=key, type=kind, choices=choices, default=None,
                               metavar=None if choices else key.upper(), help=text)
    group.add_argument("--no-weight-decay-biases", dest="weight_decay_biases", action="store_const", const=False,
                       default=None, help="weight decay on the weights only, none on the biases (torch parameter "
                       "groups; [train] weight_decay_biases = false)")
    group.add_argument("--init", dest="init", default=None, metavar="FILE.npz",
                       help="initial weights W1, b1, W2, b2, ... (seed layout) from a plain .npz")
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print one JSON object on stdout and nothing else")
    out.add_argument("--out", default=None, metavar=out_metavar, help=out_help)
    out.add_argument("--quiet", action="store_true", help="print only the verdict (and errors)")
    out.add_argument("--show", action="store_true",
                     help="print the resolved experiment (file + flags + defaults) as TOML and exit")


def add_jobs_option(parser: argparse.ArgumentParser, what: str) -> None:
    """`--jobs N`: whole runs in parallel processes (`compare.running.parallel.map_jobs`)."""
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help=f"run the independent runs of {what} in N processes at once (default: every core "
                             "this process may use; 1: one after another in this process); the results are the "
                             "same, bit for bit")


def add_resync_option(parser: argparse.ArgumentParser) -> None:
    """`--resync` (the harness only): per-update error instead of accumulated drift."""
    parser.add_argument("--resync", action="store_true",
                        help="before every update, copy torch's weights and momentum buffers into NumPy, so that "
                             "each check measures one update's error rather than the drift accumulated since "
                             "the start (the verdict and the JSON say which was used)")


def overrides_from(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str]]:
    """(overrides for load_experiment, the flag that set each key) from parsed arguments."""
    keys = [k for k, *_ in RUN_OPTIONS if k != "mode"] + ["init", "weight_decay_biases"]
    overrides = {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}
    if getattr(args, "mode", None) not in (None, "all"):
        overrides["mode"] = args.mode
    flags = {k: "--" + k.replace("_", "-") for k in overrides}
    if "weight_decay_biases" in flags:
        flags["weight_decay_biases"] = "--no-weight-decay-biases"
    return overrides, flags
