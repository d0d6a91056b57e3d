"""The forward pass and the backward pass of a fully connected network, as pure functions.

Nothing here mutates its arguments: the gradients can be checked on their own, before any update, and only
the optimizer (`numpy_impl.optimizer`) changes weights. Every intermediate is written into a workspace
(`numpy_impl.workspace`), the caller's or a fresh one.
"""

from __future__ import annotations

import numpy as np

from numpy_impl.activations import activate, derivative
from numpy_impl.losses import output_delta
from numpy_impl.workspace import Workspace, sizes_of


def forward(weights: list[np.ndarray], biases: list[np.ndarray], X: np.ndarray, *,
            hidden_activation: str = "sigmoid", output_activation: str = "sigmoid",
            leaky_slope: float = 0.01, workspace: Workspace | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Zs = [Z1, ..., ZL] and activations = [X, A1, ..., AL] for a batch X: (B, n_0).

        Z[l] = A[l-1] @ W[l] + b[l],   A[l] = f(Z[l])     (A[0] = X; f the output activation at l = L)
    """
    X = np.asarray(X)
    ws = workspace or Workspace(sizes_of(weights), X.shape[0], np.result_type(X, weights[0], 1.0))
    Zs: list[np.ndarray] = []
    activations = [X]
    last = len(weights) - 1
    for l, (W, b) in enumerate(zip(weights, biases)):
        Z = np.matmul(activations[-1], W, out=ws.Zs[l])                   # (B, n_{l+1})
        Z += b                                                            # A @ W + b
        f = output_activation if l == last else hidden_activation
        Zs.append(Z)
        activations.append(activate(f, Z, leaky_slope, out=ws.As[l]))     # (B, n_{l+1})
    return Zs, activations


def backward(weights: list[np.ndarray], Zs: list[np.ndarray], activations: list[np.ndarray],
             T: np.ndarray, *, loss: str = "sum", hidden_activation: str = "sigmoid",
             output_activation: str = "sigmoid", leaky_slope: float = 0.01,
             reduction: str = "mean", bce_outputs: str = "mean", l2: float = 0.0, l2_biases: bool = False,
             mse_scale: float = 0.5, biases: list[np.ndarray] | None = None, deltas: list[np.ndarray] | None = None,
             workspace: Workspace | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """dL/dW[l] and dL/db[l] for every layer, L the batch mean of the per-sample loss (`reduction` "sum":
    their sum, so no division by B), plus the L2 penalty l2/2 sum W^2 when `l2` > 0 (`l2_biases`: the
    biases, passed as `biases`, too); `mse_scale` the MSE losses' factor of (t - a)^2 (0.5: the lesson's).

        delta_L    = dL_i/dZ_L                                (numpy_impl.losses.output_delta)
        dW[l]      = A[l-1].T @ delta[l] / B,   db[l] = sum_i delta[l] / B
        delta[l-1] = (delta[l] @ W[l].T) * f'(Z[l-1])         (the chain rule, one layer down)
        dW[l]     += l2 * W[l]   (db[l] += l2 * b[l])         (d/dW of l2/2 W^2; the deltas never see it)

    `deltas`, when a list is given, receives delta[l] of every layer (deltas[l]: (B, n_{l+1}), per sample)
    so that `compare explain` can show the very deltas this pass used; nothing else changes.
    """
    T = np.asarray(T)
    B = T.shape[0]
    L = len(weights)
    ws = workspace or Workspace(sizes_of(weights), B, np.result_type(T, weights[0], activations[-1], 1.0))
    dW: list[np.ndarray] = [ws.dW[l] for l in range(L)]
    db: list[np.ndarray] = [ws.db[l] for l in range(L)]
    delta = output_delta(loss, Zs[-1], activations[-1], T, output_activation, leaky_slope,
                         out=ws.deltas[-1], scratch=ws.derivatives[-1], bce_outputs=bce_outputs,
                         mse_scale=mse_scale)                                                      # (B, n_L)
    average = reduction == "mean"
    if deltas is not None:
        deltas[:] = [None] * L
    for l in range(L - 1, -1, -1):
        if deltas is not None:
            deltas[l] = delta
        activations[l].T.dot(delta, out=dW[l])                            # (n_l, n_{l+1})
        np.add.reduce(delta, axis=0, out=db[l], keepdims=True)            # (1, n_{l+1}), as np.sum
        if average:
            dW[l] /= B
            db[l] /= B
        if l2:
            dW[l] += l2 * weights[l]
            if l2_biases and biases is not None:
                db[l] += l2 * biases[l]
        if l > 0:
            # Z[l-1] is Zs[l-1] and its activation is activations[l] (activations[0] is X)
            next_delta = delta.dot(weights[l].T, out=ws.deltas[l - 1])                     # (B, n_l)
            next_delta *= derivative(hidden_activation, Zs[l - 1], activations[l], leaky_slope,
                                     out=ws.derivatives[l - 1])
            delta = next_delta
    return dW, db
