"""The NumPy training step and loop.

`NumpyTrainer.step(indices)` is THE step: `train` below drives it with NumPy's own sample order, and the
harness (`compare.lockstep.harness`) drives the same object with the indices torch's DataLoader yields.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from compare.experiment.definition import Experiment
from compare.running.divergence import divergence, end_of_epoch, first_nonfinite, first_nonfinite_parameter, step_stages
from compare.running.history import History
from numpy_impl import losses
from numpy_impl.network import backward, forward
from numpy_impl.optimizer import SGD
from numpy_impl.optimizers import make_optimizer
from numpy_impl.schedule import epoch_batches
from numpy_impl.workspace import Workspace, layer_views

ForwardFn = Callable[[list, list, np.ndarray], tuple[list, list]]            # (W, b, X) -> (Zs, activations)
BackwardFn = Callable[[list, list, list, np.ndarray], tuple[list, list]]     # (W, Zs, activations, T) -> (dW, db)


class NumpyTrainer:
    """The network's parameters, the optimizer's state and the data, in `dtype`.

    All parameters live in one flat buffer `theta` (W1, b1, W2, b2, ... in the seed layout, row-major);
    `weights[l]` and `biases[l]` are views into it, so the harness compares the whole model in one
    vectorised operation and the optimizer's in-place updates show up there at once.
    """

    def __init__(self, experiment: Experiment, weights: list[np.ndarray], biases: list[np.ndarray], *,
                 forward_fn: ForwardFn | None = None, backward_fn: BackwardFn | None = None,
                 theta: np.ndarray | None = None):
        """`theta`: a 1-D array of the right size and dtype to keep the parameters in (the harness passes
        shared memory, `compare.lockstep.worker`); a new one by default."""
        self.experiment = e = experiment
        dtype = np.dtype(e.dtype)
        shapes = list(zip(e.sizes[:-1], e.sizes[1:]))
        count = sum(n_in * n_out + n_out for n_in, n_out in shapes)
        if theta is not None and (theta.shape != (count,) or theta.dtype != dtype):
            raise ValueError(f"theta: expected shape ({count},) and dtype {dtype}, found {theta.shape} {theta.dtype}")
        self.theta = np.empty(count, dtype) if theta is None else theta
        self.weights, self.biases = layer_views(self.theta, e.sizes)
        for l, (W, b, W0, b0) in enumerate(zip(self.weights, self.biases, weights, biases)):
            if np.shape(W0) != W.shape or np.shape(b0) != b.shape:
                raise ValueError(f"initial layer {l + 1}: expected W {W.shape} and b {b.shape},"
                                 f" found {np.shape(W0)} and {np.shape(b0)}")
            W[...] = W0
            b[...] = b0
        # the step's gradients, laid out as theta (dW[l], db[l] views: `numpy_impl.workspace`)
        self.grad = np.empty_like(self.theta)
        dW, db = layer_views(self.grad, e.sizes)
        self._grads = [g for pair in zip(dW, db) for g in pair]               # torch's order: dW1, db1, ...
        self.X = np.ascontiguousarray(e.inputs, dtype=dtype)                   # (N, n_0)
        self.T = np.ascontiguousarray(e.targets, dtype=dtype)                  # (N, n_L)
        acts = dict(hidden_activation=e.hidden_activation, output_activation=e.output_activation,
                    leaky_slope=e.leaky_slope)
        self.forward: ForwardFn = forward_fn or partial(forward, **acts)
        self.backward: BackwardFn = backward_fn or partial(backward, loss=e.loss, **acts)
        # the step writes into preallocated arrays while forward and backward are ours (a user's functions,
        # or a backward wrapped by `compare explain`, take the general path)
        self._ours = (self.forward, self.backward) if forward_fn is None and backward_fn is None else (None, None)
        self._workspaces: dict[int, Workspace] = {}
        params = [p for pair in zip(self.weights, self.biases) for p in pair]  # torch's order: W1, b1, ...
        self.optimizer = (SGD(params, **e.optimizer_options, whole=(self.theta, self.grad, self._grads))
                          if e.optimizer == "sgd" else make_optimizer(e.optimizer, params, **e.optimizer_options))
        self.updates = 0

    def gradients(self, X: np.ndarray, T: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """dL/dW, dL/db on one batch, weights untouched."""
        Zs, activations = self.forward(self.weights, self.biases, X)
        return self.backward(self.weights, Zs, activations, T)

    def step(self, indices: np.ndarray) -> tuple[list, list, list, list]:
        """One update on the samples `indices` (rows of the data set). Returns what it computed on the way,
        (Zs, activations, dW, db), so that a caller can inspect every stage of this very update for free.

        With our own forward and backward the arrays are the step's workspace (`numpy_impl.workspace`),
        overwritten by the next step: copy what you keep."""
        forward_fn, backward_fn = self.forward, self.backward
        if forward_fn is self._ours[0] and backward_fn is self._ours[1]:
            ws = self._workspaces.get(len(indices)) or self._workspace(len(indices))
            # the rows of the batch, gathered into the workspace (ndarray.take: np.take's wrapper costs
            # more than the gather itself on a 1-row batch)
            X = self.X.take(indices, 0, ws.X)                                  # (B, n_0)
            T = self.T.take(indices, 0, ws.T)                                  # (B, n_L)
            Zs, activations = forward_fn(self.weights, self.biases, X, workspace=ws)
            dW, db = backward_fn(self.weights, Zs, activations, T, workspace=ws)
            self.optimizer.step(self._grads)       # dW and db are its views: `SGD(whole=...)`
        else:
            X = self.X[indices]                                                # (B, n_0)
            T = self.T[indices]                                                # (B, n_L)
            Zs, activations = forward_fn(self.weights, self.biases, X)
            dW, db = backward_fn(self.weights, Zs, activations, T)
            self.optimizer.step([g for pair in zip(dW, db) for g in pair])
        self.updates += 1
        return Zs, activations, dW, db

    def _workspace(self, batch_size: int) -> Workspace:
        ws = self._workspaces[batch_size] = Workspace(self.experiment.sizes, batch_size, self.theta.dtype,
                                                      self.grad)
        return ws

    def is_finite(self) -> bool:
        # one reduction on the fast path; the exact test only when it is not finite (it may overflow)
        with np.errstate(over="ignore", invalid="ignore"):
            if np.isfinite(self.theta.dot(self.theta)):
                return True
        return bool(np.isfinite(self.theta).all())

    def evaluate(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The forward pass on the whole data set."""
        return self.forward(self.weights, self.biases, self.X)

    def log_loss(self) -> float:
        Zs, activations = self.evaluate()
        return losses.log_value(self.experiment.loss, Zs[-1], activations[-1], self.T)

    def parameters(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Copies of the weights and biases (seed layout)."""
        return [W.copy() for W in self.weights], [b.copy() for b in self.biases]


def train(experiment: Experiment, weights: list[np.ndarray], biases: list[np.ndarray], *,
          on_epoch: Callable[[int, float | None], None] | None = None) -> History:
    """Train with NumPy's own sample order; return the history. Raises DivergenceError on NaN/inf."""
    trainer = NumpyTrainer(experiment, weights, biases)
    rng = np.random.default_rng(experiment.seed)
    e = experiment
    log: list[tuple[int, float]] = []
    # the sigmoid overflows harmlessly (e^-z = inf for z << 0): silenced once per run, not per update
    with np.errstate(over="ignore"):
        for epoch in range(e.epochs):
            for batch, indices in enumerate(epoch_batches(rng, e.n_samples, e.effective_batch_size,
                                                          e.resolved_order, e.effective_samples_per_epoch,
                                                          e.drop_last)):
                stages = trainer.step(indices)
                if not trainer.is_finite():
                    found = (first_nonfinite(step_stages(*stages))
                             or first_nonfinite_parameter(e.sizes, trainer.theta))
                    raise divergence(e, f"update {trainer.updates} (epoch {epoch}, batch {batch}, samples "
                                     f"{indices.tolist()})", f"first non-finite value {found}",
                                     update=trainer.updates)
            end_of_epoch(e, epoch, trainer.updates, trainer.log_loss, log, on_epoch)
    final_w, final_b = trainer.parameters()
    return History("numpy", experiment, log, trainer.evaluate()[1][-1].copy(), trainer.updates,
                   [np.array(w) for w in weights], [np.array(b) for b in biases], final_w, final_b)
