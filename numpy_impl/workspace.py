"""The arrays one batch size writes into: X, T, Z, A, delta, f'(Z), dW and db.

`numpy_impl.network.forward` and `backward` always write every intermediate into a `Workspace` (with
NumPy's `out=` arguments): the trainer keeps one per batch size from update to update, a lone call gets a
fresh one. Writing into existing arrays rounds exactly as allocating new ones would, so the numbers are the
same either way; the arrays are overwritten by the next step of the same batch size, so a caller that keeps
a step's results past the next step copies them.
"""

from __future__ import annotations

import numpy as np


def layer_views(flat: np.ndarray, sizes: tuple[int, ...]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Views W[l] (n_l, n_{l+1}) and b[l] (1, n_{l+1}) into one flat array laid out W1, b1, W2, b2, ...
    (the seed layout, row-major): how `NumpyTrainer` keeps its parameters and its gradients."""
    weights, biases = [], []
    offset = 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append(flat[offset:offset + n_in * n_out].reshape(n_in, n_out))   # (n_in, n_out)
        offset += n_in * n_out
        biases.append(flat[offset:offset + n_out].reshape(1, n_out))              # (1, n_out)
        offset += n_out
    return weights, biases


def parameter_count(sizes: tuple[int, ...]) -> int:
    """Numbers in W1, b1, ..., WL, bL together."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def sizes_of(weights: list[np.ndarray]) -> tuple[int, ...]:
    """(n_0, n_1, ..., n_L) from W[l]: (n_l, n_{l+1})."""
    return (weights[0].shape[0],) + tuple(W.shape[1] for W in weights)


class Workspace:
    """Arrays for batches of `batch_size` rows through a network of `sizes`, in `dtype`. dW and db are views
    into `grad`, one flat array in the parameters' layout (`layer_views`): a new one unless given."""

    def __init__(self, sizes: tuple[int, ...], batch_size: int, dtype: np.dtype,
                 grad: np.ndarray | None = None):
        B = batch_size
        outs = sizes[1:]
        self.batch_size = B
        self.X = np.empty((B, sizes[0]), dtype)                              # (B, n_0)
        self.T = np.empty((B, sizes[-1]), dtype)                             # (B, n_L)
        self.Zs = [np.empty((B, n), dtype) for n in outs]                    # Z[l]: (B, n_{l+1})
        self.As = [np.empty((B, n), dtype) for n in outs]                    # A[l+1]: (B, n_{l+1})
        self.deltas = [np.empty((B, n), dtype) for n in outs]                # delta[l]: (B, n_{l+1})
        self.derivatives = [np.empty((B, n), dtype) for n in outs]           # f'(Z[l]): (B, n_{l+1})
        self.grad = np.empty(parameter_count(sizes), dtype) if grad is None else grad
        self.dW, self.db = layer_views(self.grad, sizes)                     # (n_l, n_{l+1}), (1, n_{l+1})
