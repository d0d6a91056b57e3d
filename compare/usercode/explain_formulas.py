"""The one-line formula of every quantity `compare explain` prints, written for the experiment at hand
(its activations, loss and optimizer), in the seed layout: Z_l = A_{l-1} W_l + b_l, W_l (inputs, outputs)."""

from __future__ import annotations

from compare.experiment.definition import Experiment
from compare.usercode.optimizer_formulas import gradient, update_formula

ACTIVATION = {
    "sigmoid": "sigmoid({Z}) = 1 / (1 + exp(-{Z}))",
    "tanh": "tanh({Z})",
    "relu": "max({Z}, 0)",
    "leaky_relu": "max({Z}, 0) + {slope} min({Z}, 0)",
    "identity": "{Z}",
    "softmax": "softmax({Z}) = exp({Z}) / (row sum of exp({Z}))",
}
DERIVATIVE = {   # f'(Z) in the form the lesson writes it (from A where it can)
    "sigmoid": "{A} * (1 - {A})",
    "tanh": "(1 - {A}^2)",
    "relu": "[{Z} > 0]",
    "leaky_relu": "([{Z} > 0] + {slope} [{Z} <= 0])",
    "identity": "1",
}


def _num(x: float) -> str:
    return f"{x:g}"


class Formulas:
    """Formula strings for one experiment; layers count from 1, A0 = X."""

    def __init__(self, experiment: Experiment):
        self.e = experiment
        self.L = experiment.n_layers
        self.K = experiment.sizes[-1]

    def activation(self, l: int) -> str:
        return self.e.output_activation if l == self.L else self.e.hidden_activation

    def _f(self, l: int) -> str:
        return ACTIVATION[self.activation(l)].format(Z=f"Z{l}", slope=_num(self.e.leaky_slope))

    def _df(self, l: int) -> str:
        return DERIVATIVE[self.activation(l)].format(Z=f"Z{l}", A=f"A{l}", slope=_num(self.e.leaky_slope))

    def batch_inputs(self) -> str:
        return "X = A0: the inputs of the batch, one row per sample, in the order the DataLoader yields them"

    def batch_targets(self) -> str:
        return "T: the targets of the same samples"

    def before(self, name: str, l: int) -> str:
        what = "weights (inputs x outputs)" if name == "W" else "biases (1 x outputs)"
        return f"{name}{l}: the {what} this update starts from"

    def Z(self, l: int) -> str:
        return f"Z{l} = A{l - 1} W{l} + b{l}" + ("   (A0 = X)" if l == 1 else "")

    def A(self, l: int) -> str:
        return f"A{l} = {self._f(l)}"

    def loss(self) -> str:
        L, K, e = self.L, self.K, self.e
        whole = e.mse_scale == 1       # mse_scale 1: (t - a)^2 without the 1/2 (torch's MSELoss)
        per_sample = {
            "sum": "sum_k (t_k - a_k)^2" + ("   (no 1/2: mse_scale 1)" if whole else " / 2"),
            "mean": (f"sum_k (t_k - a_k)^2 / K, K = {K}   (no 1/2: mse_scale 1)" if whole else
                     f"sum_k (t_k - a_k)^2 / (2 K), K = {K}"),
            "bce": (f"-(1/K) sum_k [t_k log a_k + (1 - t_k) log(1 - a_k)], K = {K}" if e.bce_outputs == "mean" else
                    "-sum_k [t_k log a_k + (1 - t_k) log(1 - a_k)], BCE summed over the outputs"),
            "cross_entropy": "-sum_k t_k log a_k",
        }[e.loss]
        if e.reduction == "sum":
            data, how = "sum_i L_i", "the sum over the batch"
        else:
            data, how = "(1/B) sum_i L_i", "the mean over the batch"
        penalty = ""
        if e.l2:
            which = "(|W_l|^2 + |b_l|^2)" if e.l2_biases else "|W_l|^2"
            penalty = (f" + ({_num(e.l2)}/2) sum_l {which}   (the L2 penalty in the loss, l2 = "
                       f"{_num(e.l2)}{', biases too' if e.l2_biases else ''})")
        return f"L = {data}{penalty}, L_i = {per_sample} (a = A{L}[i], t = T[i]): {how}"

    def delta(self, l: int) -> str:
        if l < self.L:
            return f"delta{l} = (delta{l + 1} W{l + 1}^T) * {self._df(l)}   (the chain rule, one layer down)"
        L = self.L
        head = f"delta{L} = dL_i/dZ{L} = "
        two = "2 " if self.e.mse_scale == 1 else ""     # d/da (t - a)^2 = 2 (a - t): no 1/2 to cancel the 2
        if self.e.loss == "sum":
            return head + f"{two}(A{L} - T) * {self._df(L)}"
        if self.e.loss == "mean":
            return head + f"{two}(A{L} - T) * {self._df(L)} / K   (K = {self.K})"
        if self.e.loss == "bce" and self.e.bce_outputs == "sum":
            return head + f"A{L} - T   (BCE summed over the outputs; the sigmoid's derivative cancels)"
        if self.e.loss == "bce":
            return head + f"(A{L} - T) / K   (K = {self.K}; the sigmoid's derivative cancels)"
        return head + f"A{L} - T   (softmax + cross-entropy)"

    def _batch(self) -> str:
        """How the per-sample terms combine: divided by B (the batch mean) or not (the sum)."""
        return "" if self.e.reduction == "sum" else " / B"

    def dW(self, l: int) -> str:
        penalty = f" + {_num(self.e.l2)} W{l}   (the L2 penalty's gradient)" if self.e.l2 else ""
        return f"dW{l} = dL/dW{l} = A{l - 1}^T delta{l}{self._batch()}{penalty}"

    def db(self, l: int) -> str:
        rows = f"sum of delta{l} over the batch's rows"
        body = f"({rows}){self._batch()}"
        penalty = f" + {_num(self.e.l2)} b{l}   (the L2 penalty's gradient)" if self.e.l2 and self.e.l2_biases else ""
        return f"db{l} = dL/db{l} = {body}{penalty}"

    def update(self, name: str, l: int) -> str:
        e, p = self.e, f"{name}{l}"
        if e.optimizer != "sgd":
            return update_formula(e, p)
        g = gradient(e, p)
        if e.momentum:
            step = f"(g + {_num(e.momentum)} buf_{p})" if e.nesterov else f"buf_{p}"
            if e.nesterov:
                step += f", g = {g}"
        else:
            step = f"({g})" if " " in g or g.startswith("-") else g
        return f"{p} <- {p} - {_num(e.lr)} {step}   (torch.optim.SGD)"
