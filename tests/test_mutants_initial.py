"""compare/experiment/initial.py, fast, for mutation testing: each scheme's initial weights by hand (xavier-
uniform U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), he-normal N(0, 2 / fan_in), from NumPy's generator
seeded with the experiment's seed, layer by layer; float32 rounded once), torch-default's refusal without
torch, zero biases without biases, explicit values as fresh copies."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from compare.errors import ExperimentError
from compare.experiment.initial import initial_parameters
from compare.experiment.sources import load_experiment

BASE = load_experiment("exercise3", {"epochs": 1})


def scheme(name, **changes):
    return dataclasses.replace(BASE, sizes=(3, 4, 2), init_scheme=name, init_weights=None, init_biases=None,
                               seed=6, **changes)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_xavier_and_he_by_hand(dtype):
    for name in ("xavier-uniform", "he-normal"):
        W, b = initial_parameters(scheme(name, dtype=dtype))
        rng = np.random.default_rng(6)
        for l, (n_in, n_out) in enumerate(((3, 4), (4, 2))):
            if name == "xavier-uniform":
                a = np.sqrt(6.0 / (n_in + n_out))
                want = rng.uniform(-a, a, size=(n_in, n_out))
                assert np.abs(W[l]).max() <= a
            else:
                want = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
            if dtype == "float32":
                want = want.astype(np.float32).astype(np.float64)
            np.testing.assert_array_equal(W[l], want)
            assert W[l].dtype == np.float64 and b[l].tolist() == [[0.0] * n_out]


def test_torch_default():
    from torch_impl.init import torch_default_parameters
    e = scheme("torch-default")
    W, b = initial_parameters(e)
    want_W, want_b = torch_default_parameters((3, 4, 2), 6)
    assert all(np.array_equal(x, y) for x, y in zip(W + b, want_W + want_b))
    W, b = initial_parameters(dataclasses.replace(e, bias=False))
    assert all(np.array_equal(x, y) for x, y in zip(W, want_W)) and all(not v.any() for v in b)
    assert [v.shape for v in b] == [(1, 4), (1, 2)]
    with pytest.raises(ExperimentError) as error:
        initial_parameters(e, torch_allowed=False)
    assert str(error.value).startswith(f"{e.source}: init.scheme = \"torch-default\" is drawn by torch, which "
                                       "numpy_impl never imports")


def test_explicit_values_fresh_and_without_biases_zero():
    W, b = initial_parameters(BASE)
    assert all(np.array_equal(x, y) for x, y in zip(W + b, list(BASE.init_weights) + list(BASE.init_biases)))
    W[0][0, 0] += 1.0
    b[0][0, 0] += 1.0
    assert W[0][0, 0] != BASE.init_weights[0][0, 0] and b[0][0, 0] != BASE.init_biases[0][0, 0]
    no_bias = dataclasses.replace(BASE, bias=False)
    W, b = initial_parameters(no_bias)
    assert all(not v.any() and v.dtype == np.float64 for v in b)
    assert [v.shape for v in b] == [np.shape(v) for v in BASE.init_biases]
