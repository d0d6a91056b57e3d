"""Preallocated arrays for one batch size: where the trainer's step writes X, T, Z, A, delta, dW and db.

`numpy_impl.network.forward` and `backward` take a `Workspace` as `workspace=` and then write every
intermediate with `out=` arguments into it instead of allocating: the same operations in the same order (so
the same numbers, bit for bit), without the allocations, which on the seed's tiny arrays cost more than the
arithmetic. Without one they allocate as usual: that is the reference the tests hold against torch and
finite differences.

The arrays are overwritten by the next step of the same batch size: a caller that keeps a step's results
past the next step copies them (`compare.diagnosis.stages.capture_numpy` does).
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


class Workspace:
    """Arrays for batches of `batch_size` rows through a network of `sizes`, in `dtype`. dW and db are
    views into `grad`, one flat array in the parameters' layout (`layer_views`), shared by the workspaces of
    every batch size: the optimizer can then update the whole model in one operation."""

    def __init__(self, sizes: tuple[int, ...], batch_size: int, dtype: np.dtype, grad: np.ndarray):
        B = batch_size
        outs = sizes[1:]
        self.batch_size = B
        self.X = np.empty((B, sizes[0]), dtype)                              # (B, n_0)
        self.T = np.empty((B, sizes[-1]), dtype)                             # (B, n_L)
        self.Zs = [np.empty((B, n), dtype) for n in outs]                    # Z[l]: (B, n_{l+1})
        self.As = [np.empty((B, n), dtype) for n in outs]                    # A[l+1]: (B, n_{l+1})
        self.deltas = [np.empty((B, n), dtype) for n in outs]                # delta[l]: (B, n_{l+1})
        self.derivatives = [np.empty((B, n), dtype) for n in outs]           # f'(Z[l]): (B, n_{l+1})
        self.dW, self.db = layer_views(grad, sizes)                          # (n_l, n_{l+1}), (1, n_{l+1})
