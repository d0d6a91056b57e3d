"""Preallocated arrays for one batch size: where the trainer's step writes X, T, Z, A, delta, dW and db.

`numpy_impl.network.forward` and `backward` take a `Workspace` as `workspace=` and then write every
intermediate with `out=` arguments into it instead of allocating: the same operations in the same order (so
the same numbers, bit for bit), without the allocations, which on the seed's tiny arrays cost more than the
arithmetic. Without one they allocate as usual: that is the reference the tests hold against torch and
finite differences.

The arrays are overwritten by the next step of the same batch size: a caller that keeps a step's results
past the next step copies them (`compare.stages.capture_numpy` does).
"""

from __future__ import annotations

import numpy as np


class Workspace:
    """Arrays for batches of `batch_size` rows through a network of `sizes`, in `dtype`."""

    def __init__(self, sizes: tuple[int, ...], batch_size: int, dtype: np.dtype):
        B = batch_size
        outs = sizes[1:]
        self.batch_size = B
        self.X = np.empty((B, sizes[0]), dtype)                              # (B, n_0)
        self.T = np.empty((B, sizes[-1]), dtype)                             # (B, n_L)
        self.Zs = [np.empty((B, n), dtype) for n in outs]                    # Z[l]: (B, n_{l+1})
        self.As = [np.empty((B, n), dtype) for n in outs]                    # A[l+1]: (B, n_{l+1})
        self.deltas = [np.empty((B, n), dtype) for n in outs]                # delta[l]: (B, n_{l+1})
        self.derivatives = [np.empty((B, n), dtype) for n in outs]           # f'(Z[l]): (B, n_{l+1})
        self.dW = [np.empty((n_in, n_out), dtype) for n_in, n_out in zip(sizes[:-1], outs)]  # (n_l, n_{l+1})
        self.db = [np.empty((1, n), dtype) for n in outs]                    # (1, n_{l+1})
