"""The lockstep harness's optimizer-state check: every state quantity (Adam's steps, moments, SGD's momentum
buffers) compared, named and resynced, against torch.optim's own state.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from compare.errors import ParityError  # noqa: E402
from compare.experiment.sources import load_experiment  # noqa: E402
from compare.lockstep.harness import run_parity  # noqa: E402
from numpy_impl.trainer import NumpyTrainer  # noqa: E402
from tests.test_mutants_lockstep import _experiment


def test_the_largest_state_difference_is_kept_per_quantity():
    e = _experiment(optimizer="adam")
    clean = run_parity(e)
    assert set(clean.state_max_abs_diff) == {"exp_avg", "exp_avg_sq", "step"}
    assert clean.state_max_abs_diff["step"] == 0.0
    assert all(0.0 <= v < 1e-15 for v in clean.state_max_abs_diff.values())

    def make(ex, weights, biases):
        trainer = NumpyTrainer(ex, weights, biases)
        step, count = trainer.step, []

        def stepped(samples):
            count.append(1)
            out = step(samples)
            if len(count) == 1:
                trainer.optimizer.flat_state["exp_avg_sq"][2] += 5e-13      # inside the tolerance
            return out
        trainer.step = stepped
        return trainer
    one = load_experiment("exercise3", {"epochs": 1, "mode": "batch", "optimizer": "adam"}, None)
    nudged = run_parity(one, numpy_factory=make)             # one update: the nudge is what is compared
    assert 4e-13 < nudged.state_max_abs_diff["exp_avg_sq"] < 6e-13
    assert nudged.state_max_abs_diff["exp_avg"] < 1e-15
    assert run_parity(e, resync=True).ok
    sgd = run_parity(_experiment(optimizer="sgd", momentum=0.9, nesterov=True))
    assert set(sgd.state_max_abs_diff) == {"momentum_buffer"} and sgd.state_max_abs_diff["momentum_buffer"] < 1e-15
    assert run_parity(_experiment()).state_max_abs_diff == {}


def _one_adam_update():
    """Both sides of exercise 3 (batch mode, Adam) after their first update, through `Lockstep` itself."""
    import numpy as np

    from compare.lockstep.pair import Lockstep
    e = load_experiment("exercise3", {"epochs": 1, "mode": "batch", "optimizer": "adam"}, None)
    run = Lockstep(e)
    X, T, indices = next(iter(run.torch.loader))
    run.torch.step(X, T)
    run.numpy.step(indices.numpy())
    assert run.max_abs_diff() < 1e-15
    return run, np


def test_the_state_check_names_a_step_count_that_differs():
    from compare.diagnosis.stagecheck import UpdateSite
    run, _ = _one_adam_update()
    where = UpdateSite(1, 0, 0, [0, 1, 2, 3])
    assert run.state_failure(where) is None
    run.numpy.optimizer.state[2]["step"] += 1                 # W2's count (parameters W1, b1, W2, ...)
    failure = run.state_failure(where, "yours")
    assert failure.message == ("parity FAILED at update 1 (epoch 0, batch 0, samples [0, 1, 2, 3]), stage optimizer "
                               "state: step count t (step) of W2: yours 2.0, torch 1.0, |diff| 1 > tolerance (equal "
                               "counts); every weight and bias agrees")
    assert (failure.layer, failure.parameter, failure.element, failure.state) == (2, "W2", (0, 0), "step")
    assert run.state_max_abs_diff["step"] == 1.0


def test_the_state_check_names_an_element_and_a_nan_counts_as_infinitely_far():
    from compare.diagnosis.stagecheck import UpdateSite
    run, np = _one_adam_update()
    where = UpdateSite(1, 0, 0, [0, 1, 2, 3])
    run.numpy.optimizer.flat_state["exp_avg"][5] = np.nan      # flat 5 of 2-2-2-1: b1[0, 1]
    failure = run.state_failure(where)
    assert failure is not None and failure.parameter == "b1" and failure.element == (0, 1)
    assert run.state_max_abs_diff["exp_avg"] == np.inf


def test_the_state_check_names_different_state_names(monkeypatch):
    from compare.diagnosis.stagecheck import UpdateSite
    from compare.lockstep import pair
    run, np = _one_adam_update()
    monkeypatch.setattr(pair, "numpy_state", lambda optimizer, e: {"exp_avg": np.zeros(17)})
    failure = run.state_failure(UpdateSite(1, 0, 0, [0]))
    assert failure.message.endswith("stage optimizer state: numpy keeps exp_avg, torch exp_avg, exp_avg_sq, step")
    assert (failure.element, failure.ours, failure.theirs) == ((0, 0), 0.0, 0.0)
    assert (failure.stage, failure.layer, failure.parameter, failure.array) == ("optimizer state", 0, "", "")  # none


def test_resync_copies_the_optimizer_state_too():
    e = load_experiment("exercise3", {"epochs": 3, "mode": "batch", "optimizer": "adam"}, None)

    def make(ex, weights, biases):
        trainer = NumpyTrainer(ex, weights, biases)
        step, count = trainer.step, []

        def stepped(samples):
            count.append(1)
            out = step(samples)
            if len(count) == 1:
                trainer.optimizer.flat_state["exp_avg_sq"][2] += 5e-13     # inside the tolerance, at update 1
            return out
        trainer.step = stepped
        return trainer
    with pytest.raises(ParityError):
        run_parity(e, numpy_factory=make)                    # carried: the next step differs
    assert run_parity(e, numpy_factory=make, resync=True).ok  # torch's state copied before update 2


def test_the_state_check_names_the_first_of_several_and_the_last_layers_count():
    from compare.diagnosis.stagecheck import UpdateSite
    run, np = _one_adam_update()
    where = UpdateSite(1, 0, 0, [0, 1, 2, 3])
    run.numpy.optimizer.state[5]["step"] += 2                 # b3, the last parameter of 2-2-2-1
    failure = run.state_failure(where)
    assert "step count t (step) of b3: numpy 3.0, torch 1.0, |diff| 2 >" in failure.message
    assert (failure.layer, failure.parameter) == (3, "b3")
    run.numpy.optimizer.state[5]["step"] -= 2
    run.numpy.optimizer.flat_state["exp_avg"][[5, 7]] = np.nan     # b1[0, 1] and W2[0, 1]: the first is named
    failure = run.state_failure(where)
    assert "first moment" in failure.message or "exp_avg" in failure.message
    assert "b1[0, 1]" in failure.message and failure.element == (0, 1)


def test_sgds_momentum_buffers_are_compared_although_sgd_counts_no_steps():
    e = load_experiment("exercise3", {"epochs": 1, "mode": "batch", "optimizer": "sgd", "momentum": 0.9}, None)

    def make(ex, weights, biases):
        trainer = NumpyTrainer(ex, weights, biases)
        step = trainer.step

        def stepped(samples):
            out = step(samples)
            trainer.optimizer.buffers[0][0, 0] += 1e-6
            return out
        trainer.step = stepped
        return trainer
    with pytest.raises(ParityError, match="stage optimizer state"):
        run_parity(e, numpy_factory=make)


def test_every_state_quantity_is_checked_after_one_that_passes_by_the_relative_rule():
    """Adagrad's sum starts at 100: a nudge of 5e-8 is above atol but within rtol x 100; the step count after
    it is still compared."""
    from compare.diagnosis.stagecheck import UpdateSite
    from compare.lockstep.pair import Lockstep
    e = load_experiment("exercise3", {"epochs": 1, "mode": "batch", "optimizer": "adagrad",
                                      "initial_accumulator_value": 100.0}, None)
    run = Lockstep(e)
    X, T, indices = next(iter(run.torch.loader))
    run.torch.step(X, T)
    run.numpy.step(indices.numpy())
    run.max_abs_diff()
    run.numpy.optimizer.flat_state["sum"][0] += 5e-8
    assert run.state_failure(UpdateSite(1, 0, 0, [0])) is None
    run.numpy.optimizer.state[0]["step"] += 1
    assert "step count" in run.state_failure(UpdateSite(1, 0, 0, [0])).message


@pytest.mark.parametrize("optimizer", ["adam", "adagrad"])
def test_layers_without_biases_compare_their_step_counts_per_held_parameter(optimizer):
    """`bias = false`: the optimizer holds the weights only; each side's step counts are laid out one number per
    parameter of the seed layout (0 for an absent bias on both sides), and the run agrees at every update."""
    e = _experiment(optimizer=optimizer, lr=0.01, bias=False)
    report = run_parity(e)
    assert report.updates_checked == e.total_updates
    assert report.state_max_abs_diff["step"] == 0.0
