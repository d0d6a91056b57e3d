"""Losses: their value, and the output layer's delta (dL_i/dZ_L per sample) that starts backprop.

Per sample i, with outputs a = A_L[i], targets t = T[i], K outputs; the batch loss is the mean over samples
(`reduction = "mean"`, torch's default) or their sum (`reduction = "sum"`, torch's `reduction="sum"`: every
gradient B times the mean's; the per-sample delta below is the same, only the division by B in
`numpy_impl.network.backward` goes).

- `sum`  (the seed's):  L_i = sum_k (t_k - a_k)^2 / 2           dL_i/da = a - t
- `mean` (MSELoss/2):   L_i = sum_k (t_k - a_k)^2 / (2K)        dL_i/da = (a - t) / K
  and then, by the chain rule through a = f(z) elementwise,  delta_L = dL_i/da * f'(Z_L).
  `mse_scale` is the factor of each element's (t_k - a_k)^2: 0.5 above (the lesson's), 1 for code without
  the 1/2 (torch's MSELoss, Keras, nnfs): L_i and dL_i/da both 2 * mse_scale times the lines above.

- `bce` (BCELoss, mean over outputs too; `bce_outputs = "sum"` sums over the outputs instead: drop the 1/K
  below, as in code that writes the cost as -sum(Y log A + (1 - Y) log(1 - A)) per sample), a = sigmoid(z):
      L_i = -(1/K) sum_k [t_k log a_k + (1 - t_k) log(1 - a_k)]
      dL_i/da_k = -(1/K) [t_k / a_k - (1 - t_k) / (1 - a_k)]
                = (1/K) [-t_k (1 - a_k) + (1 - t_k) a_k] / (a_k (1 - a_k))
                = (1/K) (a_k - t_k) / (a_k (1 - a_k))
      da_k/dz_k = a_k (1 - a_k)                      (the sigmoid's derivative, from A)
      delta_L   = dL_i/da * da/dz = (A_L - T) / K    the a (1 - a) cancels:
  BCE does not stall on a saturated output the way MSE does (there delta keeps the factor a (1 - a) -> 0).

- `cross_entropy` (CrossEntropyLoss on the logits z, a = softmax(z), one-hot t with sum_k t_k = 1):
      L_i = -sum_k t_k log a_k,   log a_k = z_k - log sum_j exp(z_j)
          = -sum_k t_k z_k + log sum_j exp(z_j)      (using sum_k t_k = 1)
      dL_i/dz_m = -t_m + exp(z_m) / sum_j exp(z_j) = a_m - t_m
      delta_L   = A_L - T
  The same answer through the softmax Jacobian da_k/dz_m = a_k (1[k = m] - a_m):
      sum_k (-t_k / a_k) a_k (1[k = m] - a_m) = -t_m + a_m sum_k t_k = a_m - t_m.

The stable forms, as torch computes them: log-softmax with the row maximum taken out (log-sum-exp, never
overflows); BCE's logs clamped at -100 in the value, and its backward divides by max(a (1 - a), 1e-12),
which we copy in `output_delta` (see there).
"""

from __future__ import annotations

import numpy as np

from numpy_impl.activations import derivative

# torch's clamp in binary_cross_entropy_backward: its EPSILON is the float32 number nearest 1e-12
# (9.99999996e-13) even in float64; with exactly 1e-12 a saturated BCE gradient differs by 4e-9 relative
BCE_EPSILON = float(np.float32(1e-12))


def log_softmax(Z: np.ndarray) -> np.ndarray:
    # log-sum-exp with the row maximum taken out: exact in exact arithmetic, never overflows
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def value(loss: str, Z_L: np.ndarray, A_L: np.ndarray, T: np.ndarray, *, reduction: str = "mean",
          bce_outputs: str = "mean", mse_scale: float = 0.5) -> float:
    """The loss that training descends: averaged over the batch (`reduction` "mean") or summed ("sum")."""
    B, K = T.shape
    total = B if reduction == "sum" else 1        # the batch mean times B: the sum over samples
    if loss == "sum":
        return float(np.sum((T - A_L) ** 2) / 2 / B) * total * (2 * mse_scale)
    if loss == "mean":
        return float(np.mean((T - A_L) ** 2) / 2) * total * (2 * mse_scale)
    if loss == "bce":
        # torch's BCELoss clamps each log at -100 so that a saturated output gives a large, finite loss
        with np.errstate(divide="ignore"):
            log_a = np.maximum(np.log(A_L), -100.0)
            log_1a = np.maximum(np.log(1 - A_L), -100.0)
        outputs = K if bce_outputs == "sum" else 1    # the mean over outputs times K: their sum
        return float(-np.mean(T * log_a + (1 - T) * log_1a)) * total * outputs
    if loss == "cross_entropy":
        return float(-np.sum(T * log_softmax(Z_L)) / B) * total
    raise ValueError(f"unknown loss {loss!r}")


def log_value(loss: str, Z_L: np.ndarray, A_L: np.ndarray, T: np.ndarray) -> float:
    """What the seed prints: mean((T - A)^2 / 2) over all samples and outputs for both MSE conventions;
    the loss's own data-set mean for bce and cross_entropy."""
    if loss in ("sum", "mean"):
        return float(np.mean(np.square(T - A_L) / 2))
    return value(loss, Z_L, A_L, T)


def l2_penalty(weights: list[np.ndarray], biases: list[np.ndarray], l2: float, l2_biases: bool = False) -> float:
    """The L2 penalty in the loss: l2/2 x the sum of every squared weight (and bias, `l2_biases`); its
    gradient is l2 x W (and l2 x b), added in `numpy_impl.network.backward`."""
    params = list(weights) + (list(biases) if l2_biases else [])
    return float(l2 / 2 * sum(np.sum(np.square(p)) for p in params)) if l2 else 0.0


def output_delta(loss: str, Z_L: np.ndarray, A_L: np.ndarray, T: np.ndarray, output_activation: str,
                 slope: float = 0.01, out: np.ndarray | None = None,
                 scratch: np.ndarray | None = None, bce_outputs: str = "mean",
                 mse_scale: float = 0.5) -> np.ndarray:
    """delta_L = dL_i/dZ_L for every sample i of the batch: (B, K), written into `out` when given;
    `scratch`, a (B, K) array for f'(Z_L), when given; `mse_scale` the MSE losses' factor of (t - a)^2."""
    K = T.shape[1] if loss != "bce" or bce_outputs == "mean" else 1   # BCE summed over outputs: no 1/K
    if loss in ("sum", "mean"):
        delta = np.subtract(A_L, T, out=out)                                    # a - t
        delta *= derivative(output_activation, Z_L, A_L, slope, out=scratch)    # (a - t) f'(z)
        if loss == "mean":
            delta /= K                                                          # (a - t) f'(z) / K
        if mse_scale != 0.5:
            delta *= 2 * mse_scale          # d/da of mse_scale (t - a)^2 is 2 mse_scale (a - t), not (a - t)
        return delta
    if loss == "bce":
        delta = (A_L - T) / K
        # torch's BCELoss divides by max(a (1 - a), 1e-12) before the sigmoid multiplies by a (1 - a): where
        # the output has saturated (a (1 - a) < 1e-12) the two no longer cancel and torch's gradient is
        # scaled by a (1 - a) / 1e-12. We follow it, or parity would break exactly where BCE saturates.
        slope_a = A_L * (1 - A_L)
        saturated = slope_a < BCE_EPSILON
        if saturated.any():
            delta = np.where(saturated, delta * slope_a / BCE_EPSILON, delta)
        return delta if out is None else _into(out, delta)
    if loss == "cross_entropy":
        return np.subtract(A_L, T, out=out)                                     # a - t
    raise ValueError(f"unknown loss {loss!r}")


def _into(out: np.ndarray, values: np.ndarray) -> np.ndarray:
    np.copyto(out, values)
    return out
