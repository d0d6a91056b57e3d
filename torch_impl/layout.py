"""The one place where the seed layout and `nn.Linear`'s layout meet.

Seed (and `numpy_impl`): `Z = A @ W + b`, `W` of shape (inputs, outputs), `b` of shape (1, outputs).
`nn.Linear`:            `Z = A @ weight.T + bias`, `weight` of shape (outputs, inputs), `bias` (outputs,).
So `weight = W.T` and `bias = b[0]`, exactly (a transpose and a reshape copy bits, they round nothing).
"""

from __future__ import annotations

import numpy as np


def seed_to_linear(W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(W (in, out), b (1, out) or (out,)) -> (weight (out, in), bias (out,)), as new contiguous arrays."""
    W = np.asarray(W)
    if W.ndim != 2:
        raise ValueError(f"W: expected a 2-D array (inputs, outputs), found shape {W.shape}")
    b = np.asarray(b).reshape(-1)
    if b.shape != (W.shape[1],):
        raise ValueError(f"b: expected {W.shape[1]} values for W of shape {W.shape}, found shape {b.shape}")
    return np.array(W.T, order="C"), b.copy()


def linear_to_seed(weight: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(weight (out, in), bias (out,)) -> (W (in, out), b (1, out)), as new contiguous arrays."""
    weight = np.asarray(weight)
    if weight.ndim != 2:
        raise ValueError(f"weight: expected a 2-D array (outputs, inputs), found shape {weight.shape}")
    bias = np.asarray(bias)
    if bias.shape != (weight.shape[0],):
        raise ValueError(f"bias: expected shape ({weight.shape[0]},), found {bias.shape}")
    return np.array(weight.T, order="C"), bias.reshape(1, -1).copy()


def torch_to_seed_index(sizes: tuple[int, ...]) -> np.ndarray:
    """index[k] = position in torch's flat parameter buffer of the k-th number of the seed's flat buffer.

    Seed (flat): per layer W (in, out) row-major, then b (out); torch: weight (out, in) row-major, then
    bias (out). So the seed's W[i, j] is torch's weight[j, i]: `torch_flat[index]` is the seed's flat buffer."""
    index = []
    offset = 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        i, j = np.meshgrid(np.arange(n_in), np.arange(n_out), indexing="ij")   # (n_in, n_out)
        index.append((offset + j * n_in + i).ravel())
        offset += n_in * n_out
        index.append(offset + np.arange(n_out))
        offset += n_out
    return np.concatenate(index).astype(np.intp)
