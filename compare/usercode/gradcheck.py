"""A finite-difference oracle: the backward pass against central differences of the loss, in float64.

At a few updates early and late in training (1, 2, 3, the middle one, U - 1 and U), on that update's batch
and at the weights it starts from, every parameter p is nudged both ways:

    numeric = (L(p + h) - L(p - h)) / (2 h),    h = 1e-5
    error   = |analytic - numeric| / max(|analytic| + |numeric|, floor),    floor = 1e-3 x |L|

L is the experiment's batch loss computed by `numpy_impl` (forward, then `losses.value`). Central
differences carry a rounding error of about eps |L| / h ~ 2e-11 |L| (measured on every preset: <= 3e-11 |L|),
so an element whose gradient is below 1e-3 |L| is judged against that floor rather than against itself:
late in training, where gradients are tiny, a correct backward then still scores < 1e-7 while a wrong one
(a factor, a sign) still scores far above 1e-2.

Verdict bands, per element (cs231n's notes on gradient checks): < 1e-7 good; < 1e-4 acceptable only where
the network has kinks (relu, leaky_relu: a nudge may cross one); < 1e-2 suspicious; >= 1e-2 wrong.
The trajectory is numpy_impl's own (correct) training on the harness's batches (torch's DataLoader order when
torch is installed), so a user's backward is checked at realistic weights early and late. When torch is
installed, its autograd gradient at the same weights is compared too, and where numpy (or yours) and torch
disagree, the report says which one the finite differences support.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compare.experiment.definition import Experiment
from compare.running.parameters import parameter_slices
from compare.usercode.backprop import UserBackprop
from compare.usercode.load import UserCode

STEP = 1e-5
FLOOR_FACTOR = 1e-3
GOOD, KINKS, SUSPICIOUS = 1e-7, 1e-4, 1e-2
KINKED = ("relu", "leaky_relu")


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float) -> np.ndarray:
    """|a - n| / max(|a| + |n|, floor), elementwise (NaN where a is NaN)."""
    return np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), floor)


def band(error: float, kinks: bool) -> str:
    """The verdict band of one error (cs231n)."""
    if not error < SUSPICIOUS:     # NaN lands here too
        return "wrong"
    if error >= KINKS:
        return "suspicious"
    if error >= GOOD:
        return "acceptable (kinks)" if kinks else "too high for a smooth network"
    return "good"


def passes(error: float, kinks: bool) -> bool:
    return error < GOOD or (kinks and error < KINKS)


def batch_loss(e: Experiment, weights: list, biases: list, X: np.ndarray, T: np.ndarray) -> float:
    from numpy_impl.losses import l2_penalty, value
    from numpy_impl.network import forward
    Zs, activations = forward(weights, biases, X, hidden_activation=e.hidden_activation,
                              output_activation=e.output_activation, leaky_slope=e.leaky_slope)
    return value(e.loss, Zs[-1], activations[-1], T, reduction=e.reduction, bce_outputs=e.bce_outputs,
                 mse_scale=e.mse_scale) + \
        l2_penalty(weights, biases, e.l2, e.l2_biases)


def numerical_gradient(e: Experiment, weights: list[np.ndarray], biases: list[np.ndarray], X: np.ndarray,
                       T: np.ndarray, h: float = STEP) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Central differences of the batch loss for every weight and bias (float64; the inputs are not changed)."""
    W = [np.array(w, dtype=np.float64) for w in weights]
    b = [np.array(c, dtype=np.float64) for c in biases]
    grads = []
    for p in [x for pair in zip(W, b) for x in pair]:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            keep = p[idx]
            p[idx] = keep + h
            up = batch_loss(e, W, b, X, T)
            p[idx] = keep - h
            down = batch_loss(e, W, b, X, T)
            p[idx] = keep
            g[idx] = (up - down) / (2 * h)
        grads.append(g)
    return grads[0::2], grads[1::2]


@dataclass
class Check:
    """One checked update: the error of every parameter array and the worst element."""

    update: int
    epoch: int
    batch: int
    samples: list[int]
    loss: float
    floor: float
    errors: dict[str, float]                 # "W1" -> the largest error in dW1
    worst: dict[str, Any]                    # parameter, element, analytic, numeric, error
    torch: dict[str, Any] | None = None      # where analytic and torch disagree: who the numbers support


@dataclass
class GradcheckReport:
    experiment: Experiment
    source: str                              # "numpy_impl" or the user's file
    checks: list[Check] = field(default_factory=list)
    order: str = "torch DataLoader"

    @property
    def kinks(self) -> bool:
        e = self.experiment
        return e.hidden_activation in KINKED or e.output_activation in KINKED

    @property
    def worst(self) -> Check | None:
        return max(self.checks, key=lambda c: _sortable(c.worst["error"]), default=None)

    @property
    def ok(self) -> bool:
        """Every checked element within the passing band (the analytic side is what is judged)."""
        w = self.worst
        return w is not None and passes(w.worst["error"], self.kinks)


def _sortable(x: float) -> float:
    return np.inf if np.isnan(x) else x


def checkpoints(total: int) -> list[int]:
    """Updates to check (from 1): three early, the middle one, two late."""
    return sorted({u for u in (1, 2, 3, (total + 1) // 2, total - 1, total) if 1 <= u <= total})


def _batches(e: Experiment) -> tuple[str, Iterator[tuple[int, int, np.ndarray]]]:
    try:
        import torch

        from torch_impl.data import make_loader
    except ImportError:
        from numpy_impl.schedule import epoch_batches
        rng = np.random.default_rng(e.seed)

        def own() -> Iterator[tuple[int, int, np.ndarray]]:
            for epoch in range(e.epochs):
                for batch, idx in enumerate(epoch_batches(rng, e.n_samples, e.effective_batch_size,
                                                          e.resolved_order, e.effective_samples_per_epoch,
                                                          e.drop_last)):
                    yield epoch, batch, idx
        return "numpy_impl's own (torch is not installed)", own()
    loader = make_loader(e, torch.tensor(e.inputs), torch.tensor(e.targets))

    def from_loader() -> Iterator[tuple[int, int, np.ndarray]]:
        for epoch in range(e.epochs):
            for batch, (_, _, idx) in enumerate(loader):
                yield epoch, batch, idx.numpy()
    return "torch DataLoader", from_loader()


def _torch_gradient(e: Experiment, weights: list, biases: list, X: np.ndarray, T: np.ndarray) -> tuple[list, list]:
    import torch

    from compare.diagnosis.stages import capture_torch
    from torch_impl.trainer import TorchTrainer
    trainer = TorchTrainer(e, weights, biases)      # a throwaway copy: its step is only there to read .grad
    s = capture_torch(trainer, torch.tensor(X), torch.tensor(T))
    return s.dW, s.db


def gradcheck(experiment: Experiment, code: UserCode | None = None, *, h: float = STEP,
              with_torch: bool = True) -> GradcheckReport:
    """Check numpy_impl's backward (or the user's, `code`) against central differences at `checkpoints`."""
    from compare.experiment.initial import initial_parameters
    from numpy_impl.trainer import NumpyTrainer

    e = dataclasses.replace(experiment, dtype="float64", device="cpu")
    weights, biases = initial_parameters(e)
    trainer = NumpyTrainer(e, weights, biases)
    user = UserBackprop(code, e) if code is not None else None
    order, batches = _batches(e)
    report = GradcheckReport(e, str(code.path) if code else "numpy_impl", order=order)
    wanted = set(checkpoints(e.total_updates))
    if with_torch:
        try:
            import torch  # noqa: F401
        except ImportError:
            with_torch = False
    names = [name for name, *_ in parameter_slices(e.sizes)]       # W1, b1, W2, b2, ...
    for update, (epoch, batch, idx) in enumerate(batches, start=1):
        if update in wanted:
            X, T = trainer.X[idx], trainer.T[idx]
            W, b = trainer.parameters()
            if user is not None:
                _, activations = trainer.forward(W, b, X)
                dW, db = user.call_backward(W, b, activations, T, f"update {update}")
            else:
                dW, db = trainer.gradients(X, T)
            nW, nb = numerical_gradient(e, W, b, X, T, h)
            loss = batch_loss(e, W, b, X, T)
            floor = FLOOR_FACTOR * max(abs(loss), 1e-12)
            analytic = [x for pair in zip(dW, db) for x in pair]
            numeric = [x for pair in zip(nW, nb) for x in pair]
            errs = [relative_error(a, n, floor) for a, n in zip(analytic, numeric)]
            errors = {name: float(np.nanmax(err)) if not np.isnan(err).any() else float("nan")
                      for name, err in zip(names, errs)}
            k = max(range(len(errs)), key=lambda i: _sortable(errors[names[i]]))
            element = np.unravel_index(int(np.argmax(np.nan_to_num(errs[k], nan=np.inf))), errs[k].shape)
            worst = {"parameter": names[k], "element": [int(i) for i in element],
                     "analytic": float(analytic[k][element]), "numeric": float(numeric[k][element]),
                     "error": errors[names[k]]}
            check = Check(update, epoch, batch, idx.tolist(), loss, floor, errors, worst)
            if with_torch:
                tW, tb = _torch_gradient(e, W, b, X, T)
                check.torch = _who_is_right(names, analytic, [x for pair in zip(tW, tb) for x in pair], numeric,
                                            floor, "yours" if user is not None else "numpy")
            report.checks.append(check)
        trainer.step(idx)
        # gradients of a diverged run mean nothing: exit 3 at the first update after which the weights or the
        # loss on the whole data set are NaN or inf, as the training commands do
        loss = trainer.log_loss() if trainer.is_finite() else float("nan")
        if not np.isfinite(loss):
            from compare.running.divergence import divergence, first_nonfinite_parameter
            found = first_nonfinite_parameter(e.sizes, trainer.theta)
            raise divergence(e, f"update {update} (epoch {epoch}, batch {batch}, samples {idx.tolist()})",
                             f"first non-finite value {found}" if found else f"the loss is {loss!r}",
                             update=update)
    return report


def _who_is_right(names: list[str], analytic: list, torch_grads: list, numeric: list, floor: float,
                  label: str) -> dict[str, Any] | None:
    """None when analytic and torch agree (to 1e-9 relative); else where they differ most and which side the
    finite differences support."""
    from compare.running.tolerances import tolerance_for
    tol = tolerance_for("float64")
    worst = None
    for name, a, t, n in zip(names, analytic, torch_grads, numeric):
        with np.errstate(invalid="ignore"):
            gap = np.abs(a - t) - (tol.atol + tol.rtol * np.abs(t))
        gap = np.nan_to_num(gap, nan=np.inf)
        if gap.max() > 0:
            i = np.unravel_index(int(np.argmax(gap)), gap.shape)
            if worst is None or gap[i] > worst[0]:
                worst = (gap[i], name, i, float(a[i]), float(t[i]), float(n[i]))
    if worst is None:
        return None
    _, name, i, a, t, n = worst
    err_a = float(relative_error(np.array(a), np.array(n), floor))
    err_t = float(relative_error(np.array(t), np.array(n), floor))
    if err_t < GOOD <= err_a or err_t < err_a / 100:
        supports = "torch"
    elif err_a < GOOD <= err_t or err_a < err_t / 100:
        supports = label
    else:
        supports = "neither clearly"
    return {"parameter": name, "element": [int(k) for k in i], label: a, "torch": t, "numeric": n,
            f"error_{label}": err_a, "error_torch": err_t, "supports": supports}
