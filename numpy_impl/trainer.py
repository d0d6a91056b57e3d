"""The NumPy training step: `NumpyTrainer.step(indices)` is THE step, whoever chooses the samples.

A training loop (NumPy's own order, or the indices torch's DataLoader yields) drives the same object, one
`step` per batch: forward, backward, the optimizer's update.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from numpy_impl import losses
from numpy_impl.config import TrainingConfig
from numpy_impl.network import backward, forward
from numpy_impl.optimizers import make_optimizer
from numpy_impl.workspace import Workspace, layer_views, parameter_count

# (W, b, X, workspace=...) -> (Zs, activations)
ForwardFn = Callable[..., tuple[list, list]]
# (W, Zs, activations, T, workspace=...) -> (dW, db)
BackwardFn = Callable[..., tuple[list, list]]


class NumpyTrainer:
    """The network's parameters, the optimizer's state and the data, in `dtype`.

    All parameters live in one flat array `theta` (W1, b1, W2, b2, ... in the seed layout, row-major);
    `weights[l]` and `biases[l]` are views into it, so the whole model can be read (compared, copied,
    tested for NaN) in one operation and the optimizer's in-place updates show up there at once.

    `forward_fn` and `backward_fn` replace `numpy_impl.network.forward` and `backward` (a student's own);
    they are called with the same arguments, `workspace=` included (free to ignore it).
    """

    def __init__(self, experiment: TrainingConfig, weights: list[np.ndarray], biases: list[np.ndarray], *,
                 forward_fn: ForwardFn | None = None, backward_fn: BackwardFn | None = None):
        self.experiment = e = experiment
        dtype = np.dtype(e.dtype)
        self.theta = np.empty(parameter_count(e.sizes), dtype)
        self.weights, self.biases = layer_views(self.theta, e.sizes)
        for l, (W, b, W0, b0) in enumerate(zip(self.weights, self.biases, weights, biases)):
            if np.shape(W0) != W.shape or np.shape(b0) != b.shape:
                raise ValueError(f"initial layer {l + 1}: expected W {W.shape} and b {b.shape},"
                                 f" found {np.shape(W0)} and {np.shape(b0)}")
            W[...] = W0
            b[...] = b0
        self.grad = np.empty_like(self.theta)           # dL/dtheta of the last step, laid out as theta
        self.X = np.ascontiguousarray(e.inputs, dtype=dtype)                   # (N, n_0)
        self.T = np.ascontiguousarray(e.targets, dtype=dtype)                  # (N, n_L)
        acts = dict(hidden_activation=e.hidden_activation, output_activation=e.output_activation,
                    leaky_slope=e.leaky_slope)
        self.forward: ForwardFn = forward_fn or partial(forward, **acts)
        # the conventions (`reduction`, `bce_outputs`, the L2 penalty in the loss) default to torch's own
        conventions = dict(reduction=getattr(e, "reduction", "mean"), bce_outputs=getattr(e, "bce_outputs", "mean"),
                           l2=getattr(e, "l2", 0.0), l2_biases=getattr(e, "l2_biases", False),
                           mse_scale=getattr(e, "mse_scale", 0.5))
        self.backward: BackwardFn = backward_fn or partial(backward, loss=e.loss, biases=self.biases, **acts,
                                                           **conventions)
        self._workspaces: dict[int, Workspace] = {}
        # without biases (`bias = False`) they stay 0 and are no parameters; `weight_decay_biases = False`:
        # one parameter group per parameter, in torch's order, the biases' with no weight decay
        self.has_bias = getattr(e, "bias", True)
        params: list = ([p for pair in zip(self.weights, self.biases) for p in pair] if self.has_bias   # W1, b1, ...
                        else list(self.weights))
        if self.has_bias and not getattr(e, "weight_decay_biases", True):
            params = [{"params": [p]} if k % 2 == 0 else {"params": [p], "weight_decay": 0.0}
                      for k, p in enumerate(params)]
        self.optimizer = make_optimizer(e.optimizer, params, **e.optimizer_options)
        self.updates = 0

    def workspace(self, batch_size: int) -> Workspace:
        """The arrays a step on `batch_size` samples writes into, kept from step to step."""
        ws = self._workspaces.get(batch_size)
        if ws is None:
            ws = self._workspaces[batch_size] = Workspace(self.experiment.sizes, batch_size, self.theta.dtype,
                                                          self.grad)
        return ws

    def gradients(self, X: np.ndarray, T: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """dL/dW, dL/db on one batch, weights untouched."""
        Zs, activations = self.forward(self.weights, self.biases, X)
        return self.backward(self.weights, Zs, activations, T)

    def step(self, indices: np.ndarray) -> tuple[list, list, list, list]:
        """One update on the samples `indices` (rows of the data set). Returns what it computed on the way,
        (Zs, activations, dW, db), so that a caller can inspect every stage of this very update.

        The arrays are the step's workspace, overwritten by the next step: copy what you keep."""
        ws = self.workspace(len(indices))
        X = self.X.take(indices, 0, ws.X)                                      # (B, n_0), the batch's rows
        T = self.T.take(indices, 0, ws.T)                                      # (B, n_L)
        Zs, activations = self.forward(self.weights, self.biases, X, workspace=ws)
        dW, db = self.backward(self.weights, Zs, activations, T, workspace=ws)
        if self.has_bias:
            self.optimizer.step([g for pair in zip(dW, db) for g in pair])    # dW1, db1, dW2, ...
        else:
            for g in db:
                g[...] = 0                      # no biases: nothing to learn there, b stays 0
            self.optimizer.step(list(dW))
        self.updates += 1
        return Zs, activations, dW, db

    def is_finite(self) -> bool:
        # one reduction first; the exact test only when it is not finite (the dot may overflow)
        with np.errstate(over="ignore", invalid="ignore"):
            if np.isfinite(self.theta.dot(self.theta)):
                return True
        return bool(np.isfinite(self.theta).all())

    def evaluate(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The forward pass on the whole data set, into new arrays."""
        return self.forward(self.weights, self.biases, self.X)

    def log_loss(self) -> float:
        Zs, activations = self.evaluate()
        return losses.log_value(self.experiment.loss, Zs[-1], activations[-1], self.T)

    def parameters(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Copies of the weights and biases (seed layout)."""
        return [W.copy() for W in self.weights], [b.copy() for b in self.biases]
