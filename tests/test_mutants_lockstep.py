"""The lockstep harness's promises on short runs, against hand counts and deliberate disagreements: every
update compared, the last included; a disagreement at update k named at update k (its epoch, batch and
samples), at the stage where it was made; identical starting weights checked before anything runs; the loss
logged at the epochs asked for; the per-update record as long as the run.

The seed's exercise 3 has 4 samples: stochastic mode is 4 updates an epoch, batch mode 1.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("torch")

from compare.errors import DivergenceError, ParityError  # noqa: E402
from compare.experiment.sources import load_experiment  # noqa: E402
from compare.lockstep.harness import run_parity  # noqa: E402
from numpy_impl.trainer import NumpyTrainer  # noqa: E402

EPOCHS = 3


def _experiment(mode: str = "stochastic", **extra):
    return load_experiment("exercise3", {"epochs": EPOCHS, "mode": mode, "report_every": 1, **extra}, None)


def _wrong_at(update: int, *, index: int = 0, delta: float = 1e-6):
    """A NumPy side that is right except at update `update`: its weight `index` moved by `delta` after that
    update."""
    def make(e, weights, biases):
        trainer = NumpyTrainer(e, weights, biases)
        step, count = trainer.step, []

        def stepped(samples):
            count.append(1)
            out = step(samples)
            if len(count) == update:
                trainer.theta[index] += delta
            return out
        trainer.step = stepped
        return trainer
    return make


def test_every_update_is_compared_and_recorded():
    e = _experiment()
    seen = []
    report = run_parity(e, on_epoch=lambda epoch, loss: seen.append((epoch, loss)))
    assert report.ok and report.updates_checked == EPOCHS * 4
    assert len(report.per_update) == EPOCHS * 4
    assert 0 <= report.max_abs_diff == float(report.per_update.max()) < 1e-14
    assert [epoch for epoch, _ in seen] == list(range(EPOCHS))
    assert [epoch for epoch, _ in report.numpy.loss_log] == list(range(EPOCHS))
    assert [loss for _, loss in seen] == [loss for _, loss in report.numpy.loss_log]
    assert [epoch for epoch, _ in report.max_abs_diff_log] == list(range(EPOCHS))
    for (_, ours), (_, theirs) in zip(report.numpy.loss_log, report.torch.loss_log):
        assert ours == pytest.approx(theirs, rel=1e-12)
    assert report.numpy.updates == report.torch.updates == EPOCHS * 4


def test_the_loss_is_logged_at_every_report_every_epochs_and_the_deviation_per_interval():
    e = load_experiment("exercise3", {"epochs": 8, "mode": "stochastic", "report_every": 3}, None)
    seen = []
    report = run_parity(e, on_epoch=lambda epoch, loss: seen.append((epoch, loss is None)))
    assert [epoch for epoch, _ in report.numpy.loss_log] == [0, 3, 6]
    assert seen == [(k, k % 3 != 0) for k in range(8)]
    # the largest deviation since the previous entry: epochs 0 | 1-3 | 4-6 | 7 (the last), 4 updates an epoch
    per_update = report.per_update
    intervals = [(0, 1), (1, 4), (4, 7), (7, 8)]
    assert report.max_abs_diff_log == [(end - 1, float(per_update[4 * start:4 * end].max()))
                                       for start, end in intervals]


@pytest.mark.parametrize("update, epoch, batch", [(1, 0, 0), (6, 1, 1), (EPOCHS * 4, EPOCHS - 1, 3)])
def test_a_disagreement_is_named_at_its_update(update, epoch, batch):
    e = _experiment()
    with pytest.raises(ParityError) as caught:
        run_parity(e, numpy_factory=_wrong_at(update))
    failure = caught.value.failure
    assert (failure.update, failure.epoch, failure.batch) == (update, epoch, batch)
    assert f"update {update} (epoch {epoch}, batch {batch}" in str(caught.value)
    assert caught.value.report.updates_checked == update
    assert len(failure.samples) == 1


def test_a_disagreement_just_inside_the_fast_paths_atol_is_still_judged_by_the_rule():
    """A difference above atol but within atol + rtol |torch| passes (the exact rule), far above it fails."""
    e = _experiment()
    clean = run_parity(e)
    w = abs(float(clean.torch.final_weights[0].ravel()[0]))
    run_parity(e, numpy_factory=_wrong_at(EPOCHS * 4, delta=0.5 * (1e-12 + 1e-9 * w)))


def test_starting_weights_that_differ_are_refused_before_the_first_update():
    def make(e, weights, biases):
        trainer = NumpyTrainer(e, weights, biases)
        trainer.theta[3] += 1e-15
        return trainer
    with pytest.raises(ParityError, match="initial weights differ before the first update"):
        run_parity(_experiment(), numpy_factory=make)


def test_a_diverging_run_is_a_divergence_not_a_disagreement():
    e = load_experiment("exercise3", {"epochs": 200, "mode": "batch", "lr": 1e6, "hidden_activation": "identity",
                                      "output_activation": "identity"}, None)
    with pytest.raises(DivergenceError, match="training diverged"):
        run_parity(e)


def test_resync_measures_each_update_alone():
    e = _experiment()
    free = run_parity(e)
    synced = run_parity(e, resync=True)
    assert synced.resync and not free.resync
    assert synced.updates_checked == free.updates_checked == EPOCHS * 4
    # a disagreement made once is carried by a free run and wiped by the next resync
    with pytest.raises(ParityError):
        run_parity(e, numpy_factory=_wrong_at(2))
    with pytest.raises(ParityError) as caught:
        run_parity(e, numpy_factory=_wrong_at(2), resync=True)
    assert caught.value.failure.update == 2


def test_the_replay_names_the_gradient_stage():
    """A backward wrong at update 6 only: the replay finds the forward right and names the gradient."""
    def make(e, weights, biases):
        from numpy_impl.network import backward
        calls = []

        def wrong_backward(W, Zs, activations, T, workspace=None):
            calls.append(1)
            dW, db = backward(W, Zs, activations, T, workspace=workspace)
            if len(calls) == 6:
                dW = [dW[0] * 1.5] + list(dW[1:])
            return dW, db
        return NumpyTrainer(e, weights, biases, backward_fn=wrong_backward)
    with pytest.raises(ParityError) as caught:
        run_parity(_experiment(), numpy_factory=make)
    failure = caught.value.failure
    assert failure.update == 6 and failure.stage == "gradient" and failure.parameter == "W1"


def test_a_wide_network_is_compared_layer_by_layer_and_a_disagreement_named_by_position():
    """2-64-64-1: 4,417 parameters (the per-layer comparison). Flat position 2*64 + 64 + 5*64 + 7 is
    W2[5, 7] in the seed layout (W1, b1, W2, b2, W3, b3, each row-major)."""
    e = load_experiment("exercise3", {"epochs": 2, "mode": "batch", "sizes": [2, 64, 64, 1]}, None)
    assert run_parity(e).ok
    position = 2 * 64 + 64 + 5 * 64 + 7
    with pytest.raises(ParityError) as caught:
        run_parity(e, numpy_factory=_wrong_at(1, index=position, delta=1e-3))
    assert "W2[5, 7]" in str(caught.value)


def test_the_optimizers_step_count_must_be_equal():
    e = _experiment(optimizer="adam")

    def make(ex, weights, biases):
        trainer = NumpyTrainer(ex, weights, biases)
        step = trainer.step

        def stepped(samples):
            out = step(samples)
            trainer.optimizer.state[0]["step"] += 1      # W1's count one ahead
            return out
        trainer.step = stepped
        return trainer
    with pytest.raises(ParityError, match=r"stage optimizer state: layer 1, t_W1\[0, 0\]: numpy 2.0, torch 1.0") \
            as caught:
        run_parity(e, numpy_factory=make)
    assert caught.value.failure.update == 1
    assert run_parity(e, resync=True).ok


def test_starting_weights_that_differ_name_the_first_differing_parameter():
    def make(e, weights, biases):
        trainer = NumpyTrainer(e, weights, biases)
        trainer.theta[3] += 1e-15           # exercise 3 is 2-2-2-1: flat 3 is W1[1, 1], flat 8 is W2[0, 1]
        trainer.theta[8] += 1e-15
        return trainer
    with pytest.raises(ParityError, match=r"initial weights differ before the first update: W1\[1, 1\]$"):
        run_parity(_experiment(), numpy_factory=make)


def test_a_non_finite_loss_on_one_side_is_a_divergence_named_with_both_losses():
    def make(e, weights, biases):
        trainer = NumpyTrainer(e, weights, biases)
        trainer.log_loss = lambda: float("nan")
        return trainer
    with pytest.raises(DivergenceError, match=r"at epoch 0 \(update 4\): the loss is nan \(numpy\), 0\.\d+ \(torch\)"):
        run_parity(_experiment(), numpy_factory=make)


def test_a_non_finite_weight_on_the_numpy_side_alone_is_a_disagreement():
    import numpy as np

    with pytest.raises(ParityError) as caught:
        run_parity(_experiment(), numpy_factory=_wrong_at(2, index=1, delta=np.nan))
    assert caught.value.failure.update == 2


def test_a_divergence_names_the_first_non_finite_parameter_of_each_side():
    """lr 1e50 on identity layers: the weights grow ~1e50-fold an update and overflow on both sides at update 3
    (~1e450, far past any rounding), the first non-finite parameter of each named."""
    e = load_experiment("exercise3", {"epochs": 20, "mode": "batch", "lr": 1e50, "hidden_activation": "identity",
                                      "output_activation": "identity"}, None)
    with pytest.raises(DivergenceError) as caught:
        run_parity(e)
    assert re.search(r"diverged at update 3 \(epoch 2, batch 0, samples \[0, 1, 2, 3\]\): numpy W1\[0, 0\] = "
                     r"-?(inf|nan), torch W1\[0, 0\] = -?(inf|nan); the learning rate \(lr 1e\+50\)",
                     str(caught.value)), str(caught.value)


def test_outputs_are_the_trained_networks_by_hand_and_resync_wipes_a_small_difference():
    import numpy as np

    from tests.seed_oracle import sigmoid
    e = _experiment()
    report = run_parity(e)
    A = np.asarray(e.inputs)
    for W, b in zip(report.numpy.final_weights, report.numpy.final_biases):
        A = sigmoid(A @ W + b)
    np.testing.assert_allclose(report.numpy.outputs, A, rtol=1e-13)
    np.testing.assert_allclose(report.torch.outputs, A, rtol=1e-12)
    free = run_parity(e, numpy_factory=_wrong_at(1, delta=5e-13))           # inside the tolerance: carried
    synced = run_parity(e, numpy_factory=_wrong_at(1, delta=5e-13), resync=True)
    assert free.per_update[1] > 4e-13 and synced.per_update[1] < 1e-14


def test_a_report_of_no_update_has_no_deviation():
    import numpy as np

    from compare.lockstep.harness import ParityReport
    report = ParityReport(None, None, None, None, 0, np.ones(3))
    assert report.max_abs_diff == 0.0 and report.ok and not report.resync


def test_a_huge_but_finite_numpy_weight_beside_a_finite_torch_is_a_disagreement():
    """Only a non-finite side beside a huge other side is a divergence (rounding decides which side overflows
    first); a NumPy weight made huge (1e200, past the overflow limit of a 3-layer product) while torch stays
    small and finite is a bug of the NumPy side, said as a disagreement at its update."""
    with pytest.raises(ParityError) as caught:
        run_parity(_experiment(), numpy_factory=_wrong_at(2, index=1, delta=1e200))
    assert caught.value.failure.update == 2
