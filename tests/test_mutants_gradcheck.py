"""compare/usercode/gradcheck.py, fast: its numbers against torch autograd and sums written out here. A backward
that returns ones everywhere scores |1 - n| / max(1 + |n|, 1e-3 |L|) per element (n: the true gradient, by
autograd); the bands and the "who is right" rule at their edges; the trajectory it checks along, the runs it
refuses (diverged), and `gradcheck --mode all`'s exit status (0 only when every mode passes)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from compare.cli.main import main
from compare.errors import DivergenceError
from compare.experiment.sources import load_experiment
from compare.usercode.gradcheck import (
    _who_is_right,
    band,
    batch_loss,
    checkpoints,
    gradcheck,
    numerical_gradient,
    passes,
    relative_error,
)
from compare.usercode.load import user_code_from_functions

ZOO = Path(__file__).resolve().parent / "zoo"
NAMES = ["W1", "b1", "W2", "b2", "W3", "b3"]


def autograd(W, b, X, T, l2=0.0, l2_biases=False):
    """(loss, [dW1, db1, dW2, ...]) of a sigmoid network, loss = batch mean of sum (t - a)^2 / 2 + l2/2 |W|^2."""
    params = [torch.tensor(np.array(p, dtype=np.float64), requires_grad=True) for pair in zip(W, b) for p in pair]
    A = torch.tensor(X)
    for w, c in zip(params[0::2], params[1::2]):
        A = torch.sigmoid(A @ w + c)
    loss = ((A - torch.tensor(T)) ** 2).sum() / 2 / X.shape[0]
    loss = loss + l2 / 2 * sum((p ** 2).sum() for p in (params if l2_biases else params[0::2]))
    loss.backward()
    return loss.item(), [p.grad.numpy() for p in params]


def ones(weights, biases, activations, targets):
    return [np.ones_like(w) for w in weights], [np.ones_like(c) for c in biases]


def test_the_error_the_bands_and_passing_at_their_edges():
    got = relative_error(np.array([3.0, 1e-9, -2.0, np.nan]), np.array([1.0, 2e-9, 2.0, 1.0]), 1e-3)
    np.testing.assert_allclose(got[:3], [2 / 4, 1e-9 / 1e-3, 4 / 4], rtol=1e-15)
    assert np.isnan(got[3])
    for error, smooth, kinked in ((1e-2, "wrong", "wrong"), (0.0099, "suspicious", "suspicious"),
                                  (1e-4, "suspicious", "suspicious"),
                                  (9.9e-5, "too high for a smooth network", "acceptable (kinks)"),
                                  (1e-7, "too high for a smooth network", "acceptable (kinks)"),
                                  (9.9e-8, "good", "good"), (np.nan, "wrong", "wrong"), (np.inf, "wrong", "wrong")):
        assert (band(error, False), band(error, True)) == (smooth, kinked), error
    assert [passes(x, False) for x in (9.9e-8, 1e-7, np.nan)] == [True, False, False]
    assert [passes(x, True) for x in (1e-7, 9.9e-5, 1e-4, np.nan)] == [True, True, False, False]


def test_the_updates_checked_three_early_the_middle_two_late():
    assert checkpoints(10) == [1, 2, 3, 5, 9, 10] and checkpoints(9) == [1, 2, 3, 5, 8, 9]
    assert checkpoints(10000) == [1, 2, 3, 5000, 9999, 10000]
    assert checkpoints(4) == [1, 2, 3, 4] and checkpoints(2) == [1, 2] and checkpoints(1) == [1]
    assert checkpoints(0) == []


def test_the_loss_and_its_central_differences_against_autograd():
    e = load_experiment("exercise3", {"mode": "batch", "l2": 0.1, "l2_biases": True})
    rng = np.random.default_rng(5)
    W = [rng.normal(size=np.shape(w)) for w in e.init_weights]
    b = [rng.normal(size=np.shape(c)) for c in e.init_biases]
    X, T = np.array(e.inputs), np.array(e.targets)
    kept = [p.copy() for p in W + b]
    loss, grads = autograd(W, b, X, T, l2=0.1, l2_biases=True)
    assert batch_loss(e, W, b, X, T) == pytest.approx(loss, rel=1e-14, abs=0)
    nW, nb = numerical_gradient(e, W, b, X, T)
    for n, g in zip([x for pair in zip(nW, nb) for x in pair], grads):
        np.testing.assert_allclose(n, g, rtol=1e-7, atol=1e-11)
    assert all(np.array_equal(p, q) for p, q in zip(W + b, kept))       # nudged copies, never the inputs
    # a given step: (L(p + h) - L(p - h)) / 2h, one element by hand
    W_up, W_down = [w.copy() for w in W], [w.copy() for w in W]
    W_up[1][0, 1] += 0.25
    W_down[1][0, 1] -= 0.25
    by_hand = (autograd(W_up, b, X, T, 0.1, True)[0] - autograd(W_down, b, X, T, 0.1, True)[0]) / 0.5
    assert numerical_gradient(e, W, b, X, T, h=0.25)[0][1][0, 1] == pytest.approx(by_hand, rel=1e-12, abs=0)


def test_the_loss_of_logits_reads_the_last_z():
    """Softmax outputs with cross-entropy: the loss is computed from the logits Z_L (torch's cross_entropy)."""
    from compare.experiment.initial import initial_parameters
    e = load_experiment("blobs", {"epochs": 1})
    W, b = initial_parameters(e)
    X, T = np.array(e.inputs)[:7], np.array(e.targets)[:7]
    A = torch.tensor(X)
    for l, (w, c) in enumerate(zip(W, b)):
        Z = A @ torch.tensor(w) + torch.tensor(c)
        A = torch.relu(Z) if l < len(W) - 1 else Z
    expected = torch.nn.functional.cross_entropy(A, torch.tensor(T).argmax(1)).item()
    assert batch_loss(e, W, b, X, T) == pytest.approx(expected, rel=1e-13, abs=0)


def along_the_run(e):
    """The batches (DataLoader order) and the weights each update starts from: plain SGD by autograd."""
    from torch_impl.data import make_loader
    W = [np.array(w) for w in e.init_weights]
    b = [np.array(c).reshape(1, -1) for c in e.init_biases]
    X_all, T_all = np.array(e.inputs), np.array(e.targets)
    out = []
    loader = make_loader(e, torch.tensor(X_all), torch.tensor(T_all))
    for epoch in range(e.epochs):
        for batch, (*_, idx) in enumerate(loader):
            idx = idx.numpy()
            loss, grads = autograd(W, b, X_all[idx], T_all[idx])
            out.append((epoch, batch, idx.tolist(), loss, grads))
            W = [w - e.lr * g for w, g in zip(W, grads[0::2])]
            b = [c - e.lr * g for c, g in zip(b, grads[1::2])]
    return out


def test_a_backward_of_ones_scores_as_the_formula_says_along_the_run():
    e = load_experiment("exercise3", {"mode": "minibatch", "epochs": 5})
    run = along_the_run(e)
    code = user_code_from_functions(ones)
    report = gradcheck(e, code)
    assert report.source == str(code.path) == __file__ and report.order == "torch DataLoader"
    assert [c.update for c in report.checks] == [1, 2, 3, 5, 9, 10] and not report.ok
    largest = []
    for c in report.checks:
        epoch, batch, samples, loss, grads = run[c.update - 1]
        assert (c.epoch, c.batch, c.samples) == (epoch, batch, samples) == ((c.update - 1) // 2, (c.update - 1) % 2,
                                                                            samples)
        assert c.loss == pytest.approx(loss, rel=1e-13, abs=0)
        assert c.floor == pytest.approx(1e-3 * loss, rel=1e-13, abs=0)
        errors = [np.abs(1 - g) / np.maximum(1 + np.abs(g), 1e-3 * loss) for g in grads]
        assert list(c.errors) == NAMES
        for name, err in zip(NAMES, errors):
            assert c.errors[name] == pytest.approx(err.max(), rel=1e-6), (c.update, name)
        k = int(np.argmax([err.max() for err in errors]))
        element = np.unravel_index(int(np.argmax(errors[k])), errors[k].shape)
        assert c.worst["parameter"] == NAMES[k] and c.worst["element"] == list(element)
        assert c.worst["analytic"] == 1.0 and c.worst["numeric"] == pytest.approx(grads[k][element], rel=1e-6)
        assert c.worst["error"] == c.errors[NAMES[k]]
        # torch's gradient differs from the ones most where it is smallest; the differences support torch
        gaps = [np.abs(1 - g) - (1e-12 + 1e-9 * np.abs(g)) for g in grads]
        k = int(np.argmax([gap.max() for gap in gaps]))
        i = np.unravel_index(int(np.argmax(gaps[k])), gaps[k].shape)
        t = c.torch
        assert (t["parameter"], t["element"], t["yours"], t["supports"]) == (NAMES[k], list(i), 1.0, "torch")
        assert t["torch"] == pytest.approx(grads[k][i], rel=1e-12) and t["numeric"] == pytest.approx(t["torch"],
                                                                                                       rel=1e-6)
        assert t["error_yours"] == pytest.approx(errors[k][i], rel=1e-6) and t["error_torch"] < 1e-7
        largest.append(c.worst["error"])
    assert report.worst.worst["error"] == max(largest)
    assert report.worst is report.checks[int(np.argmax(largest))]


def test_numpys_backward_passes_where_torch_agrees_and_a_nan_is_the_worst():
    e = load_experiment("exercise3", {"mode": "minibatch", "epochs": 2, "dtype": "float32"})
    report = gradcheck(e)
    assert report.experiment.dtype == "float64" and report.source == "numpy_impl" and report.ok
    assert [c.update for c in report.checks] == [1, 2, 3, 4] and not report.kinks
    assert all(c.torch is None and max(c.errors.values()) < 1e-7 for c in report.checks)

    def nan_at_update_3(weights, biases, activations, targets):
        dW, db = ones(weights, biases, activations, targets)
        dW[1][1, 0] = np.nan if calls.append(1) or len(calls) == 3 else 1.0
        return dW, db
    calls: list[int] = []
    bad = gradcheck(e, user_code_from_functions(nan_at_update_3), with_torch=False)
    third = bad.checks[2]
    assert np.isnan(third.errors["W2"]) and third.worst["parameter"] == "W2" and third.worst["element"] == [1, 0]
    assert np.isnan(third.worst["analytic"]) and bad.worst is third and not bad.ok
    assert all(c.torch is None for c in bad.checks) and bad.order == "torch DataLoader"
    assert not np.isnan(bad.checks[1].errors["W2"])


@pytest.mark.parametrize("activations, kinks", [({"hidden_activation": "relu"}, True),
                                                ({"output_activation": "leaky_relu"}, True),
                                                ({"hidden_activation": "tanh"}, False)])
def test_kinks_are_relu_or_leaky_relu_anywhere(activations, kinks):
    e = load_experiment("exercise3", {"mode": "batch", "epochs": 1, **activations})
    assert gradcheck(e, with_torch=False).kinks is kinks


def test_a_loss_of_exactly_zero_has_a_floor_of_1e_15_not_zero():
    """Identity layers from zero weights on zero targets: the loss and every gradient are 0 at every update."""
    e = load_experiment("exercise3", {"mode": "batch", "epochs": 3, "activation": "identity"})
    e = dataclasses.replace(e, init_weights=tuple(np.zeros(np.shape(w)) for w in e.init_weights),
                            init_biases=tuple(np.zeros(np.shape(c)) for c in e.init_biases),
                            targets=np.zeros(np.shape(e.targets)))
    report = gradcheck(e, with_torch=False)
    assert report.ok and [c.loss for c in report.checks] == [0.0, 0.0, 0.0]
    assert [c.floor for c in report.checks] == [1e-15] * 3
    assert all(v == 0.0 for c in report.checks for v in c.errors.values())


def test_no_update_checked_is_not_ok():
    from compare.usercode.gradcheck import GradcheckReport
    r = GradcheckReport(load_experiment("hiring"), "numpy_impl")
    assert r.worst is None and not r.ok


def test_without_torch_numpy_orders_the_batches_and_nobody_is_compared(monkeypatch):
    from numpy_impl.schedule import epoch_batches
    e = load_experiment("exercise3", {"mode": "minibatch", "epochs": 3})
    rng = np.random.default_rng(e.seed)
    order = [idx.tolist() for _ in range(3) for idx in epoch_batches(rng, 4, 2, e.resolved_order, 4, False)]
    monkeypatch.setitem(sys.modules, "torch", None)          # `import torch` raises ImportError
    report = gradcheck(e, user_code_from_functions(ones))
    assert report.order == "numpy_impl's own (torch is not installed)"
    assert [c.update for c in report.checks] == [1, 2, 3, 5, 6]
    assert [c.samples for c in report.checks] == [order[u - 1] for u in (1, 2, 3, 5, 6)]
    assert [(c.epoch, c.batch) for c in report.checks] == [(0, 0), (0, 1), (1, 0), (2, 0), (2, 1)]
    assert all(c.torch is None for c in report.checks)


def test_who_is_right_by_the_finite_differences():
    one = [np.array([[1.0]])]

    def who(a, t, n, floor=1e-3):
        return _who_is_right(["W1"], [np.array([[a]])], [np.array([[t]])], [np.array([[n]])], floor, "yours")
    assert who(2.0, 1.0, 1.0)["supports"] == "torch" and who(1.0, 2.0, 1.0)["supports"] == "yours"
    assert who(2.0, 3.0, 1.0)["supports"] == "neither clearly"
    # both >= 1e-7: one side must be 100 times closer (|a - n| / (|a| + |n|) = 1/3 for a = 2, n = 1)
    for scale, supports in ((0.995, "torch"), (1.005, "neither clearly")):
        err = scale / 300
        d = 2 * err / (1 - err)                                   # |t - 1| / (t + 1) = err for t = 1 + d
        assert who(2.0, 1.0 + d, 1.0)["supports"] == supports
        assert who(1.0 + d, 2.0, 1.0)["supports"] == {"torch": "yours"}.get(supports, supports)
    # errors exactly at 1e-7 (below the floor of 1 the error is |a - n| itself), and one side exactly 100x closer
    def supports(a, t):
        return who(a, t, 0.0, floor=1.0)["supports"]
    assert [supports(5e-6, 1e-7), supports(1e-7, 5e-8), supports(1e-7, 5e-6), supports(5e-8, 1e-7)] == [
        "neither clearly", "torch", "neither clearly", "yours"]
    assert [supports(1e-8, 5e-8), supports(5e-8, 1e-8), supports(0.005, 0.5), supports(0.5, 0.005)] == [
        "neither clearly"] * 4
    found = who(2.0, 1.0, 1.5)
    assert found == {"parameter": "W1", "element": [0, 0], "yours": 2.0, "torch": 1.0, "numeric": 1.5,
                     "error_yours": 0.5 / 3.5, "error_torch": 0.5 / 2.5, "supports": "neither clearly"}
    assert _who_is_right(["W1"], [np.array([[1e-12]])], [np.array([[0.0]])], one, 1e-3, "numpy") is None
    assert _who_is_right(["W1"], [np.array([[1.5e-12]])], [np.array([[0.0]])], one, 1e-3, "numpy") is not None
    assert _who_is_right(["W1"], one, [np.array([[1.0 + 1e-10]])], one, 1e-3, "numpy") is None
    many = _who_is_right(["W1", "b1", "W2"], [np.array([[0.0, 5.0]]), np.array([[np.nan]]), np.array([[1.0]])],
                         [np.array([[0.0, 1.0]]), np.array([[1.0]]), np.array([[7.0]])], [np.ones((1, 2)), one[0],
                                                                                          one[0]], 1e-3, "numpy")
    assert (many["parameter"], many["element"], np.isnan(many["numpy"])) == ("b1", [0, 0], True)
    tie = _who_is_right(["W1", "W2"], [np.array([[2.0]])] * 2, [np.array([[1.0]])] * 2, one * 2, 1e-3, "numpy")
    assert tie["parameter"] == "W1"
    many = _who_is_right(["W1", "W2"], [np.array([[0.0, 5.0]]), np.array([[1.0]])],
                         [np.array([[0.0, 1.0]]), np.array([[7.0]])], [np.ones((1, 2)), one[0]], 1e-3, "numpy")
    assert (many["parameter"], many["element"], many["error_numpy"]) == ("W2", [0, 0], 0.0)


def test_a_run_that_diverges_is_exit_3_at_the_update_after_which_it_did():
    e = load_experiment("exercise3", {"mode": "stochastic", "epochs": 2, "lr": 1e100, "activation": "identity",
                                      "order": "sequential"})
    with pytest.raises(DivergenceError, match=r"^training diverged at update 1 \(epoch 0, batch 0, samples \[0\]\): "
                                              "the loss is inf;") as caught:
        gradcheck(e, with_torch=False)
    assert caught.value.update == 1
    huge = dataclasses.replace(e, lr=1e308, inputs=np.asarray(e.inputs) * 100)
    with pytest.raises(DivergenceError, match=r"^training diverged at update 1 .*: first non-finite value W1\[0, 0\] "
                                              "= -inf;"):
        gradcheck(huge, with_torch=False)


def test_every_mode_must_pass_for_exit_0(capsys):
    assert main(["gradcheck", "exercise3", "--mode", "all", "--epochs", "2", "--quiet"]) == 0
    assert capsys.readouterr().out.count("gradcheck OK") == 3
    # no / B: right for single samples only
    assert main(["gradcheck", "exercise3", "--mode", "all", "--epochs", "2", "--quiet", "--backward",
                 str(ZOO / "no_batch_average.py")]) == 1
    out = capsys.readouterr().out
    assert out.count("gradcheck OK") == 1 and out.count("gradcheck FAILED") == 2
