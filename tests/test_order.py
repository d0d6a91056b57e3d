"""Sample orders: NumPy's own (standalone numpy_impl) and torch's DataLoader (harness, torch_impl) are each
deterministic per seed, differ from each other, and change with the seed."""

from __future__ import annotations

import numpy as np
import torch

from compare import load_experiment
from numpy_impl.schedule import epoch_batches
from torch_impl.data import make_loader


def numpy_order(seed, epochs=5, order="shuffle", k=1):
    rng = np.random.default_rng(seed)
    return [b.tolist() for _ in range(epochs) for b in epoch_batches(rng, 4, k, order, 4, False)]


def torch_order(seed, epochs=5, order="shuffle"):
    e = load_experiment("exercise3", {"seed": seed, "order": order})
    loader = make_loader(e, torch.tensor(e.inputs), torch.tensor(e.targets))
    return [idx.tolist() for _ in range(epochs) for _, _, idx in loader]


def test_numpy_order_is_reproducible_and_seeded():
    assert numpy_order(3) == numpy_order(3)
    assert numpy_order(3) != numpy_order(4)
    first_epoch = numpy_order(3)[:4]
    assert sorted(i for b in first_epoch for i in b) == [0, 1, 2, 3]   # a permutation per epoch


def test_torch_order_is_reproducible_and_seeded():
    assert torch_order(3) == torch_order(3)
    assert torch_order(3) != torch_order(4)


def test_numpy_and_torch_orders_differ_for_the_same_seed():
    assert numpy_order(0, epochs=10) != torch_order(0, epochs=10)


def test_sequential_is_the_seeds_plain_loop_on_both_sides():
    assert numpy_order(0, epochs=2, order="sequential") == [[0], [1], [2], [3]] * 2
    assert torch_order(0, epochs=2, order="sequential") == [[0], [1], [2], [3]] * 2


def test_numpy_standalone_runs_are_reproducible():
    from compare import train_numpy
    a = train_numpy("exercise3", epochs=200, seed=5)
    b = train_numpy("exercise3", epochs=200, seed=5)
    c = train_numpy("exercise3", epochs=200, seed=6)
    np.testing.assert_array_equal(a.outputs, b.outputs)
    assert not np.array_equal(a.outputs, c.outputs)
