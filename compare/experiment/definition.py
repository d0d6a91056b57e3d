"""An experiment is data: one frozen dataclass, validated once at the boundary (`compare.experiment.validate`).

Arrays are stored in float64 in the seed layout (`W[l]`: (n_l, n_{l+1}), `b[l]`: (1, n_{l+1})) and made
read-only, so that nothing downstream can change an experiment by accident; each implementation casts to
`dtype` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from compare.files.text import printable

MODES = ("batch", "stochastic", "minibatch")
ORDERS = ("shuffle", "sequential", "replacement")
DEFAULT_ORDER = {"batch": "sequential", "stochastic": "shuffle", "minibatch": "shuffle"}
LOSSES = ("sum", "mean", "bce", "cross_entropy")
REDUCTIONS = ("mean", "sum")           # over the batch (torch's `reduction`); `bce_outputs`: over BCE's outputs
MSE_SCALES = (0.5, 1.0)                # the MSE losses' factor of (t - a)^2: the lesson's 1/2, or none (MSELoss)
DTYPES = ("float64", "float32")
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
OUTPUT_ACTIVATIONS = HIDDEN_ACTIVATIONS + ("softmax",)
INIT_SCHEMES = ("torch-default", "xavier-uniform", "he-normal")
DEVICES = ("cpu", "cuda")
RESERVED_WORDS = ("check", "record", "gradcheck", "explain", "report", "presets", "grade")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
# the [train] keys each optimizer takes besides lr: torch.optim's own keyword names
OPTIMIZER_KEYS: dict[str, tuple[str, ...]] = {
    "sgd": ("momentum", "dampening", "nesterov", "weight_decay", "maximize"),
    "adam": ("betas", "eps", "weight_decay", "amsgrad", "maximize"),
    "adamw": ("betas", "eps", "weight_decay", "amsgrad", "maximize"),
    "rmsprop": ("alpha", "eps", "weight_decay", "momentum", "centered", "maximize"),
    "adagrad": ("lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize"),
}
# torch's defaults where they differ between optimizers (every other key has one default, the field's)
OPTIMIZER_DEFAULTS: dict[str, dict[str, float]] = {
    "sgd": {}, "adam": {"eps": 1e-8}, "adamw": {"eps": 1e-8, "weight_decay": 1e-2},
    "rmsprop": {"eps": 1e-8}, "adagrad": {"eps": 1e-10},
}


@dataclass(frozen=True)
class Experiment:
    """Everything one training run needs; built by `compare.load_experiment`."""

    name: str
    description: str
    sizes: tuple[int, ...]                 # layer widths, input first: (2, 2, 2, 1) for the seed
    inputs: np.ndarray                     # (N, sizes[0])
    targets: np.ndarray                    # (N, sizes[-1])
    names: tuple[str, ...]                 # one per sample ("Zhang San"), "sample 0" when not given
    lr: float
    epochs: int
    report_every: int                      # a loss line when epoch % report_every == 0
    hidden_activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    leaky_slope: float = 0.01              # read by leaky_relu only
    bias: bool = True                      # False: layers without biases (nn.Linear(bias=False)); b stays 0
    init_weights: tuple[np.ndarray, ...] | None = None   # W[l]: (sizes[l], sizes[l+1]); None with a scheme
    init_biases: tuple[np.ndarray, ...] | None = None    # b[l]: (1, sizes[l+1])
    init_scheme: str | None = None         # "torch-default" | "xavier-uniform" | "he-normal"
    mode: str = "stochastic"
    order: str | None = None               # None: the mode's default (see DEFAULT_ORDER)
    batch_size: int = 2                    # read by minibatch only
    samples_per_epoch: int | None = None   # read by order "replacement" only; None: N
    drop_last: bool = False
    seed: int = 0
    loss: str = "sum"
    dtype: str = "float64"
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    maximize: bool = False
    optimizer: str = "sgd"                 # one of OPTIMIZERS; it reads the keys OPTIMIZER_KEYS names
    betas: tuple[float, float] = (0.9, 0.999)   # adam, adamw
    eps: float = 1e-8                      # adam, adamw, rmsprop; adagrad's default is 1e-10
    amsgrad: bool = False                  # adam, adamw
    alpha: float = 0.99                    # rmsprop
    centered: bool = False                 # rmsprop
    lr_decay: float = 0.0                  # adagrad
    initial_accumulator_value: float = 0.0  # adagrad
    weight_decay_biases: bool = True       # False: weight decay on the weights only (torch parameter groups)
    reduction: str = "mean"                # the batch loss: the mean over samples, or "sum" (torch's reduction)
    bce_outputs: str = "mean"              # loss "bce" over several outputs: averaged (BCELoss) or "sum"
    l2: float = 0.0                        # the loss gains l2/2 x sum of squared weights (not weight_decay)
    l2_biases: bool = False                # the biases in that penalty too
    mse_scale: float = 0.5                 # loss sum/mean per element: mse_scale (t - a)^2 (1: torch's MSELoss)
    device: str = "cpu"                    # torch side only
    source: str = field(default="", compare=False)  # where it came from, for messages

    @property
    def n_samples(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def resolved_order(self) -> str:
        """The sample order this mode uses: `batch` is always sequential (it ignores `order`)."""
        if self.mode == "batch":
            return "sequential"
        return self.order or DEFAULT_ORDER[self.mode]

    @property
    def effective_batch_size(self) -> int:
        return {"batch": self.n_samples, "stochastic": 1}.get(self.mode, self.batch_size)

    @property
    def effective_samples_per_epoch(self) -> int:
        """Samples drawn per epoch: N, except for order "replacement"."""
        if self.resolved_order == "replacement":
            return self.samples_per_epoch or self.n_samples
        return self.n_samples

    @property
    def updates_per_epoch(self) -> int:
        n, k = self.effective_samples_per_epoch, self.effective_batch_size
        return n // k if self.drop_last else -(-n // k)

    @property
    def total_updates(self) -> int:
        return self.updates_per_epoch * self.epochs

    @property
    def optimizer_options(self) -> dict[str, float | bool | tuple[float, float]]:
        """The keyword arguments of the chosen optimizer, torch's names: `lr` and OPTIMIZER_KEYS[optimizer]."""
        return {"lr": self.lr, **{key: getattr(self, key) for key in OPTIMIZER_KEYS[self.optimizer]}}

    def convention_values(self) -> dict[str, str | float | bool]:
        """The loss's conventions as keys and values (every JSON output carries them, defaults included)."""
        return {"reduction": self.reduction, "bce_outputs": self.bce_outputs, "l2": self.l2,
                "l2_biases": self.l2_biases, "mse_scale": self.mse_scale}

    def conventions(self) -> list[str]:
        """The loss's conventions that differ from torch's defaults, in words: `summed over the batch`, ..."""
        out = []
        if self.reduction == "sum":
            out.append("summed over the batch")
        if self.loss == "bce" and self.bce_outputs == "sum":
            out.append("BCE summed over the outputs")
        if self.mse_scale != 0.5:
            out.append(f"MSE without the 1/2 (mse_scale {self.mse_scale:g})")
        if self.l2:
            out.append(f"l2 {self.l2:g}" + (" (biases too)" if self.l2_biases else ""))
        return out

    def describe(self) -> str:
        """One line: network, mode, schedule, optimizer (the name's control characters escaped)."""
        act = self.hidden_activation if self.hidden_activation == self.output_activation else (
            f"{self.hidden_activation}/{self.output_activation}")
        opts = [f"lr {self.lr:g}"] if self.optimizer == "sgd" else [f"{self.optimizer}, lr {self.lr:g}"]
        for key, value in self.optimizer_options.items():
            if key == "betas":
                opts.append(f"betas ({value[0]:g}, {value[1]:g})")
            elif key == "eps":
                opts.append(f"eps {value:g}")
            elif key != "lr" and value and not isinstance(value, bool):
                opts.append(f"{key} {value:g}")
        opts += [k for k, v in self.optimizer_options.items() if v is True]
        if not self.weight_decay_biases and self.bias:
            opts.append("no weight decay on biases")
        if not self.bias:
            act += ", no biases"
        loss = self.loss + "".join(f", {part}" for part in self.conventions())
        mode = self.mode if self.mode == "batch" else f"{self.mode}/{self.resolved_order}"
        if self.mode == "minibatch":
            mode += f", batch_size {self.batch_size}"
        return (f"{printable(self.name)}: {'-'.join(map(str, self.sizes))} {act}, loss {loss}, {mode}, "
                f"{self.updates_per_epoch} update(s)/epoch x {self.epochs} epochs, {', '.join(opts)}, "
                f"{self.dtype}, seed {self.seed}")
