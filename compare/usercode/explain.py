"""Every intermediate of one update, both sides: what `python -m compare explain` shows.

`explain(experiment, update)` runs the real lockstep harness (`compare.lockstep.harness.Lockstep`, the torch
DataLoader's batches) up to update K and captures that update on both sides with `compare.diagnosis.stages`: NumPy's
values come from `NumpyTrainer.step` itself (its deltas from `numpy_impl.network.backward(deltas=...)` inside
that very step), torch's from autograd, forward hooks and `.grad`, never recomputed by our NumPy code.

Delta convention. NumPy's delta_l is per sample, dL_i/dZ_l. With the loss the batch mean (`reduction =
"mean"`, torch's default) autograd's dL/dZ_l is delta_l / B, so torch's column shows B * dL/dZ_l so that the two
compare; with the loss the batch sum (`reduction = "sum"`) autograd's dL/dZ_l is delta_l itself, shown as it is.
`torch_raw` keeps autograd's. The L2 penalty of the loss (`l2`) is of the weights, not of Z: it changes no delta.

With a user's file (`compare.usercode.load`) the user's values are computed from the same state as ours: the
weights (and the optimizer's state: momentum buffers, moments, step counts) before update K, the same batch.
So the first quantity that differs is the first line of the user's derivation that went wrong, not a
consequence of earlier updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from compare.errors import ExperimentError
from compare.experiment.definition import Experiment
from compare.running.optimizer_state import SYMBOLS, load_numpy_state, numpy_state, per_parameter
from compare.running.tolerances import Tolerance, tolerance_for
from compare.usercode.explain_formulas import Formulas
from compare.usercode.optimizer_formulas import state_formula

STAGES = ("batch", "before", "forward", "loss", "backward", "update")


@dataclass
class Quantity:
    """One printed line of the derivation: a formula, and its value on each side (seed layout, float64)."""

    name: str                     # "Z1", "delta3", "dW2", "W1" ...
    stage: str                    # one of STAGES
    layer: int | None
    formula: str
    numpy: np.ndarray
    torch: np.ndarray
    user: np.ndarray | None = None       # the user's value, when their file computes this quantity
    torch_raw: np.ndarray | None = None  # autograd's dL/dZ for a delta (= torch / B with the batch mean)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.numpy.shape)

    @property
    def max_abs_diff(self) -> float:
        """Largest |numpy - torch| (NaN if either side has a NaN where the other has not)."""
        return _max_abs_diff(self.numpy, self.torch)

    @property
    def user_max_abs_diff(self) -> float | None:
        return None if self.user is None else _max_abs_diff(self.user, self.torch)


def _max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    if a.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        same = (a == b) | (np.isnan(a) & np.isnan(b))     # inf == inf, NaN alike: no difference
        diff = np.where(same, 0.0, np.abs(a - b))
    return float(np.nan_to_num(diff, nan=np.inf).max())


def agrees(ours: np.ndarray, torch: np.ndarray, tolerance: Tolerance) -> bool:
    """The harness's rule, element-wise: |ours - torch| <= atol + rtol |torch| (NaN alike agrees)."""
    with np.errstate(invalid="ignore"):
        close = np.abs(ours - torch) <= tolerance.atol + tolerance.rtol * np.abs(torch)
    return bool(np.all(close | (ours == torch) | (np.isnan(ours) & np.isnan(torch))))


@dataclass
class Explanation:
    """Update K of an experiment, every quantity on both sides, in the order a student computes them."""

    experiment: Experiment
    update: int
    epoch: int
    batch: int
    samples: list[int]
    quantities: list[Quantity]
    tolerance: Tolerance
    before_max_abs_diff: float = 0.0      # largest |numpy - torch| on any parameter after updates 1..K-1
    user_file: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def batch_size(self) -> int:
        return len(self.samples)

    def first_difference(self) -> tuple[Quantity, str] | None:
        """The first quantity (in printed order) out of tolerance: (quantity, "user" | "numpy"), or None.
        With a user's file, the user's column is judged first: that is what the student asks about."""
        for side in (("user", "numpy") if self.user_file else ("numpy",)):
            for q in self.quantities:
                value = q.user if side == "user" else q.numpy
                if value is not None and not agrees(value, q.torch, self.tolerance):
                    return q, side
        return None

    def get(self, name: str, stage: str | None = None) -> Quantity:
        for q in self.quantities:
            if q.name == name and (stage is None or q.stage == stage):
                return q
        raise KeyError(name)


def check_update(experiment: Experiment, update: Any) -> int:
    """The update number as an int in 1..total_updates, else ExperimentError (exit 2) naming the range."""
    total = experiment.total_updates
    valid = f"valid: 1..{total} ({experiment.updates_per_epoch} update(s)/epoch x {experiment.epochs} epochs)"
    try:
        k = int(str(update).strip(), 10)
    except ValueError:
        raise ExperimentError(f"--update: expected an integer, found {update!r}; {valid}") from None
    if not 1 <= k <= total:
        raise ExperimentError(f"--update {k}: out of range; {valid}")
    return k


def explain(experiment: Experiment, update: int = 1, *, weights: list[np.ndarray] | None = None,
            biases: list[np.ndarray] | None = None, user: Any = None) -> Explanation:
    """Run both sides in lockstep to update `update` (1-based) and capture it. `user`: a
    `compare.usercode.backprop.UserBackprop`, whose values are computed from the same state. DivergenceError (exit 3)
    when both sides hit NaN/inf before update K."""
    from compare.lockstep.pair import Lockstep

    e = experiment
    k = check_update(e, update)
    run = Lockstep(e, weights, biases)
    before = run.max_abs_diff()
    done = 0
    for epoch in range(e.epochs):
        for batch, (X, T, indices) in enumerate(run.torch.loader):
            samples = indices.numpy()
            if done + 1 == k:
                return _capture(run, X, T, samples, epoch, batch, k, before, user)
            run.torch.step(X, T)
            run.numpy.step(samples)
            done += 1
            m = run.max_abs_diff()
            before = m if not m <= before else before   # NaN sticks
            _check_finite(run, done, epoch, batch, k)
    raise AssertionError(f"update {k} not reached after {done} updates")  # check_update excludes this


def _check_finite(run: Any, done: int, epoch: int, batch: int, k: int) -> None:
    """DivergenceError (exit 3) when the run overflowed before update k: both sides non-finite, or one side
    while the other has exploded (the harness's rule, `compare.running.divergence`)."""
    from compare.running.divergence import divergence, exploded, first_nonfinite_parameter

    numpy_finite, torch_finite = run.numpy.is_finite(), run.torch.is_finite()
    if numpy_finite and torch_finite:
        # finite weights can still overflow the forward pass: the commands that train stop there too
        loss = run.numpy.log_loss()
        if not np.isfinite(loss):
            raise divergence(run.experiment, f"update {done} (epoch {epoch}, batch {batch})",
                             f"the loss on the whole data set is {loss!r}; update {k} was never reached",
                             update=done)
        return
    e = run.experiment
    if not ((not numpy_finite and (not torch_finite or exploded(run.theirs, e.n_layers)))
            or (not torch_finite and exploded(run.numpy.theta, e.n_layers))):
        return   # one side only: a disagreement, which update k's quantities will show
    found = (f"numpy {first_nonfinite_parameter(e.sizes, run.numpy.theta) or 'finite (but huge)'}, torch "
             f"{first_nonfinite_parameter(e.sizes, run.theirs) or 'finite (but huge)'}; update {k} was never "
             f"reached (--update {done} shows the last update)")
    raise divergence(e, f"update {done} (epoch {epoch}, batch {batch})", found, update=done)


def _capture(run: Any, X: Any, T: Any, samples: np.ndarray, epoch: int, batch: int, k: int,
             before: float, user: Any) -> Explanation:
    from compare.diagnosis.stages import capture_numpy, capture_torch

    e = run.experiment
    w_np, b_np = run.numpy.parameters()
    w_th, b_th = run.torch.parameters()
    user_stages = None
    if user is not None:
        trainer = user.trainer(e, w_np, b_np)
        load_numpy_state(trainer.optimizer, e, numpy_state(run.numpy.optimizer, e))   # copies
        trainer.updates = run.numpy.updates
        user_stages = capture_numpy(trainer, samples)
    deltas: list[np.ndarray] = []
    step_backward = run.numpy.backward
    run.numpy.backward = partial(step_backward, deltas=deltas)   # this very step records its deltas
    try:
        ours = capture_numpy(run.numpy, samples)
    finally:
        run.numpy.backward = step_backward
    theirs = capture_torch(run.torch, X, T)
    targets = (run.numpy.T[samples], T.detach().cpu().numpy())
    quantities = _quantities(e, Formulas(e), samples, targets, (w_np, b_np), (w_th, b_th), ours, theirs,
                             [np.array(d, dtype=np.float64) for d in deltas], user_stages,
                             user is not None and user.has_forward)
    return Explanation(e, k, epoch, batch, [int(i) for i in samples], quantities, tolerance_for(e.dtype),
                       before, None if user is None else user.code.name)


def _states(e: Experiment, ours: Any, theirs: Any, user: Any) -> dict[str, list]:
    """{state name: [numpy, torch, user]}, each side a list of per-parameter arrays (W1, b1, W2, ...) or None."""
    if ours.state is None or theirs.state is None:
        return {}

    def split(state: dict[str, np.ndarray] | None, key: str) -> list[np.ndarray] | None:
        if state is None or key not in state:
            return None
        if key == "step":
            return [np.array([[t]]) for t in state[key]]
        weights, biases = per_parameter(state[key], e.sizes)
        return [x for pair in zip(weights, biases) for x in pair]

    return {key: [split(ours.state, key), split(theirs.state, key), split(None if user is None else user.state, key)]
            for key in theirs.state}


def _quantities(e: Experiment, f: Formulas, samples: np.ndarray, targets: tuple, before_np: tuple,
                before_th: tuple, ours: Any, theirs: Any, deltas: list[np.ndarray], user: Any, user_forward: bool
                ) -> list[Quantity]:
    L = e.n_layers
    B = len(samples) if e.reduction == "mean" else 1   # autograd's dL/dZ x B is the per-sample delta
    f64 = partial(np.asarray, dtype=np.float64)
    qs = [Quantity("X", "batch", None, f.batch_inputs(), ours.activations[0], theirs.activations[0]),
          Quantity("T", "batch", None, f.batch_targets(), f64(targets[0]), f64(targets[1]))]
    for l in range(L):
        qs.append(Quantity(f"W{l + 1}", "before", l + 1, f.before("W", l + 1), f64(before_np[0][l]),
                           f64(before_th[0][l])))
        qs.append(Quantity(f"b{l + 1}", "before", l + 1, f.before("b", l + 1), f64(before_np[1][l]),
                           f64(before_th[1][l])))
    for l in range(L):
        qs.append(Quantity(f"Z{l + 1}", "forward", l + 1, f.Z(l + 1), ours.Zs[l], theirs.Zs[l]))
        qs.append(Quantity(f"A{l + 1}", "forward", l + 1, f.A(l + 1), ours.activations[l + 1],
                           theirs.activations[l + 1],
                           user.activations[l + 1] if user is not None and user_forward else None))
    qs.append(Quantity("L", "loss", None, f.loss(), np.array([[ours.loss]]), np.array([[theirs.loss]]),
                       np.array([[user.loss]]) if user is not None and user_forward else None))
    for l in range(L - 1, -1, -1):
        dZ = theirs.dZ[l]
        qs.append(Quantity(f"delta{l + 1}", "backward", l + 1, f.delta(l + 1), deltas[l], dZ * B, torch_raw=dZ))
        qs.append(Quantity(f"dW{l + 1}", "backward", l + 1, f.dW(l + 1), ours.dW[l], theirs.dW[l],
                           None if user is None else user.dW[l]))
        qs.append(Quantity(f"db{l + 1}", "backward", l + 1, f.db(l + 1), ours.db[l], theirs.db[l],
                           None if user is None else user.db[l]))
    states = _states(e, ours, theirs, user)
    for l in range(L):
        for p, name in ((0, "W"), (1, "b")):
            for key, sides in states.items():   # the optimizer's state after the step, torch's order
                qs.append(Quantity(f"{SYMBOLS[key]}_{name}{l + 1}", "update", l + 1,
                                   state_formula(e, key, f"{name}{l + 1}"),
                                   *[None if side is None else side[2 * l + p] for side in sides]))
            after = (ours.weights, ours.biases)[p][l]
            after_th = (theirs.weights, theirs.biases)[p][l]
            after_user = None if user is None else (user.weights, user.biases)[p][l]
            qs.append(Quantity(f"{name}{l + 1}", "update", l + 1, f.update(name, l + 1), f64(after),
                               f64(after_th), None if after_user is None else f64(after_user)))
    return qs
