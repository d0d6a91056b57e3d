"""Both trainers side by side, from identical weights: the comparison of every parameter after an update
(`Lockstep.max_abs_diff`), the exact tolerance rule (`violations`), and `resync` (NumPy takes torch's state).

The comparison is four vectorised operations on flat buffers (torch's parameters gathered into the seed order
with a fixed index map, subtract, abs, max); the harness (`compare.lockstep.harness`) and the replay
(`compare.lockstep.replay`) each drive a `Lockstep`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from compare.diagnosis.failure import Failure
from compare.diagnosis.stagecheck import UpdateSite
from compare.experiment.definition import Experiment
from compare.experiment.initial import initial_parameters
from compare.running.loops import torch_trainer
from compare.running.optimizer_state import (
    LABELS,
    SYMBOLS,
    counts_steps,
    full_layout,
    load_numpy_state,
    numpy_state,
    state_names,
    torch_parameters,
    torch_state,
)
from compare.running.parameters import locate
from compare.running.tolerances import state_tolerance_for, tolerance_for

# parameters from which `Lockstep.max_abs_diff` copies torch's parameters layer by layer instead of gathering
# them by the index map: the gather takes fewer Python calls, the copies less memory traffic (where the two
# cross: `python -m bench scaling`)
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
        e = self.experiment
        out = {name: full_layout(seed, e) for name, seed in arrays.items()}
        if steps is not None:
            out["step"] = full_layout([float(t) for t in steps], e, counts=True)
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

    def state_failure(self, where: UpdateSite, label: str = "numpy") -> Failure | None:
        """Compare every optimizer state quantity of every parameter (after `max_abs_diff` found the
        parameters in agreement); the failure record of the first one out of tolerance, or None. The step
        counts must be equal."""
        e = self.experiment
        ours, theirs = numpy_state(self.numpy.optimizer, e), self.torch_state()
        tol = state_tolerance_for(e.dtype)
        if ours.keys() != theirs.keys():
            message = (f"parity FAILED at {where.describe()}, stage optimizer state: {label} keeps "
                       f"{', '.join(ours) or 'nothing'}, torch {', '.join(theirs) or 'nothing'}")
            return Failure(message, where.update, where.epoch, where.batch, tuple(where.samples),
                           "optimizer state", 0, "", "", (0, 0), (label, "torch"), 0.0, 0.0, ())
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
            a, b = float(mine[first]), float(want[first])
            if name == "step":
                names = [f"{kind}{layer}" for layer in range(1, e.n_layers + 1) for kind in ("W", "b")]
                label_at, layer, element = names[first], first // 2 + 1, (0, 0)
            else:
                parameter, layer, element, _, _ = locate(e.sizes, first)
                label_at = f"{parameter}[{element[0]}, {element[1]}]"
            message = (f"parity FAILED at {where.describe()}, stage optimizer state: {LABELS[name]} of {label_at}: "
                       f"{label} {a!r}, torch {b!r}, |diff| {abs(a - b):.3g} > tolerance "
                       f"({'equal counts' if name == 'step' else tol.describe()}); every weight and bias agrees")
            parameter = label_at.split("[")[0]
            return Failure(message, where.update, where.epoch, where.batch, tuple(where.samples),
                           "optimizer state", layer, parameter, f"{SYMBOLS[name]}_{parameter}", element,
                           (label, "torch"), a, b, (name,), state=name)
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
