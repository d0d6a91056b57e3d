"""The lockstep harness: both implementations from identical weights, the same batches, and every
parameter compared after every update.

The fast path per update is four vectorised NumPy operations on flat buffers (gather torch's parameters into
the seed order with a fixed index map, subtract, abs, max); only when the largest difference exceeds `atol`
does the exact tolerance rule run, and only on a real disagreement does `compare.diagnosis.failure` build the message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compare.diagnosis.failure import describe_mismatch, parameter_index
from compare.errors import ParityError
from compare.experiment.definition import Experiment
from compare.experiment.initial import initial_parameters
from compare.running.divergence import divergence, exploded, first_nonfinite_parameter
from compare.running.history import History
from compare.running.loops import torch_trainer
from compare.running.optimizer_state import (
    LABELS,
    counts_steps,
    load_numpy_state,
    numpy_state,
    state_names,
    torch_parameters,
    torch_state,
)
from compare.running.tolerances import Tolerance, state_tolerance_for, tolerance_for


@dataclass
class ParityReport:
    """What a harness run found. `per_update[k]` is the largest |numpy - torch| after update k + 1."""

    experiment: Experiment
    tolerance: Tolerance
    numpy: History
    torch: History
    updates_checked: int
    per_update: np.ndarray
    max_abs_diff_log: list[tuple[int, float]] = field(default_factory=list)
    failure: dict | None = None
    resync: bool = False     # True: NumPy restarted from torch's state before every update (per-update error)
    state_max_abs_diff: dict[str, float] = field(default_factory=dict)   # per optimizer state quantity

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def max_abs_diff(self) -> float:
        return float(self.per_update[:self.updates_checked].max()) if self.updates_checked else 0.0


# parameters from which `Lockstep.max_abs_diff` copies torch's parameters layer by layer instead of gathering
# them by the index map: the gather is cheaper for the smallest models (fewer Python calls), the copies from
# a few thousand parameters on (crossover measured between 369 and 5,313 parameters)
PER_LAYER_FROM = 4096


class Lockstep:
    """Both trainers, the index map and the comparison buffers of one harness run."""

    def __init__(self, experiment: Experiment, weights: list[np.ndarray] | None = None,
                 biases: list[np.ndarray] | None = None, *, numpy_factory: Callable | None = None):
        """`numpy_factory(experiment, weights, biases)`: the NumPy side's trainer (default
        `numpy_impl.trainer.NumpyTrainer`; a student's backward comes in this way)."""
        from numpy_impl.trainer import NumpyTrainer

        self.experiment = e = experiment
        if weights is None:
            weights, biases = initial_parameters(e)
        self.initial = ([np.array(w) for w in weights], [np.array(b) for b in biases])
        self.numpy = (numpy_factory or NumpyTrainer)(e, weights, biases)
        self.torch = torch_trainer(e, weights, biases)
        self.tolerance = tolerance_for(e.dtype)
        self._index: np.ndarray | None = None          # torch_to_seed_index, built when first needed
        self._torch_state_views: tuple[dict, list | None] | None = None   # see `torch_state`
        self._theirs = np.zeros_like(self.numpy.theta)
        self.diff = np.empty_like(self.numpy.theta)    # numpy - torch, then |numpy - torch|, seed order
        self._layers = self._layer_views() if self.numpy.theta.size >= PER_LAYER_FROM else None
        # the optimizer's state, compared after every update too (`compare.running.optimizer_state`)
        self.state_names = state_names(e)
        self.has_state = bool(self.state_names) or counts_steps(e)
        self.state_max_abs_diff = dict.fromkeys(self.state_names + (("step",) if counts_steps(e) else ()), 0.0)

    def _layer_views(self) -> list[tuple[Any, Any]] | None:
        """(destination, source) tensor pairs per parameter: a view of `_theirs` in the seed layout, and torch's
        parameter seen in that layout (the weight (out, in) through its transpose). None when torch's
        parameters are not on the CPU."""
        if self.torch.flat_numpy is None:
            return None
        import torch
        theirs = torch.from_numpy(self._theirs)          # shares memory with `_theirs`
        pairs = []
        offset = 0
        for linear in self.torch.model.linears:
            n_out, n_in = linear.weight.shape
            pairs.append((theirs[offset:offset + n_in * n_out].view(n_in, n_out), linear.weight.detach().t()))
            offset += n_in * n_out
            if linear.bias is not None:         # without biases the slot stays 0 (`_theirs` starts at 0)
                pairs.append((theirs[offset:offset + n_out], linear.bias.detach()))
            offset += n_out
        return pairs

    @property
    def index(self) -> np.ndarray:
        """`torch_to_seed_index` of this network, built when first needed."""
        if self._index is None:
            from torch_impl.layout import torch_to_seed_index
            self._index = torch_to_seed_index(self.experiment.sizes)
        return self._index

    def torch_state(self) -> dict[str, np.ndarray]:
        """torch's optimizer state in the seed layout (`compare.running.optimizer_state.torch_state`). On the
        CPU, once torch has made its state tensors (it updates them in place from then on), through NumPy
        views of them kept from update to update: one concatenation per quantity."""
        views = self._torch_state_views
        if views is None:
            state = torch_state(self.torch.optimizer, self.torch.model, self.experiment)
            self._torch_state_views = self._state_views(state)
            return state
        arrays, steps = views
        out = {name: np.concatenate([v.ravel() for v in seed]) for name, seed in arrays.items()}
        if steps is not None:
            out["step"] = np.array([float(t) for t in steps])
        return out

    def _state_views(self, state: dict[str, np.ndarray]) -> tuple[dict, list | None] | None:
        """({name: per-parameter NumPy views seen in the seed layout (a weight's through its transpose)}, step
        views), or None while some state is missing (SGD before its first update) or off the CPU."""
        if self.torch.flat_numpy is None or set(state) != set(self.state_max_abs_diff):
            return None
        optimizer = self.torch.optimizer
        params = torch_parameters(self.torch.model)
        views = {name: [optimizer.state[p][name].detach().numpy() for p in params] for name in state if name != "step"}
        arrays = {name: [a.T if a.ndim == 2 else a for a in per_param] for name, per_param in views.items()}
        steps = [optimizer.state[p]["step"].detach().numpy() for p in params] if "step" in state else None
        return arrays, steps

    def state_failure(self, where: str, update: int) -> dict | None:
        """Compare every optimizer state quantity of every parameter (after `max_abs_diff` found the
        parameters in agreement); the failure record of the first one out of tolerance, or None. The step
        counts must be equal."""
        e = self.experiment
        ours, theirs = numpy_state(self.numpy.optimizer, e), self.torch_state()
        tol = state_tolerance_for(e.dtype)
        if ours.keys() != theirs.keys():
            return {"message": f"parity FAILED at {where}, stage optimizer state: numpy keeps "
                               f"{', '.join(ours) or 'nothing'}, torch {', '.join(theirs) or 'nothing'}",
                    "update": update, "stage": "optimizer state"}
        for name, want in theirs.items():
            mine = ours[name]
            with np.errstate(invalid="ignore"):           # inf - inf: a NaN, caught below as a violation
                diff = np.abs(mine - want)
            largest = float(diff.max())
            largest = np.inf if largest != largest else largest
            if largest > self.state_max_abs_diff[name]:
                self.state_max_abs_diff[name] = largest
            if largest <= (0.0 if name == "step" else tol.atol):
                continue                                   # the fast path, as for the parameters
            with np.errstate(invalid="ignore"):
                bound = 0.0 if name == "step" else tol.atol + tol.rtol * np.abs(want)
                bad = np.flatnonzero(~(diff <= bound))
            if bad.size == 0:
                continue
            first = int(bad[0])
            if name == "step":
                names = [f"{kind}{layer}" for layer in range(1, e.n_layers + 1) for kind in ("W", "b")]
                label, a, b = names[first], float(mine[first]), float(want[first])
                element = None
            else:
                label, a, b = parameter_index(e.sizes, first), float(mine[first]), float(want[first])
                element = label
            message = (f"parity FAILED at {where}, stage optimizer state: {LABELS[name]} of {label}: numpy {a!r}, "
                       f"torch {b!r}, |diff| {abs(a - b):.3g} > tolerance "
                       f"({'equal counts' if name == 'step' else tol.describe()}); every weight and bias agrees")
            return {"message": message, "update": update, "stage": "optimizer state", "state": name,
                    "parameter": label.split("[")[0], "element": element, "numpy": a, "torch": b,
                    "abs_diff": abs(a - b)}
        return None

    @property
    def theirs(self) -> np.ndarray:
        """torch's parameters now, gathered into the seed order (NumPy's flat layout). Read by the slow
        paths only (a failure, a divergence, --resync); the fast path never gathers."""
        return self.torch.flat_parameters().take(self.index, 0, self._theirs)

    def max_abs_diff(self) -> float:
        """Largest |numpy - torch| over every parameter (NaN if any side has a NaN). Leaves |numpy - torch|
        of every parameter in `diff`, the same numbers whichever way it is computed below."""
        if self._layers is None:
            # a small model: one gather by the index map (`theirs`) costs less than a copy per layer
            np.subtract(self.numpy.theta, self.theirs, out=self.diff)
        else:
            # a wide model: torch's own transposing copy puts its weights in the seed order 2-3x faster than
            # np.take or a NumPy subtraction through a transposed view (whose power-of-two strides thrash
            # the cache: 4.5 ms against 2.3 ms at 1024 x 1024), then one contiguous subtraction
            for destination, source in self._layers:
                destination.copy_(source)
            np.subtract(self.numpy.theta, self._theirs, out=self.diff)
        np.abs(self.diff, out=self.diff)
        return float(self.diff.max())

    def violations(self) -> np.ndarray:
        """Flat NumPy-order positions that break the tolerance rule (after `max_abs_diff`)."""
        tol = self.tolerance
        bound = tol.atol + tol.rtol * np.abs(self.theirs)
        return np.flatnonzero(~(self.diff <= bound))     # NaN compares False: a violation

    def resync(self) -> None:
        """Copy torch's parameters and optimizer state (momentum buffers, moments, step counts) into NumPy,
        so that the next difference is the error of one update alone, not the drift accumulated so far."""
        self.numpy.theta[...] = self.theirs
        if not self.has_state:
            return
        load_numpy_state(self.numpy.optimizer, self.experiment, self.torch_state())


def run_parity(experiment: Experiment, weights: list[np.ndarray] | None = None,
               biases: list[np.ndarray] | None = None, *, numpy_factory: Callable | None = None,
               on_epoch: Callable[[int, float | None], None] | None = None, label: str = "numpy",
               resync: bool = False) -> ParityReport:
    """Train both implementations in lockstep; return the report, or raise ParityError (exit 1) at the first
    disagreement or DivergenceError (exit 3) when both sides hit NaN/inf alike. At a disagreement the update
    is replayed with every stage captured (`compare.lockstep.replay`) to name the first wrong stage; `label` names
    the NumPy side in the message ("numpy", or "yours" for a user's file). `resync`: before every update,
    NumPy takes torch's parameters and momentum buffers (`Lockstep.resync`), so that each check measures
    one update's error; by default both sides run free and the check sees the accumulated drift."""
    e = experiment
    run = Lockstep(e, weights, biases, numpy_factory=numpy_factory)
    per_update = np.zeros(e.total_updates)
    numpy_log: list[tuple[int, float]] = []
    torch_log: list[tuple[int, float]] = []
    diff_log: list[tuple[int, float]] = []
    atol = run.tolerance.atol
    update = 0

    def report(failure: dict | None = None) -> ParityReport:
        w_np, b_np = run.numpy.parameters()
        w_th, b_th = run.torch.parameters()
        n_out = run.numpy.evaluate()[1][-1].copy()
        init_w, init_b = run.initial
        return ParityReport(
            e, run.tolerance,
            History("numpy", e, numpy_log, n_out, update, init_w, init_b, w_np, b_np),
            History("torch", e, torch_log, run.torch.outputs(), update, init_w, init_b, w_th, b_th),
            update, per_update, diff_log, failure, resync, dict(run.state_max_abs_diff))

    if run.max_abs_diff() != 0.0:   # identical starting points, bit for bit, or nothing below means much
        bad = int(np.flatnonzero(run.diff != 0)[0])
        raise ParityError(f"initial weights differ before the first update: {parameter_index(e.sizes, bad)}")
    since_last = 0.0
    torch_step, numpy_step, max_abs_diff, loader = run.torch.step, run.numpy.step, run.max_abs_diff, run.torch.loader
    # NumPy's sigmoid overflows harmlessly (e^-z = inf for z << 0; numpy_impl.activations.sigmoid): silenced
    # once per run, not per update; a real overflow of the weights is caught by the check below
    with np.errstate(over="ignore"):
        for epoch in range(e.epochs):
            for batch, (X, T, indices) in enumerate(loader):
                samples = indices.numpy()
                if resync:
                    run.resync()
                torch_step(X, T)
                numpy_step(samples)
                m = max_abs_diff()
                per_update[update] = m
                update += 1
                bad = None if m <= atol else run.violations()
                if bad is None or bad.size == 0:   # every element within atol (fast), or within the rule
                    since_last = m if m > since_last else since_last
                    if run.has_state:
                        where = f"update {update} (epoch {epoch}, batch {batch}, samples {samples.tolist()})"
                        failure = run.state_failure(where, update)
                        if failure is not None:
                            from compare.lockstep.replay import replay_failure
                            failure = replay_failure(e, run.initial, update, numpy_factory=numpy_factory,
                                                     label=label, resync=resync) or failure
                            raise ParityError(failure["message"], failure, report(failure))
                    continue
                numpy_finite, torch_finite = run.numpy.is_finite(), run.torch.is_finite()
                where = f"update {update} (epoch {epoch}, batch {batch}, samples {samples.tolist()})"
                # both sides non-finite, or one side while the other has grown big enough to overflow (rounding
                # decides which side overflows first): a divergence, not a disagreement
                if (not numpy_finite and (not torch_finite or exploded(run.theirs, e.n_layers))) or (
                        not torch_finite and exploded(run.numpy.theta, e.n_layers)):
                    raise divergence(e, where, "numpy " + (first_nonfinite_parameter(e.sizes, run.numpy.theta)
                                                           or "finite (but huge)") + ", torch "
                                     + (first_nonfinite_parameter(e.sizes, run.theirs) or "finite (but huge)"),
                                     update=update, report=report())
                from compare.lockstep.replay import replay_failure
                failure = (replay_failure(e, run.initial, update, numpy_factory=numpy_factory, label=label,
                                          resync=resync)
                           or describe_mismatch(run, bad, update=update, epoch=epoch, batch=batch, samples=samples))
                raise ParityError(failure["message"], failure, report(failure))
            if epoch % e.report_every == 0 or epoch == e.epochs - 1:
                diff_log.append((epoch, since_last))
                since_last = 0.0
            if epoch % e.report_every == 0:
                numpy_loss, torch_loss = run.numpy.log_loss(), run.torch.log_loss()
                if not (np.isfinite(numpy_loss) and np.isfinite(torch_loss)):
                    raise divergence(e, f"epoch {epoch} (update {update})", f"the loss is {numpy_loss!r} "
                                     f"(numpy), {torch_loss!r} (torch)", update=update, report=report())
                numpy_log.append((epoch, numpy_loss))
                torch_log.append((epoch, torch_loss))
                if on_epoch is not None:
                    on_epoch(epoch, numpy_loss)
            elif on_epoch is not None:
                on_epoch(epoch, None)
    return report()

