"""torch_impl/model.py, layout.py and data.py, fast, for mutation testing: the module's forward against the
seed's formula A = f(A @ W + b) in NumPy, each activation by name; the seed <-> nn.Linear layout and the flat
index by hand; the DataLoader's batches against the one a torch user writes by hand, epoch after epoch."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from torch_impl.data import make_loader
from torch_impl.layout import linear_to_seed, seed_to_linear, torch_to_seed_index
from torch_impl.model import MLP, make_activation

RNG = np.random.default_rng(2)
NP_F = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
        "identity": lambda z: z, "leaky_relu": lambda z: np.where(z > 0, z, 0.3 * z), "softmax": lambda z: z}


@pytest.mark.parametrize("hidden,output", [("tanh", "sigmoid"), ("relu", "identity"), ("leaky_relu", "softmax"),
                                           ("sigmoid", "leaky_relu"), ("identity", "tanh")])
def test_mlp_forward_is_the_seeds_formula(hidden, output):
    sizes = (3, 4, 5, 2)
    W = [RNG.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    b = [RNG.normal(size=(1, n)) for n in sizes[1:]]
    X = RNG.normal(size=(6, 3))
    model = MLP(sizes, hidden, output, 0.3)
    assert [tuple(lin.weight.shape) for lin in model.linears] == [(4, 3), (5, 4), (2, 5)]
    assert model.linears[0].weight.dtype == torch.float64
    with torch.no_grad():
        for lin, w, v in zip(model.linears, W, b):
            weight, bias = seed_to_linear(w, v)
            lin.weight.copy_(torch.tensor(weight))
            lin.bias.copy_(torch.tensor(bias))
        out = model(torch.tensor(X)).numpy()
    A = X
    for l, (w, v) in enumerate(zip(W, b)):
        A = NP_F[output if l == 2 else hidden](A @ w + v)
    np.testing.assert_allclose(out, A, rtol=1e-13, atol=1e-15)
    probs = model.probabilities(torch.tensor(out)).numpy()
    if output == "softmax":
        e = np.exp(out - out.max(axis=1, keepdims=True))
        np.testing.assert_allclose(probs, e / e.sum(axis=1, keepdims=True), rtol=1e-13)
    else:
        assert np.array_equal(probs, out)


def test_make_activation_by_name():
    z = torch.tensor([[-2.0, 0.0, 3.0]], dtype=torch.float64)
    assert make_activation("leaky_relu", 0.25)(z).tolist() == [[-0.5, 0.0, 3.0]]
    assert make_activation("relu", 0.25)(z).tolist() == [[0.0, 0.0, 3.0]]
    assert make_activation("softmax", 0.25)(z).tolist() == z.tolist()          # logits: CrossEntropyLoss's input
    assert make_activation("identity", 0.25)(z).tolist() == z.tolist()
    with pytest.raises(KeyError):
        make_activation("swish", 0.1)
    model = MLP((1, 1), "leaky_relu", "leaky_relu")          # no slope given: torch's LeakyReLU default, 0.01
    assert model.activations[0](z).tolist() == torch.nn.LeakyReLU()(z).tolist()


def test_layout_by_hand():
    W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])                   # (in 2, out 3)
    weight, bias = seed_to_linear(W, np.array([[7.0, 8.0, 9.0]]))
    assert weight.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]] and bias.tolist() == [7.0, 8.0, 9.0]
    assert weight.flags.c_contiguous
    assert seed_to_linear(W, np.array([7.0, 8.0, 9.0]))[1].tolist() == [7.0, 8.0, 9.0]
    back_W, back_b = linear_to_seed(weight, bias)
    assert back_W.tolist() == W.tolist() and back_b.tolist() == [[7.0, 8.0, 9.0]] and back_W.flags.c_contiguous
    with pytest.raises(ValueError, match=r"W: expected a 2-D array \(inputs, outputs\), found shape \(3,\)"):
        seed_to_linear(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"b: expected 3 values for W of shape \(2, 3\), found shape \(2,\)"):
        seed_to_linear(W, np.zeros(2))
    with pytest.raises(ValueError, match=r"weight: expected a 2-D array \(outputs, inputs\), found shape \(3,\)"):
        linear_to_seed(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"bias: expected shape \(3,\), found \(1, 3\)"):
        linear_to_seed(weight, np.zeros((1, 3)))


def test_flat_index_by_hand():
    # sizes (2, 3, 1): torch's flat buffer is weight1 (3, 2), bias1 (3), weight2 (1, 3), bias2 (1)
    index = torch_to_seed_index((2, 3, 1))
    # seed's W1[i, j] (row-major (2, 3)) is torch's weight1[j, i] at j * 2 + i
    assert index.tolist() == [0, 2, 4, 1, 3, 5, 6, 7, 8, 9, 10, 11, 12]
    assert index.dtype == np.intp


def loader_indices(e, epochs=2):
    X = torch.zeros(e.n_samples, 1)
    dl = make_loader(e, X, X)
    return [[batch[2].tolist() for batch in dl] for _ in range(epochs)]


def by_hand(e, epochs=2):
    """The DataLoader a torch user writes for the mode and order."""
    ds = TensorDataset(torch.arange(e.n_samples))
    g = torch.Generator().manual_seed(e.seed)
    if e.resolved_order == "replacement":
        dl = DataLoader(ds, batch_size=e.effective_batch_size, drop_last=e.drop_last, generator=g,
                        sampler=RandomSampler(ds, replacement=True, num_samples=e.effective_samples_per_epoch,
                                              generator=g))
    else:
        dl = DataLoader(ds, batch_size=e.effective_batch_size, shuffle=e.resolved_order == "shuffle",
                        drop_last=e.drop_last, generator=g)
    return [[batch[0].tolist() for batch in dl] for _ in range(epochs)]


def config(order, batch, drop_last=False, per_epoch=7, seed=5):
    return SimpleNamespace(n_samples=7, seed=seed, resolved_order=order, effective_batch_size=batch,
                           effective_samples_per_epoch=per_epoch, drop_last=drop_last)


@pytest.mark.parametrize("e", [config("sequential", 3), config("sequential", 3, drop_last=True),
                               config("shuffle", 3), config("shuffle", 2, drop_last=True, seed=8),
                               config("replacement", 2, per_epoch=5), config("replacement", 3, True, 8, 1)])
def test_loader_is_the_one_a_user_writes(e):
    got = loader_indices(e)
    assert got == by_hand(e)
    sizes = [len(b) for b in got[0]]
    n = e.effective_samples_per_epoch
    k = e.effective_batch_size
    assert sizes == [k] * (n // k) + ([] if e.drop_last or n % k == 0 else [n % k])
    if e.resolved_order == "sequential":
        assert got[0] == got[1] and sum(got[0], []) == list(range(n - (n % k if e.drop_last else 0)))
    if e.resolved_order == "shuffle":
        assert got[0] != got[1]                                   # a new permutation each epoch
        if not e.drop_last:
            assert sorted(sum(got[0], [])) == list(range(7))
