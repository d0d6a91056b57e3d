"""torch_impl/init.py, fast, for mutation testing: "torch-default" weights are nn.Linear's own draw, written
out by hand: kaiming_uniform_ with a = sqrt(5) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the weight (gain
sqrt(2 / (1 + 5)), bound sqrt(3) gain / sqrt(fan_in)), the same bound for the bias, layer by layer from one
seeded generator, in the seed layout."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from torch_impl.init import torch_default_parameters


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_draw_by_hand(dtype):
    sizes, seed = (3, 5, 2), 11
    W, b = torch_default_parameters(sizes, seed, dtype)
    g = torch.Generator().manual_seed(seed)
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        bound = 1 / math.sqrt(n_in)
        weight = torch.empty(n_out, n_in, dtype=getattr(torch, dtype)).uniform_(-bound, bound, generator=g)
        bias = torch.empty(n_out, dtype=getattr(torch, dtype)).uniform_(-bound, bound, generator=g)
        assert W[l].shape == (n_in, n_out) and b[l].shape == (1, n_out)
        assert W[l].dtype == b[l].dtype == np.float64
        rtol = 1e-14 if dtype == "float64" else 1e-6
        np.testing.assert_allclose(W[l], weight.numpy().T, rtol=rtol, atol=0)
        np.testing.assert_allclose(b[l], bias.numpy()[None, :], rtol=rtol, atol=0)
        assert np.abs(W[l]).max() <= bound and np.abs(b[l]).max() <= bound


def test_one_seed_one_draw():
    a = torch_default_parameters((2, 3, 1), 4)
    again = torch_default_parameters((2, 3, 1), 4)
    other = torch_default_parameters((2, 3, 1), 5)
    assert all(np.array_equal(x, y) for x, y in zip(a[0] + a[1], again[0] + again[1]))
    assert not np.array_equal(a[0][0], other[0][0])
    assert torch_default_parameters((2, 3, 1), 4, "float64")[0][0].tolist() == a[0][0].tolist()   # the default
