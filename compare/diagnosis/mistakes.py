"""More classic mistakes of a hand-derived backprop, rebuilt from the correct side's own ingredients.

Each function returns (sentence, the gradient that mistake computes) pairs for one layer; `compare.diagnosis.hints`
names a sentence only when its gradient equals the user's at every element (up to rounding), so a hint here
is a formula that reproduces the user's numbers exactly, never a guess.

    target_mistakes     the output error built from the wrong targets: the batch's mean target, targets
                        turned round with reshape where a transpose was meant, the outputs' columns swapped;
                        and the error summed over the outputs before f'(Z_L)
    batch_sum_mistakes  the batch's deltas summed (or averaged) over the samples before going down a layer
    one_sample_dw       dW from one sample of the batch only

Layers are indexed from 0 here (i), named from 1 in sentences (layer i + 1). Every dZ is autograd's dL/dZ of
the batch loss, i.e. the per-sample delta already divided by the batch size B (not under reduction "sum").
"""

from __future__ import annotations

import numpy as np


def _output_scale(loss: str, n_outputs: int, batch: int, fprime: np.ndarray | None, reduction: str = "mean",
                  bce_outputs: str = "mean", mse_scale: float = 0.5) -> np.ndarray | float | None:
    """d(dL/dZ_L)/d(-T): how the output layer's dL/dZ moves when the targets move (it is linear in T). The
    loss's conventions: summed over the batch, no 1/B; BCE summed over the outputs, no 1/K; MSE without its
    1/2 (`mse_scale` 1), 2 (a - t)."""
    batch = batch if reduction == "mean" else 1
    if loss == "bce" and bce_outputs == "sum":
        n_outputs = 1
    if loss in ("sum", "mean"):
        if fprime is None:
            return None
        return fprime / batch / (n_outputs if loss == "mean" else 1) * (2 * mse_scale)
    if loss == "bce":
        return 1.0 / (n_outputs * batch)
    return 1.0 / batch     # cross_entropy: dL/dZ = (A - T) / B


def target_mistakes(dZ: np.ndarray, T: np.ndarray, loss: str, fprime: np.ndarray | None,
                    layer: int, reduction: str = "mean", bce_outputs: str = "mean",
                    mse_scale: float = 0.5) -> list[tuple[str, np.ndarray]]:
    """(sentence, the output layer's dL/dZ that the mistake computes), from the right dL/dZ and targets T."""
    B, K = T.shape
    scale = _output_scale(loss, K, B, fprime, reduction, bce_outputs, mse_scale)
    if scale is None:
        return []
    out = []
    wrong_targets = []
    if B > 1:
        wrong_targets.append(("every sample's error uses the batch's MEAN target (T.mean(axis=0)), not its own "
                              "row of targets", np.broadcast_to(T.mean(axis=0, keepdims=True), T.shape)))
    if B > 1 and K > 1:
        text = ("the targets were turned round with reshape where a transpose was meant (reshape keeps the "
                "memory order and mixes samples with outputs)")
        wrong_targets.append((text, T.reshape(K, B).T))
        wrong_targets.append((text, T.T.reshape(B, K)))
    if K > 1:
        wrong_targets.append((f"the outputs' columns are paired with the wrong targets (columns in reverse order: "
                              f"output k compared with target {K}-1-k)", T[:, ::-1]))
    seen: list[np.ndarray] = []
    for text, T_wrong in wrong_targets:
        if np.array_equal(T_wrong, T) or any(np.array_equal(T_wrong, s) for s in seen):
            continue   # the mistake changes nothing on this batch (or was already named)
        seen.append(T_wrong)
        out.append((f"delta{layer}: {text}", dZ + (T - T_wrong) * scale))
    if K > 1 and fprime is not None and loss in ("sum", "mean"):
        with np.errstate(divide="ignore", invalid="ignore"):
            upstream = np.where(fprime != 0, dZ / fprime, 0.0)      # dL/dA_L, divided by B
        summed = np.broadcast_to(upstream.sum(axis=1, keepdims=True), upstream.shape) * fprime
        out.append((f"the output error is summed over the {K} outputs before it is multiplied by f'(Z{layer}): "
                    "the outputs' errors are merged into one", summed))
    return out


def batch_sum_mistakes(dZ_above: np.ndarray, W_above: np.ndarray, fprime: np.ndarray,
                       layer: int) -> list[tuple[str, np.ndarray]]:
    """delta of layer `layer` when the batch's deltas of the layer above were summed (or averaged) over the
    samples before going down: one row, broadcast to every sample."""
    B = dZ_above.shape[0]
    if B < 2:
        return []
    summed = (dZ_above.sum(axis=0, keepdims=True) @ W_above.T) * fprime
    text = (f"delta{layer + 1} was summed over the batch's samples before going down to layer {layer}: the "
            "samples' rows are merged too early")
    return [(text, summed), (text.replace("summed over", "averaged over"), summed / B)]


def one_sample_dw(A_prev: np.ndarray, dZ: np.ndarray, layer: int) -> list[tuple[str, np.ndarray]]:
    """dW of layer `layer` built from one sample (row r) of the batch only, as written or scaled by B."""
    B = dZ.shape[0]
    out = []
    for r in range(B if B > 1 else 0):
        single = A_prev[r:r + 1].T @ dZ[r:r + 1]
        which = "the first" if r == 0 else "the last" if r == B - 1 else f"sample {r} of the"
        text = (f"your dW{layer} comes from {which} sample of the batch only (row {r}): the other {B - 1} "
                f"row{'s' if B > 2 else ''} of the batch are left out")
        out += [(text, single), (text, single * B)]
    return out
