"""The replay of a failing update (compare/lockstep/replay.py), against what the test itself put in: the drift
it reports is the nudge a test gave the NumPy side one update before (within tolerance), a resynced run's
replay starts from torch's weights (drift exactly 0), the title says "check" for a user's file and "parity"
for ours, and the values it names are the ones a backward scaled by a known factor gives.

The seed's exercise 3 in stochastic mode: 4 updates an epoch, so update 5 is epoch 1, batch 0; update 7 is
epoch 1, batch 2.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from compare.errors import ParityError  # noqa: E402
from compare.experiment.sources import load_experiment  # noqa: E402
from compare.lockstep.harness import run_parity  # noqa: E402
from compare.lockstep.replay import replay_failure  # noqa: E402
from numpy_impl.network import backward  # noqa: E402
from numpy_impl.trainer import NumpyTrainer  # noqa: E402

FACTOR = 1.5      # the wrong backward's dW1 is this many times the right one
# pytest.approx also accepts anything within 1e-12 absolute unless told `abs=0`: the drifts here are 1e-13


def _experiment(**extra):
    return load_experiment("exercise3", {"epochs": 3, "mode": "stochastic", "report_every": 1, **extra}, None)


def _side(*, nudge_at: int = 0, delta: float = 0.0, index: int = 0, wrong_at: int = 0):
    """A NumPy side whose weight `index` is moved by `delta` after update `nudge_at`, and whose backward
    returns dW1 x FACTOR at its `wrong_at`-th call (0: never)."""
    def make(e, weights, biases):
        calls: list[int] = []
        steps: list[int] = []

        def wrong_backward(W, Zs, activations, T, workspace=None):
            calls.append(1)
            dW, db = backward(W, Zs, activations, T, workspace=workspace)
            if len(calls) == wrong_at:
                dW = [dW[0] * FACTOR] + list(dW[1:])
            return dW, db
        trainer = NumpyTrainer(e, weights, biases, backward_fn=wrong_backward)
        step = trainer.step

        def stepped(samples):
            steps.append(1)
            out = step(samples)
            if len(steps) == nudge_at:
                trainer.theta[index] += delta
            return out
        trainer.step = stepped
        return trainer
    return make


def _failure(e, make, **kw):
    with pytest.raises(ParityError) as caught:
        run_parity(e, numpy_factory=make, **kw)
    return caught.value


@pytest.mark.parametrize("delta", [3e-13, -7e-13])
def test_the_drift_reported_is_the_nudge_given_one_update_before(delta):
    """A nudge within tolerance after update 4, a wrong gradient at update 5: the replay reports the two
    sides started update 5 |delta| apart (the rest is rounding, far below 1e-15)."""
    e = _experiment()
    exc = _failure(e, _side(nudge_at=4, delta=delta, wrong_at=5))
    f = exc.failure
    assert (f.update, f.epoch, f.batch, f.stage, f.parameter) == (5, 1, 0, "gradient", "W1")
    assert f.drift == pytest.approx(abs(delta), rel=1e-2, abs=0)
    assert exc.report.failure.drift == f.drift


def test_no_nudge_no_drift_and_a_nudge_on_a_bias_is_seen_too():
    e = _experiment()
    assert _failure(e, _side(wrong_at=5)).failure.drift < 1e-15      # rounding only
    # sizes 2-2-2-1, theta = W1 (4), b1 (2), W2 (4), b2 (2), W3 (2), b3 (1): position 5 is b1[0, 1]
    f = _failure(e, _side(nudge_at=4, delta=4e-13, index=5, wrong_at=5)).failure
    assert f.drift == pytest.approx(4e-13, rel=1e-2, abs=0)


def test_an_earlier_nudge_is_carried_into_the_drift():
    """Nudged after update 2, replayed at update 7: the replay steps through updates 3 to 6 on both sides,
    and the nudge (of the order of the weights' steps, far above rounding) is still there."""
    e = _experiment()
    f = _failure(e, _side(nudge_at=2, delta=5e-13, wrong_at=7)).failure
    assert (f.update, f.epoch, f.batch) == (7, 1, 2)
    assert 4e-13 < f.drift < 6e-13


def test_a_resynced_run_is_replayed_resynced_from_torchs_weights():
    """With resync, NumPy takes torch's weights before every update: the nudge after update 4 is wiped before
    update 5, and the replay must start update 5 from torch's weights too (drift exactly 0), while the run
    without resync is replayed without (the nudge is there)."""
    e = _experiment()
    synced = _failure(e, _side(nudge_at=4, delta=3e-13, wrong_at=5), resync=True).failure
    assert synced.update == 5 and synced.stage == "gradient" and synced.drift == 0.0
    free = _failure(e, _side(nudge_at=4, delta=3e-13, wrong_at=5)).failure
    assert free.drift == pytest.approx(3e-13, rel=1e-2, abs=0)
    # a resynced run carries a wrong update no further: the replay at update 6 of a side wrong at 5 and 6 names 5
    assert _failure(e, _side(wrong_at=5), resync=True).failure.update == 5


def test_replay_failure_called_directly_with_and_without_resync():
    """The replay alone, from the harness's initial weights: resync=True starts every update from torch's
    state, so a nudge made after update 3 is gone by update 4; without resync it is the drift."""
    e = _experiment()
    rng = np.random.default_rng(3)     # other starting weights than the preset's: the replay starts from these
    weights = [rng.normal(size=(n_in, n_out)) for n_in, n_out in zip(e.sizes, e.sizes[1:])]
    biases = [rng.normal(size=(1, n_out)) for n_out in e.sizes[1:]]
    make = _side(nudge_at=3, delta=2e-13, wrong_at=4)
    free = replay_failure(e, (weights, biases), 4, numpy_factory=make)
    synced = replay_failure(e, (weights, biases), 4, numpy_factory=make, resync=True)
    assert free is not None and synced is not None
    assert free.drift == pytest.approx(2e-13, rel=1e-2, abs=0) and synced.drift == 0.0
    assert free.update == synced.update == 4 and (free.epoch, free.batch) == (0, 3)
    # an update past the run's last: nothing to replay
    assert replay_failure(e, (weights, biases), 3 * 4 + 1, numpy_factory=make) is None
    # a right side replayed at any update: every stage agrees
    assert replay_failure(e, (weights, biases), 6) is None


@pytest.mark.parametrize("label, title", [("yours", "check"), ("numpy", "parity"), ("mine", "parity")])
def test_the_title_names_a_users_check_or_our_parity(label, title):
    e = _experiment()
    exc = _failure(e, _side(wrong_at=5), label=label)
    first = str(exc).splitlines()[0]
    assert first.startswith(f"{title} FAILED at update 5 (epoch 1, batch 0, samples [")
    assert ", stage gradient: layer 1, dW1[" in first and f": {label} " in first
    other = "parity" if title == "check" else "check"
    assert f"{other} FAILED" not in str(exc)


def test_the_values_named_are_the_right_gradient_and_the_scaled_one():
    """The wrong backward's dW1 is FACTOR times torch's at every element: the two values the replay names
    are in that ratio, and torch's is the right gradient (torch autograd on the same weights and sample)."""
    import torch

    e = _experiment()
    exc = _failure(e, _side(wrong_at=5))
    f = exc.failure
    assert f.ours == pytest.approx(FACTOR * f.theirs, rel=1e-12, abs=0)
    # recompute torch's dW1 at update 5 from the weights a right run has before it
    report = run_parity(_experiment(epochs=1))
    W = [torch.tensor(w, requires_grad=True) for w in report.torch.final_weights]     # (n_in, n_out)
    b = [torch.tensor(x, requires_grad=True) for x in report.torch.final_biases]      # (1, n_out)
    X = torch.tensor(np.asarray(e.inputs, dtype=np.float64)[list(f.samples)])
    T = torch.tensor(np.asarray(e.targets, dtype=np.float64)[list(f.samples)])
    A = X
    for k in range(3):     # sizes 2-2-2-1, sigmoid everywhere
        A = torch.sigmoid(A @ W[k] + b[k])
    loss = ((T - A) ** 2).sum(dim=1).mean() / 2     # the seed's loss, batch mean
    loss.backward()
    assert f.theirs == pytest.approx(float(W[0].grad[f.element]), rel=1e-9, abs=0)
