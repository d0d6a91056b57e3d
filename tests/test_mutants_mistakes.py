"""The classic mistakes rebuilt by compare/diagnosis/mistakes.py, each against an independent computation:
torch autograd of the loss with the wrong targets (every loss and reduction), dL/dA summed over the outputs
by autograd, and per-sample loops for the batch's deltas merged too early and dW from one sample.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from compare.diagnosis.mistakes import batch_sum_mistakes, one_sample_dw, target_mistakes  # noqa: E402

MEAN = "every sample's error uses the batch's MEAN target"
RESHAPE = "the targets were turned round with reshape"
REVERSED = "the outputs' columns are paired with the wrong targets"
SUMMED = "the output error is summed over the"


def _batch(B: int, K: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(B, K))
    T = rng.uniform(0.05, 0.95, size=(B, K))
    return Z, T


def _autograd(Z: np.ndarray, T: np.ndarray, loss: str, reduction: str, bce_outputs: str):
    """(dL/dZ, dL/dA, f'(Z) or None) of the batch loss, from torch: sigmoid outputs for sum/mean/bce,
    softmax for cross_entropy (which needs targets summing to 1 per row only for its meaning, not its grad)."""
    z = torch.tensor(Z, requires_grad=True)
    t = torch.tensor(np.ascontiguousarray(T))
    if loss == "cross_entropy":
        per = -(t * torch.log_softmax(z, dim=1)).sum(dim=1)
        a = None
    else:
        a = torch.sigmoid(z)
        a.retain_grad()
        K = T.shape[1]
        if loss == "sum":
            per = ((t - a) ** 2).sum(dim=1) / 2
        elif loss == "mean":
            per = ((t - a) ** 2).sum(dim=1) / (2 * K)
        else:
            per = -(t * torch.log(a) + (1 - t) * torch.log(1 - a)).sum(dim=1) / (K if bce_outputs == "mean" else 1)
    total = per.mean() if reduction == "mean" else per.sum()
    total.backward()
    s = 1 / (1 + np.exp(-Z))
    fprime = s * (1 - s) if loss in ("sum", "mean") else None
    return z.grad.numpy(), (a.grad.numpy() if a is not None else None), fprime


def _wrong_targets(T: np.ndarray) -> dict[str, list[np.ndarray]]:
    B, K = T.shape
    return {MEAN: [np.broadcast_to(T.mean(axis=0), T.shape)], RESHAPE: [T.reshape(K, B).T, T.T.reshape(B, K)],
            REVERSED: [T[:, ::-1]]}


SETTINGS = [("sum", "mean", "mean"), ("sum", "sum", "mean"), ("mean", "mean", "mean"), ("mean", "sum", "mean"),
            ("bce", "mean", "mean"), ("bce", "mean", "sum"), ("bce", "sum", "sum"), ("cross_entropy", "mean", "mean"),
            ("cross_entropy", "sum", "mean")]


@pytest.mark.parametrize("loss, reduction, bce_outputs", SETTINGS)
def test_each_wrong_target_gives_autograds_gradient_of_the_loss_with_those_targets(loss, reduction, bce_outputs):
    Z, T = _batch(3, 2)
    if loss == "cross_entropy":
        T = T / T.sum(axis=1, keepdims=True)        # a distribution per sample
    dZ, _, fprime = _autograd(Z, T, loss, reduction, bce_outputs)
    found = target_mistakes(dZ, T, loss, fprime, 2, reduction, bce_outputs)
    expected = [(kind, wrong) for kind, wrongs in _wrong_targets(T).items() for wrong in wrongs]
    target_rows = [(text, grad) for text, grad in found if not text.startswith(SUMMED)]
    assert len(target_rows) == len(expected) == 4
    for (text, grad), (kind, wrong) in zip(target_rows, expected):
        assert text.startswith("delta2: " + kind), text
        if loss == "cross_entropy":      # the code a user wrote, (softmax(Z) - T) / B, with the wrong T (whose
            A = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)     # rows need not sum to 1: not a CE gradient)
            want = (A - wrong) / (3 if reduction == "mean" else 1)
        else:
            want, _, _ = _autograd(Z, wrong, loss, reduction, bce_outputs)
        np.testing.assert_allclose(grad, want, rtol=1e-12, atol=1e-15)
    assert "output k compared with target 2-1-k" in target_rows[3][0]


@pytest.mark.parametrize("loss, reduction", [("sum", "mean"), ("mean", "mean"), ("sum", "sum")])
def test_the_error_summed_over_the_outputs_is_autograds_dL_dA_summed_then_times_f_prime(loss, reduction):
    Z, T = _batch(3, 4, seed=1)
    dZ, dA, fprime = _autograd(Z, T, loss, reduction, "mean")
    found = dict(target_mistakes(dZ, T, loss, fprime, 3, reduction))
    text = [t for t in found if t.startswith(SUMMED)]
    assert text == ["the output error is summed over the 4 outputs before it is multiplied by f'(Z3): the outputs' "
                    "errors are merged into one"]
    want = dA.sum(axis=1, keepdims=True) * fprime
    np.testing.assert_allclose(found[text[0]], want, rtol=1e-12, atol=1e-15)


def test_a_zero_derivative_does_not_divide_by_zero():
    Z, T = _batch(2, 3, seed=2)
    dZ, dA, fprime = _autograd(Z, T, "sum", "mean", "mean")
    fprime = fprime.copy()
    fprime[0, 1] = 0.0
    dZ = dA * fprime
    summed = dict(target_mistakes(dZ, T, "sum", fprime, 1))
    [key] = [t for t in summed if t.startswith(SUMMED)]
    want = dA.copy()
    want[0, 1] = 0.0                      # dL/dA where f' is 0 cannot be recovered: left out of the sum
    np.testing.assert_allclose(summed[key], want.sum(axis=1, keepdims=True) * fprime, rtol=1e-12, atol=1e-15)


def test_no_derivative_no_sum_or_mean_mistake_and_unchanged_targets_are_not_named():
    Z, T = _batch(3, 2)
    dZ, _, fprime = _autograd(Z, T, "sum", "mean", "mean")
    assert target_mistakes(dZ, T, "sum", None, 2) == []
    assert target_mistakes(dZ, T, "mean", None, 2) == []
    # one sample, one output: nothing the targets could be mixed with
    one = target_mistakes(dZ[:1, :1], T[:1, :1], "bce", None, 2)
    assert one == []
    # every row the same: the mean target is each row's own; columns equal: reversing changes nothing
    same = np.tile(np.array([[0.25, 0.25]]), (3, 1))
    texts = [t for t, _ in target_mistakes(dZ, same, "bce", None, 2)]
    assert not any(MEAN in t or REVERSED in t for t in texts)
    # square batch: both reshapes give T.T, named once
    Z2, T2 = _batch(2, 2, seed=3)
    dZ2, _, _ = _autograd(Z2, T2, "bce", "mean", "mean")
    texts = [t for t, _ in target_mistakes(dZ2, T2, "bce", None, 1)]
    assert sum(RESHAPE in t for t in texts) == 1 and sum(MEAN in t for t in texts) == 1
    assert sum(REVERSED in t for t in texts) == 1 and len(texts) == 3
    # one output: no reshape and no reversal, the mean target only
    Z3, T3 = _batch(4, 1, seed=4)
    dZ3, _, _ = _autograd(Z3, T3, "bce", "mean", "mean")
    assert [t.split(":")[0] for t, _ in target_mistakes(dZ3, T3, "bce", None, 2)] == ["delta2"]


def test_the_batchs_deltas_summed_or_averaged_before_going_down():
    rng = np.random.default_rng(5)
    B, n_above, n = 3, 2, 4
    dZ_above = rng.normal(size=(B, n_above))
    W_above = rng.normal(size=(n, n_above))          # (n_in, n_out): the seed's layout
    fprime = rng.uniform(0.1, 0.25, size=(B, n))
    [(text_sum, summed), (text_mean, averaged)] = batch_sum_mistakes(dZ_above, W_above, fprime, 1)
    assert text_sum == ("delta2 was summed over the batch's samples before going down to layer 1: the samples' rows "
                        "are merged too early")
    assert text_mean == text_sum.replace("summed over", "averaged over")
    total = np.zeros(n_above)
    for b in range(B):
        total += dZ_above[b]
    for b in range(B):
        row = np.array([sum(total[j] * W_above[i, j] for j in range(n_above)) for i in range(n)]) * fprime[b]
        np.testing.assert_allclose(summed[b], row, rtol=1e-12)
        np.testing.assert_allclose(averaged[b], row / B, rtol=1e-12)
    assert batch_sum_mistakes(dZ_above[:1], W_above, fprime[:1], 1) == []
    assert len(batch_sum_mistakes(dZ_above[:2], W_above, fprime[:2], 1)) == 2


def test_dW_from_one_sample_only_each_sample_as_written_and_times_B():
    rng = np.random.default_rng(6)
    A_prev, dZ = rng.normal(size=(3, 2)), rng.normal(size=(3, 4))
    found = one_sample_dw(A_prev, dZ, 2)
    assert len(found) == 6
    names = ["the first", "sample 1 of the", "the last"]
    for r in range(3):
        (text, single), (text_b, scaled) = found[2 * r], found[2 * r + 1]
        assert text == text_b == (f"your dW2 comes from {names[r]} sample of the batch only (row {r}): the other 2 "
                                  "rows of the batch are left out")
        outer = np.array([[A_prev[r, i] * dZ[r, j] for j in range(4)] for i in range(2)])
        np.testing.assert_allclose(single, outer, rtol=1e-14)
        np.testing.assert_allclose(scaled, 3 * outer, rtol=1e-14)
    two = one_sample_dw(A_prev[:2], dZ[:2], 1)
    assert [t for t, _ in two][::2] == [
        "your dW1 comes from the first sample of the batch only (row 0): the other 1 row of the batch are left out",
        "your dW1 comes from the last sample of the batch only (row 1): the other 1 row of the batch are left out"]
    np.testing.assert_allclose(two[3][1], 2 * np.outer(A_prev[1], dZ[1]), rtol=1e-14)
    assert one_sample_dw(A_prev[:1], dZ[:1], 1) == []


def test_the_error_summed_over_the_outputs_needs_several_outputs_and_a_squared_loss():
    """One output: summing over it changes nothing (no mistake to name). BCE and cross-entropy: dL/dZ is not
    f' times an error, so even with f' given the mistake is not rebuilt."""
    Z, T = _batch(3, 1, seed=7)
    dZ, _, fprime = _autograd(Z, T, "sum", "mean", "mean")
    assert not any(t.startswith(SUMMED) for t, _ in target_mistakes(dZ, T, "sum", fprime, 2))
    Z, T = _batch(3, 4, seed=8)
    for loss in ("bce", "cross_entropy"):
        dZ, _, _ = _autograd(Z, T, loss, "mean", "mean")
        texts = [t for t, _ in target_mistakes(dZ, T, loss, np.full(Z.shape, 0.2), 2)]
        assert len(texts) == 4 and not any(t.startswith(SUMMED) for t in texts), loss
