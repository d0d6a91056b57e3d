"""Tests a mutation audit showed missing: each fails when the product has the bug named in its docstring.

The harness must check the run's final update and every layer's every parameter; the layout conversion must
transpose square matrices too; numpy_impl's own order must reshuffle every epoch and honour drop_last;
torch_impl's model must not draw from torch's global generator.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from compare import load_experiment
from compare.errors import ParityError
from compare.lockstep import pair
from compare.lockstep.harness import run_parity
from compare.running.loops import train_numpy, train_torch
from compare.running.parameters import parameter_index
from numpy_impl.trainer import NumpyTrainer
from torch_impl.layout import linear_to_seed, seed_to_linear, torch_to_seed_index
from torch_impl.model import MLP


def nudged_at(update: int, position: int):
    """A NumPy trainer that is right except that, after update `update`, one parameter is off by 1e-6."""
    class Nudged(NumpyTrainer):
        def step(self, indices):
            out = super().step(indices)
            if self.updates == update:
                self.theta[position] += 1e-6
            return out
    return Nudged


def test_the_final_update_is_checked():
    """Bug: the harness skips the check on the run's last update (an off-by-one in the loop)."""
    e = load_experiment("exercise3", {"mode": "minibatch", "epochs": 3})
    last = e.total_updates
    with pytest.raises(ParityError) as caught:
        run_parity(e, numpy_factory=nudged_at(last, 0))
    assert caught.value.failure.update == last
    assert caught.value.report.updates_checked == last


@pytest.mark.parametrize("per_layer", [False, True], ids=["gathered", "per-layer-copies"])
def test_every_parameter_of_every_layer_is_checked(per_layer, monkeypatch):
    """Bug: the per-update comparison looks at some layers (or parameters) only. Every position of the
    flat parameter buffer, nudged after update 1, must be named, on both comparison paths (small models
    gather torch's parameters by the index map, wide ones copy them layer by layer)."""
    monkeypatch.setattr(pair, "PER_LAYER_FROM", 1 if per_layer else 10**9)
    e = load_experiment("hiring", {"epochs": 1})
    count = sum(a * b + b for a, b in zip(e.sizes[:-1], e.sizes[1:]))
    for position in range(count):
        with pytest.raises(ParityError) as caught:
            run_parity(e, numpy_factory=nudged_at(1, position))
        f = caught.value.failure
        assert f.update == 1 and f"{f.parameter}[{f.element[0]}, {f.element[1]}]" == parameter_index(e.sizes, position)


def test_square_matrices_are_transposed_too():
    """Bug: the layout conversion transposes only when the shape says it must (a square W slips through)."""
    W = np.array([[1.0, 2.0], [3.0, 4.0]])                 # square, not symmetric
    b = np.array([[0.5, -0.5]])
    weight, bias = seed_to_linear(W, b)
    np.testing.assert_array_equal(weight, W.T)
    np.testing.assert_array_equal(linear_to_seed(weight, bias)[0], W)
    np.testing.assert_array_equal(linear_to_seed(W, bias)[0], W.T)   # the other way alone, too
    linear = nn.Linear(2, 2, dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(weight))
        linear.bias.copy_(torch.from_numpy(bias))
    A = np.array([[1.0, 0.1], [0.1, 1.0]])
    np.testing.assert_array_equal(linear(torch.from_numpy(A)).detach().numpy(), A @ W + b)
    # the flat index map of a network of square layers: torch's weight[j, i] is the seed's W[i, j]
    index = torch_to_seed_index((2, 2, 2))
    assert index[:4].tolist() == [0, 2, 1, 3]


def recorded_order(experiment, monkeypatch) -> list[list[int]]:
    """The sample indices numpy_impl's own loop (`compare.running.loops.train_numpy`) trains on, update by
    update."""
    from compare.experiment.initial import initial_parameters

    seen: list[list[int]] = []

    class Recording(NumpyTrainer):
        def step(self, indices):
            seen.append(np.asarray(indices).tolist())
            return super().step(indices)
    monkeypatch.setattr("numpy_impl.trainer.NumpyTrainer", Recording)
    history = train_numpy(experiment, *initial_parameters(experiment, torch_allowed=False))
    assert history.updates == len(seen)
    return seen


def test_numpy_impl_reshuffles_every_epoch_from_its_own_generator(monkeypatch):
    """Bug: numpy_impl's own loop draws one permutation and reuses it every epoch (or restarts its
    generator each epoch). Oracle: numpy.random.default_rng(seed).permutation(N), one call per epoch."""
    e = load_experiment("exercise3", {"mode": "stochastic", "epochs": 6, "seed": 11})
    seen = recorded_order(e, monkeypatch)
    rng = np.random.default_rng(11)
    expected = [[int(i)] for _ in range(6) for i in rng.permutation(4)]
    assert seen == expected
    epochs = [tuple(i for (i,) in seen[k:k + 4]) for k in range(0, 24, 4)]
    assert len(set(epochs)) > 1


@pytest.mark.parametrize("drop_last", [False, True])
def test_numpy_impl_honours_drop_last(drop_last, monkeypatch):
    """Bug: numpy_impl's own loop ignores drop_last (a last partial batch trained anyway, or always dropped)."""
    e = load_experiment("exercise3", {"mode": "minibatch", "batch_size": 3, "epochs": 4, "drop_last": drop_last})
    seen = recorded_order(e, monkeypatch)
    sizes = [len(batch) for batch in seen]
    assert sizes == ([3] * 4 if drop_last else [3, 1] * 4)
    assert len(seen) == e.total_updates


def test_torch_impl_never_touches_torchs_global_generator():
    """Bug: the model draws its weights from torch's global generator (a plain `nn.Linear(...)` does, then
    throws them away), changing the user's random state. A whole torch_impl run, every scheme of initial
    weights and a shuffled DataLoader included, leaves it as it was."""
    torch.manual_seed(1234)
    state = torch.random.get_rng_state()
    MLP((2, 3, 1))
    for scheme in (None, "torch-default"):
        overrides = {"epochs": 3, "mode": "minibatch"} | ({"scheme": scheme} if scheme else {})
        e = load_experiment("exercise3", overrides)
        from compare.experiment.initial import initial_parameters
        train_torch(e, *initial_parameters(e))
    assert torch.equal(state, torch.random.get_rng_state())
