"""compare/reporting/per_update.py, fast, for mutation testing: the data-set loss after every update of the
first epochs, replayed in torch's DataLoader order, equals the loss a torch run logs at each epoch's end, starts
at the loss before any update (by hand), and covers the first 30 epochs (the README's window) at most."""

from __future__ import annotations

import numpy as np
import pytest

from compare.experiment.initial import initial_parameters
from compare.experiment.sources import load_experiment
from compare.reporting.per_update import first_updates
from compare.running.loops import train_torch


@pytest.mark.parametrize("overrides", [{"mode": "minibatch", "order": "shuffle", "batch_size": 3},
                                       {"mode": "stochastic", "order": "replacement", "samples_per_epoch": 3}])
def test_every_epoch_end_is_the_torch_runs_logged_loss(overrides):
    e = load_experiment("exercise3", {**overrides, "epochs": 4, "report_every": 1, "lr": 0.8, "seed": 5})
    losses = first_updates(e, 3)
    k = e.updates_per_epoch
    assert losses.shape == (1 + 3 * k,)
    W, b = initial_parameters(e)
    A = e.inputs
    for w, v in zip(W, b):
        A = 1 / (1 + np.exp(-(A @ w + v)))
    assert losses[0] == pytest.approx(float(np.mean((e.targets - A) ** 2 / 2)), rel=1e-13)
    logged = train_torch(e, *initial_parameters(e)).loss_log
    np.testing.assert_allclose(losses[k::k], [v for _, v in logged[:3]], rtol=1e-12)
    assert len(set(losses.tolist())) == len(losses)            # a new loss after every single update


def test_at_most_the_runs_epochs_and_thirty_by_default():
    e = load_experiment("exercise3", {"mode": "batch", "epochs": 2, "lr": 0.5})
    assert first_updates(e, 5).shape == (3,)
    e = load_experiment("exercise3", {"mode": "batch", "epochs": 35, "lr": 0.5})
    assert first_updates(e).shape == (31,)
