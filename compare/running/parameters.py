"""Names for positions in a flat parameter buffer in the seed order (W1, b1, W2, b2, ..., row-major):
`W2[1, 0]`, `b3[0, 0]`, for every message that points at one number of a model."""

from __future__ import annotations

import numpy as np


def parameter_slices(sizes: tuple[int, ...]) -> list[tuple[str, int, slice, tuple[int, int]]]:
    """(name, layer, slice in the flat seed-order buffer, shape) for W1, b1, W2, b2, ..."""
    out = []
    offset = 0
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        out.append((f"W{layer}", layer, slice(offset, offset + n_in * n_out), (n_in, n_out)))
        offset += n_in * n_out
        out.append((f"b{layer}", layer, slice(offset, offset + n_out), (1, n_out)))
        offset += n_out
    return out


def locate(sizes: tuple[int, ...], position: int) -> tuple[str, int, tuple[int, int], slice, tuple[int, int]]:
    """flat position -> (parameter name, layer, element index, the parameter's slice, its shape)."""
    for name, layer, sl, shape in parameter_slices(sizes):
        if sl.start <= position < sl.stop:
            i, j = np.unravel_index(position - sl.start, shape)
            return name, layer, (int(i), int(j)), sl, shape
    raise IndexError(position)


def parameter_index(sizes: tuple[int, ...], position: int) -> str:
    name, _, (i, j), _, _ = locate(sizes, position)
    return f"{name}[{i}, {j}]"
