"""The harness: both implementations agree after every update, for every preset, mode, order, seed and loss
convention; and it does fail, at the right update, when they do not."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from compare import ParityError, load_experiment
from compare.lockstep.harness import run_parity
from numpy_impl.trainer import NumpyTrainer
from tests.conftest import PRESETS
from tests.seed_oracle import seed_train


@pytest.mark.parametrize("name", PRESETS)
def test_full_run_per_preset(name):
    """One whole 10,000-epoch run per preset, every update checked; the log is the seed's where it has one."""
    e = load_experiment(name)
    report = run_parity(e)
    assert report.ok
    assert report.updates_checked == e.total_updates == 10000 * e.updates_per_epoch
    assert report.max_abs_diff < 1e-13          # measured: <= 1.2e-14 on every preset
    assert len(report.per_update) == report.updates_checked
    np.testing.assert_allclose([v for _, v in report.torch.loss_log], [v for _, v in report.numpy.loss_log],
                               rtol=1e-12)
    if name in ("hiring", "exercise2"):          # deterministic orders the seed's script also uses
        seed_log, seed_out = seed_train(np.array(e.inputs), np.array(e.targets), list(e.init_weights),
                                        list(e.init_biases))
        np.testing.assert_allclose([v for _, v in report.torch.loss_log], [v for _, v in seed_log], rtol=1e-12)
        np.testing.assert_allclose(report.torch.outputs, seed_out, rtol=1e-12)


CASES = [(name, mode) for name in PRESETS for mode in ("batch", "stochastic", "minibatch")
         if not (mode == "minibatch" and name in ("hiring", "exercise1"))]


@pytest.mark.parametrize("loss", ["sum", "mean"])
@pytest.mark.parametrize("seed", [0, 1, 7])
@pytest.mark.parametrize("order", ["shuffle", "replacement", "sequential"])
@pytest.mark.parametrize("name,mode", CASES)
def test_short_runs_every_mode_order_seed_and_loss(name, mode, order, seed, loss):
    e = load_experiment(name, {"mode": mode, "order": order, "seed": seed, "loss": loss, "epochs": 25,
                               "report_every": 5})
    report = run_parity(e)
    assert report.ok and report.updates_checked == e.total_updates > 0
    assert report.max_abs_diff <= 1e-12


@pytest.mark.parametrize("batch_size,drop_last,updates", [(3, False, 2), (3, True, 1), (4, False, 1),
                                                          (1, True, 4)])
def test_batch_sizes_that_do_not_divide_n(batch_size, drop_last, updates):
    e = load_experiment("exercise3", {"mode": "minibatch", "batch_size": batch_size, "drop_last": drop_last,
                                      "epochs": 40})
    assert e.updates_per_epoch == updates
    report = run_parity(e)
    assert report.ok and report.updates_checked == 40 * updates


@pytest.mark.parametrize("samples_per_epoch,batch_size,drop_last", [(1, 1, False), (5, 2, False), (5, 2, True)])
def test_replacement_with_samples_per_epoch(samples_per_epoch, batch_size, drop_last):
    e = load_experiment("exercise3", {"mode": "minibatch", "order": "replacement", "batch_size": batch_size,
                                      "samples_per_epoch": samples_per_epoch, "drop_last": drop_last,
                                      "epochs": 30, "seed": 4})
    report = run_parity(e)
    expected = (samples_per_epoch // batch_size if drop_last else -(-samples_per_epoch // batch_size)) * 30
    assert report.ok and report.updates_checked == expected


class RecordingTrainer(NumpyTrainer):
    seen: list[list[int]] = []

    def step(self, indices):
        RecordingTrainer.seen.append(indices.tolist())
        return super().step(indices)


@pytest.mark.parametrize("order", ["shuffle", "replacement"])
def test_numpy_side_trains_on_the_dataloader_indices(order):
    """An independent DataLoader, built as the spec writes it, yields the batches the NumPy side trained on."""
    e = load_experiment("exercise3", {"mode": "minibatch", "order": order, "seed": 11, "epochs": 6,
                                      "samples_per_epoch": 6})
    RecordingTrainer.seen = []
    run_parity(e, numpy_factory=RecordingTrainer)
    dataset = TensorDataset(torch.arange(4))
    generator = torch.Generator().manual_seed(11)
    if order == "shuffle":
        loader = DataLoader(dataset, batch_size=2, shuffle=True, generator=generator)
    else:
        sampler = RandomSampler(dataset, replacement=True, num_samples=6, generator=generator)
        loader = DataLoader(dataset, batch_size=2, sampler=sampler, generator=generator)
    expected = [batch[0].tolist() for _ in range(6) for batch in loader]
    assert RecordingTrainer.seen == expected


def test_wrong_loss_convention_fails_at_update_1():
    """exercise1 has 2 outputs: NumPy descending "mean" while torch descends "sum" differ by a factor 2."""
    e = load_experiment("exercise1")
    with pytest.raises(ParityError) as info:
        run_parity(e, numpy_factory=lambda exp, w, b: NumpyTrainer(replace(exp, loss="mean"), w, b))
    failure = info.value.failure
    assert failure.update == 1 and failure.epoch == 0 and failure.samples == (0,)
    assert failure.layer == 2          # the output layer: backprop order
    assert abs(failure.ours - failure.theirs) > 1e-4
    assert info.value.report is not None and info.value.report.updates_checked == 1


def test_a_tiny_error_late_in_training_is_caught():
    """A perturbation of 1e-8 on one weight (beyond atol 1e-12 + rtol 1e-9 x |w|) at update 500 of 1000 is
    found, at that update."""
    class Nudged(NumpyTrainer):
        def step(self, indices):
            out = super().step(indices)
            if self.updates == 500:
                self.weights[0][1, 0] += 1e-8
            return out
    e = load_experiment("exercise2", {"epochs": 500})
    with pytest.raises(ParityError) as info:
        run_parity(e, numpy_factory=Nudged)
    assert info.value.failure.update == 500
    assert info.value.failure.parameter == "W1" and info.value.failure.element == (1, 0)


def test_identical_initial_weights_are_asserted():
    class Shifted(NumpyTrainer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.biases[2][0, 0] += 1e-15
    with pytest.raises(ParityError, match=r"initial weights differ.*b3\[0, 0\]"):
        run_parity(load_experiment("hiring", {"epochs": 1}), numpy_factory=Shifted)
