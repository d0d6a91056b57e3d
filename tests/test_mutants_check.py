"""The check suite and the torch-free check, in this process (fast): every count and sentence of the verdict
against the suite's definition worked out by hand (docs/check-suite.md):

    batches  3-5-4-2, 7 samples in batches of 3, 3, 1, 2 epochs: 6 updates, 3 layers, 2 outputs
    square   3-3-3-3, one batch of 5, 3 epochs: 3 updates, 3 layers, 3 outputs
    long     3-4-2, 5 single samples, 24 epochs: 120 updates, 2 layers, 2 outputs
    the 11 others: the batches network and data for 1 epoch (3 updates each; cross-entropy's has 3 outputs)

A file with every keyword runs all 14: 6 + 3 + 120 + 11 x 3 = 162 updates. One without runs the first three
(129) and says what it did not cover and why.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from compare.errors import ExperimentError, ParityError
from compare.usercode.check import check_against_trace, updates_to_check
from compare.usercode.load import UserCodeError, load_user_code, user_code_from_functions
from compare.usercode.suite import SUITE, case
from compare.usercode.suite_record import load_recording
from compare.usercode.suite_run import run_suite
from compare.usercode.suite_verdict import coverage, ok_line, verdict

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "examples" / "backprop_solution.py"
TEMPLATE_LIKE = {"batches": 6, "square": 3, "long": 120}


def seed_backward(weights, biases, activations, targets):
    """The lesson's backward (sigmoid, loss "sum"), written out here."""
    B = targets.shape[0]
    A = activations[-1]
    delta = (A - targets) * A * (1 - A)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = activations[l].T @ delta / B
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l > 0:
            delta = delta @ weights[l].T * activations[l] * (1 - activations[l])
    return dW, db


def wrong_at_call(n: int, shape: tuple[int, int] = (3, 5)):
    """The seed's backward, wrong (dW1 x 1.5) at its n-th call on a network whose W1 has `shape`."""
    calls = []

    def backward(weights, biases, activations, targets):
        dW, db = seed_backward(weights, biases, activations, targets)
        if weights[0].shape == shape:
            calls.append(1)
            if len(calls) == n:
                dW[0] = dW[0] * 1.5
        return dW, db
    return backward


@pytest.fixture(scope="module")
def solution_report():
    return run_suite(load_user_code(SOLUTION), jobs=1)


def test_the_solution_runs_every_experiment_to_its_last_update(solution_report):
    r = solution_report
    assert [x.status for x in r.results] == ["ok"] * len(SUITE) == ["ok"] * 14
    counts = {x.name: x.updates_checked for x in r.results}
    assert {k: counts[k] for k in TEMPLATE_LIKE} == TEMPLATE_LIKE
    assert sum(counts.values()) == 162
    assert all(x.total_updates == x.updates_checked for x in r.results)
    assert r.ok and r.exit_code == 0 and r.first_failure is None and r.first_error is None
    assert all(0 <= x.max_abs_diff < 1e-12 for x in r.results)
    assert all(x.against == "suite recording" for x in r.results)


def test_the_solutions_coverage_in_words(solution_report):
    covered, not_covered = coverage(solution_report)
    assert covered == ["14 experiments, 162 updates", "batch sizes 1, 3, 5 (a last partial batch included)",
                       "outputs 2, 3", "depths 2 layers, 3 layers", "hidden identity, leaky_relu, relu, sigmoid, tanh",
                       "output identity, leaky_relu, sigmoid, softmax, tanh", "losses bce, cross_entropy, mean, sum",
                       "a leaky_relu slope other than 0.01"]
    assert not_covered == []
    line = ok_line(solution_report)
    assert line.startswith(f"check OK: {solution_report.file} agrees with the shipped torch recordings at every "
                           "stage (forward, gradients, weights) of every update: 14 experiments, 162 updates")
    assert line.endswith("; every experiment of the suite ran")
    text = verdict(solution_report)
    assert text.splitlines()[0].endswith("14 experiments, against the shipped torch recordings (torch not needed)")
    rows = {cells[0]: cells[1:] for cells in (re.split(r"\s{2,}", line.strip()) for line in text.splitlines()[1:16])}
    assert rows["batches"] == ["3-5-4-2 sigmoid, loss sum", "3,3,1", "OK: 6 updates agree"]
    assert rows["square"] == ["3-3-3-3 sigmoid, loss sum", "5", "OK: 3 updates agree"]
    assert rows["long"] == ["3-4-2 sigmoid, loss sum", "1", "OK: 120 updates agree"]
    assert rows["hidden-tanh"] == ["3-5-4-2 tanh/sigmoid, loss sum", "3,3,1", "OK: 3 updates agree"]
    assert rows["cross-entropy"] == ["3-5-4-3 sigmoid/softmax, loss cross_entropy", "3,3,1", "OK: 3 updates agree"]


def test_a_file_without_keywords_runs_three_and_says_what_it_did_not_cover():
    r = run_suite(user_code_from_functions(seed_backward), jobs=1)
    ran = {x.name: x.updates_checked for x in r.results if x.status == "ok"}
    assert ran == TEMPLATE_LIKE
    assert {x.status for x in r.results if x.name not in ran} == {"skipped"}
    covered, not_covered = coverage(r)
    assert covered[:4] == ["3 experiments, 129 updates", "batch sizes 1, 3, 5 (a last partial batch included)",
                           "outputs 2, 3", "depths 2 layers, 3 layers"]
    assert covered[4:] == ["hidden sigmoid", "output sigmoid", "losses sum"]
    assert not_covered == ['loss "mean", loss "bce", loss "cross_entropy", output activation softmax '
                           "(your backward takes no `loss`)",
                           "hidden activation tanh, hidden activation relu, hidden activation leaky_relu, hidden "
                           "activation identity, leaky slope 0.2 (your backward takes no `hidden_activation`)",
                           "output activation tanh, output activation identity, output activation leaky_relu "
                           "(your backward takes no `output_activation`)"]
    assert "; NOT covered: " in ok_line(r) and "every experiment of the suite ran" not in ok_line(r)
    assert r.ok and r.exit_code == 0
    assert "not run: your backward takes no `loss`" in verdict(r)


@pytest.mark.parametrize("n, experiment, update, shape", [(2, "batches", 6, (3, 5)), (1, "batches", 3, (3, 5)),
                                                          (120, "long", 120, (3, 4)), (3, "square", 3, (3, 3))])
def test_a_mistake_at_one_update_is_named_there(n, experiment, update, shape):
    """`batches`' partial batch of one sample is its updates 3 and 6; the n-th call on a W1 of `shape`."""
    inner = wrong_at_call(n, shape)

    def backward(weights, biases, activations, targets):
        if shape == (3, 5) and targets.shape[0] != 1:     # only the partial batches of one sample count
            return seed_backward(weights, biases, activations, targets)
        return inner(weights, biases, activations, targets)
    r = run_suite(user_code_from_functions(backward), jobs=1)
    failed = r.first_failure
    assert failed is not None and failed.name == experiment and failed.status == "failed"
    assert failed.failure.update == update and failed.failure.stage == "gradient"
    assert failed.updates_checked == update
    assert not r.ok and r.exit_code == 1
    assert f"first disagreement, in experiment `{experiment}`" in verdict(r)
    assert f"FAILED at update {update}, stage gradient: layer 1, dW1[" in verdict(r)
    others = [x for x in r.results if x.name != experiment and x.name in TEMPLATE_LIKE]
    assert all(x.status == "ok" for x in others)


def test_a_raising_backward_is_an_error_and_never_ok():
    def backward(weights, biases, activations, targets, loss="sum"):
        raise ValueError("not yet")
    r = run_suite(user_code_from_functions(backward), jobs=1)
    statuses = {x.name: x.status for x in r.results}
    assert {statuses[k] for k in TEMPLATE_LIKE} == {"error"}
    assert {statuses[c.name] for c in SUITE if c.needs == ("loss",)} == {"unsupported"}
    assert {statuses[c.name] for c in SUITE if c.needs and c.needs != ("loss",)} == {"skipped"}
    assert not r.ok and r.exit_code == 2 and r.first_error.name == "batches"
    assert "error in experiment `batches`" in verdict(r) and "not yet" in verdict(r)


def test_a_backward_raising_where_it_lacks_a_setting_is_unsupported_there_only():
    def backward(weights, biases, activations, targets, loss="sum"):
        if loss != "sum":
            raise NotImplementedError("only sum")
        return seed_backward(weights, biases, activations, targets)
    r = run_suite(user_code_from_functions(backward), jobs=1)
    statuses = {x.name: x.status for x in r.results}
    assert {statuses[c.name] for c in SUITE if c.needs == ("loss",)} == {"unsupported"}
    assert {statuses[k] for k in TEMPLATE_LIKE} == {"ok"}
    assert r.ok and r.exit_code == 0
    reasons = {x.reason for x in r.results if x.status == "unsupported"}
    assert len(reasons) == 1 and reasons.pop().startswith("your file raised ")


def test_the_torch_free_check_reads_the_recording_to_its_last_update():
    trace = load_recording(case("long"))
    code = user_code_from_functions(seed_backward)
    full = check_against_trace(code, trace)
    assert full.updates_checked == 120 and full.ok and full.history.updates == 120
    assert [epoch for epoch, _ in full.history.loss_log] == list(range(24))
    part = check_against_trace(code, trace, updates=7)
    assert part.updates_checked == 7 and part.history.updates == 7
    seen = []
    check_against_trace(code, trace, updates=10, on_epoch=lambda epoch, loss: seen.append(epoch))
    assert seen == [0, 1]                      # 5 updates an epoch: epochs 0 and 1 complete
    with pytest.raises(ParityError) as caught:
        check_against_trace(user_code_from_functions(wrong_at_call(120, (3, 4))), trace)
    assert caught.value.failure.update == 120 and caught.value.report.updates_checked == 120
    assert 0 <= caught.value.failure.drift < 1e-14        # 119 right updates: the two started it together
    none = check_against_trace(code, trace, updates=0)
    assert (none.updates_checked, none.max_abs_diff, none.history.loss_log) == (0, 0.0, [])
    # the outputs of the trained network, by hand from its final weights
    from tests.seed_oracle import sigmoid
    A = np.asarray(trace.experiment.inputs)
    for W, b in zip(full.history.final_weights, full.history.final_biases):
        A = sigmoid(A @ W + b)
    np.testing.assert_allclose(full.history.outputs, A, rtol=1e-13)
    assert "yours" in str(caught.value) and "torch" in str(caught.value)


def test_a_recording_is_checked_only_against_the_run_it_recorded():
    trace = load_recording(case("long"))
    e = trace.experiment
    assert updates_to_check(trace, None) == 120
    from dataclasses import replace
    assert updates_to_check(trace, replace(e, epochs=3)) == 15
    with pytest.raises(ExperimentError, match="recorded 24 epochs; --epochs 25 asks for more"):
        updates_to_check(trace, replace(e, epochs=25))
    with pytest.raises(ExperimentError, match="lr"):
        updates_to_check(trace, replace(e, lr=0.5))


def test_a_check_naming_a_setting_the_file_cannot_express_says_so_first():
    from compare.usercode.check import check_with_torch
    pytest.importorskip("torch")
    e = case("loss-mean").experiment()
    with pytest.raises(ParityError) as caught:
        check_with_torch(user_code_from_functions(seed_backward), e)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("check FAILED at update 1 (epoch 0, batch 0, samples [0, 1, 5]), stage gradient")
    assert lines[1].startswith("  your file has no forward: ours was used")
    assert lines[2].startswith("  note: your backward takes no `loss`, so it cannot express this experiment's "
                               "loss = 'mean'")
    assert lines[3].startswith("  hint: yours = torch's x 2 at every element of dW3")
    assert not any(line.startswith("  hint: the layers above") for line in lines)
    failure = caught.value.failure
    assert failure.notes == (lines[2].removeprefix("  note: "),)
    assert failure.hints == tuple(line.removeprefix("  hint: ") for line in lines if line.startswith("  hint: "))
    report = caught.value.report
    assert report is not None and report.updates_checked == 1 and report.failure is failure


def test_an_unknown_shape_is_an_error_with_the_expected_shape():
    def backward(weights, biases, activations, targets):
        dW, db = seed_backward(weights, biases, activations, targets)
        return [np.zeros((2, 2))] + dW[1:], db
    with pytest.raises(UserCodeError, match=r"dW\[0\] \(the gradient of W1\) has shape \(2, 2\); expected \(3, 5\)"):
        check_against_trace(user_code_from_functions(backward), load_recording(case("batches")))


def test_the_reason_an_experiment_was_not_run_quotes_the_files_own_words():
    def backward(weights, biases, activations, targets, loss="sum"):
        if loss != "sum":
            raise NotImplementedError("only sum: for now")
        return seed_backward(weights, biases, activations, targets)
    r = run_suite(user_code_from_functions(backward), jobs=1)
    reason = next(x.reason for x in r.results if x.status == "unsupported")
    assert reason.startswith("your file raised NotImplementedError: only sum: for now"), reason


def test_a_forward_without_a_keyword_its_backward_takes_cannot_express_that_experiment():
    from tests.seed_oracle import sigmoid

    def forward(weights, biases, X):
        activations = [X]
        for W, b in zip(weights, biases):
            activations.append(sigmoid(activations[-1] @ W + b))
        return activations

    def backward(weights, biases, activations, targets, hidden_activation="sigmoid"):
        return seed_backward(weights, biases, activations, targets)
    r = run_suite(user_code_from_functions(backward, forward), jobs=1)
    reasons = {x.name: x.reason for x in r.results}
    assert reasons["hidden-tanh"] == "your forward takes no `hidden_activation`"
    assert reasons["loss-mean"] == "your backward takes no `loss`"
    assert {x.name for x in r.results if x.status == "ok"} == set(TEMPLATE_LIKE)
