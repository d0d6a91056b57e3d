"""The seeds figure's loss after every update is replayed in the very order of the report's runs: at each
epoch's end it is the loss the parity-checked run logged, to the last digit, and different seeds differ."""

from __future__ import annotations

import numpy as np
import pytest

import compare
from compare.reporting.per_update import first_updates


@pytest.mark.parametrize("overrides", [dict(mode="stochastic"), dict(mode="minibatch", batch_size=2),
                                       dict(mode="stochastic", order="replacement", samples_per_epoch=1)])
def test_epoch_ends_equal_the_parity_runs_log(overrides):
    experiment = compare.load_experiment("exercise3", {**overrides, "epochs": 12, "report_every": 1, "seed": 3})
    losses = first_updates(experiment)
    per_epoch = experiment.updates_per_epoch
    assert losses.shape == (1 + 12 * per_epoch,)
    logged = compare.run(experiment).numpy.loss_log
    assert [losses[(epoch + 1) * per_epoch] for epoch, _ in logged] == [value for _, value in logged]
    other = first_updates(compare.load_experiment("exercise3", {**overrides, "epochs": 12, "seed": 4}))
    assert losses[0] == other[0] and not np.array_equal(losses, other)
