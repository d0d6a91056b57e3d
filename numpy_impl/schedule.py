"""Which samples each update sees, drawn with NumPy's own generator (`numpy.random.default_rng(seed)`).

Standalone runs use this; the harness instead feeds the NumPy side the indices torch's DataLoader yields,
so the same seed gives a different stochastic order here than in `compare` (two different generators).
"""

from __future__ import annotations

import numpy as np


def epoch_batches(rng: np.random.Generator, n: int, batch_size: int, order: str,
                  samples_per_epoch: int, drop_last: bool) -> list[np.ndarray]:
    """The batches of one epoch, as arrays of sample indices."""
    if order == "sequential":
        indices = np.arange(n)
    elif order == "shuffle":
        indices = rng.permutation(n)                      # a new permutation every epoch
    elif order == "replacement":
        indices = rng.integers(0, n, size=samples_per_epoch)
    else:
        raise ValueError(f"unknown order {order!r}")
    batches = [indices[i:i + batch_size] for i in range(0, len(indices), batch_size)]
    if drop_last and batches and len(batches[-1]) < batch_size:
        batches.pop()
    return batches
