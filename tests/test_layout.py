"""The one conversion each way between the seed layout (in, out) and nn.Linear's (out, in)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from torch_impl.layout import linear_to_seed, seed_to_linear, torch_to_seed_index


@pytest.mark.parametrize("n_in,n_out", [(2, 2), (2, 1), (3, 5), (1, 4)])
def test_round_trip_is_exact(n_in, n_out):
    rng = np.random.default_rng(n_in * 10 + n_out)
    W, b = rng.normal(size=(n_in, n_out)), rng.normal(size=(1, n_out))
    weight, bias = seed_to_linear(W, b)
    assert weight.shape == (n_out, n_in) and bias.shape == (n_out,)
    W2, b2 = linear_to_seed(weight, bias)
    assert W2.shape == W.shape and b2.shape == b.shape
    np.testing.assert_array_equal(W2, W)
    np.testing.assert_array_equal(b2, b)


def test_conversion_computes_the_same_layer_as_nn_linear():
    """Z = A @ W + b (seed) equals nn.Linear(A) with the converted parameters to 1e-15 relative (not bit for bit:
    torch's addmm and NumPy's matmul + add round differently, by a unit in the last place on most CPU kernels)."""
    rng = np.random.default_rng(0)
    W, b, A = rng.normal(size=(3, 2)), rng.normal(size=(1, 2)), rng.normal(size=(4, 3))
    linear = nn.Linear(3, 2, dtype=torch.float64)
    weight, bias = seed_to_linear(W, b)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(weight))
        linear.bias.copy_(torch.from_numpy(bias))
    np.testing.assert_allclose(linear(torch.from_numpy(A)).detach().numpy(), A @ W + b, rtol=1e-15)


def test_conversion_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="expected 2 values"):
        seed_to_linear(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="2-D"):
        linear_to_seed(np.zeros(3), np.zeros(3))


def test_flat_index_map_agrees_with_the_conversion():
    sizes = (3, 4, 2)
    rng = np.random.default_rng(1)
    seed_params, torch_params = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W, b = rng.normal(size=(n_in, n_out)), rng.normal(size=(1, n_out))
        weight, bias = seed_to_linear(W, b)
        seed_params += [W.ravel(), b.ravel()]
        torch_params += [weight.ravel(), bias.ravel()]
    seed_flat, torch_flat = np.concatenate(seed_params), np.concatenate(torch_params)
    np.testing.assert_array_equal(torch_flat[torch_to_seed_index(sizes)], seed_flat)
