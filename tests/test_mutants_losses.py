"""numpy_impl/losses.py, fast, for mutation testing: every loss's value under every convention (reduction,
bce_outputs, mse_scale) against torch.nn.functional written out here, every output delta against torch
autograd of the per-sample sum (delta is dL_i/dZ_L, per sample), BCE's two clamps at saturation, the log the
seed prints, the L2 penalty by hand, and the `out=` / `scratch=` paths the training step uses."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from numpy_impl import losses
from numpy_impl.activations import activate

B, K = 3, 4          # never equal: an axis or a shape index swapped shows
OUTPUT_OF = {"sum": "tanh", "mean": "leaky_relu", "bce": "sigmoid", "cross_entropy": "softmax"}
SLOPE = 0.3


def data(loss: str, seed: int = 0, scale: float = 1.5):
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=scale, size=(B, K))                                 # (B, K)
    if loss == "cross_entropy":
        T = np.eye(K)[[1, 3, 0]]                                             # one-hot rows
    elif loss == "bce":
        T = rng.uniform(0, 1, size=(B, K))
    else:
        T = rng.normal(size=(B, K))
    A = activate(OUTPUT_OF[loss], Z, SLOPE)
    return Z, A, T


def torch_per_sample(loss: str, z: torch.Tensor, t: torch.Tensor, bce_outputs: str, mse_scale: float):
    """L_i for every sample, from torch's functional losses (reduction="none"), as the docs define them."""
    if loss == "cross_entropy":
        return F.cross_entropy(z, t, reduction="none")
    if loss == "bce":
        per = F.binary_cross_entropy(torch.sigmoid(z), t, reduction="none").sum(dim=1)
        return per if bce_outputs == "sum" else per / t.shape[1]
    a = torch.tanh(z) if loss == "sum" else F.leaky_relu(z, SLOPE)
    per = mse_scale * F.mse_loss(a, t, reduction="none").sum(dim=1)        # mse_scale (t - a)^2, summed
    return per if loss == "sum" else per / t.shape[1]


CASES = [(loss, reduction, outputs, scale) for loss in ("sum", "mean") for reduction in ("mean", "sum")
         for outputs in ("mean",) for scale in (0.5, 1.0, 0.25)] + \
        [("bce", reduction, outputs, 0.5) for reduction in ("mean", "sum") for outputs in ("mean", "sum")] + \
        [("cross_entropy", reduction, "mean", 0.5) for reduction in ("mean", "sum")]


@pytest.mark.parametrize("loss,reduction,outputs,scale", CASES)
def test_value_against_torch(loss, reduction, outputs, scale):
    Z, A, T = data(loss)
    per = torch_per_sample(loss, torch.tensor(Z), torch.tensor(T), outputs, scale)
    want = float(per.sum() if reduction == "sum" else per.mean())
    got = losses.value(loss, Z, A, T, reduction=reduction, bce_outputs=outputs, mse_scale=scale)
    assert got == pytest.approx(want, rel=1e-13, abs=0)


def test_value_defaults_are_torchs():
    """No keyword: mean over the batch, BCE averaged over outputs, MSE with the lesson's 1/2."""
    for loss in OUTPUT_OF:
        Z, A, T = data(loss, seed=2)
        per = torch_per_sample(loss, torch.tensor(Z), torch.tensor(T), "mean", 0.5)
        assert losses.value(loss, Z, A, T) == pytest.approx(float(per.mean()), rel=1e-13, abs=0)


@pytest.mark.parametrize("loss,reduction,outputs,scale",
                         [c for c in CASES if c[1] == "mean"] + [("sum", "mean", "mean", 1.5),
                                                                   ("mean", "mean", "mean", 1.5)])
def test_delta_against_autograd(loss, reduction, outputs, scale):
    Z, A, T = data(loss, seed=1)
    z = torch.tensor(Z, requires_grad=True)
    torch_per_sample(loss, z, torch.tensor(T), outputs, scale).sum().backward()
    want = z.grad.numpy()                                   # dL_i/dZ_L of each sample i
    got = losses.output_delta(loss, Z, A, T, OUTPUT_OF[loss], SLOPE, bce_outputs=outputs, mse_scale=scale)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    # the same numbers written into the step's arrays (out, and the scratch for f'(Z))
    out, scratch = np.full((B, K), np.nan), np.full((B, K), np.nan)
    into = losses.output_delta(loss, Z, A, T, OUTPUT_OF[loss], SLOPE, out=out, scratch=scratch,
                               bce_outputs=outputs, mse_scale=scale)
    assert into is out
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-15)


def test_delta_default_slope_is_torchs():
    """leaky_relu's output delta with no slope given: torch's default negative slope 0.01."""
    Z, _, T = data("mean", seed=3)
    Z[0, :] = -np.abs(Z[0, :])                              # a negative row: the slope is used
    A = activate("leaky_relu", Z, 0.01)
    z = torch.tensor(Z, requires_grad=True)
    (0.5 * F.mse_loss(F.leaky_relu(z), torch.tensor(T), reduction="none").sum(dim=1) / K).sum().backward()
    np.testing.assert_allclose(losses.output_delta("mean", Z, A, T, "leaky_relu"), z.grad.numpy(), rtol=1e-12)


def test_delta_by_hand():
    """One sample, two outputs, identity output: the formulas in the module docstring, by hand."""
    Z = np.array([[0.5, -1.0]])
    T = np.array([[1.5, 1.0]])
    A = Z.copy()
    assert losses.output_delta("sum", Z, A, T, "identity").tolist() == [[-1.0, -2.0]]            # a - t
    assert losses.output_delta("mean", Z, A, T, "identity").tolist() == [[-0.5, -1.0]]           # (a - t) / K
    assert losses.output_delta("sum", Z, A, T, "identity", mse_scale=1.0).tolist() == [[-2.0, -4.0]]
    assert losses.output_delta("mean", Z, A, T, "identity", mse_scale=1.0).tolist() == [[-1.0, -2.0]]
    A = np.array([[0.25, 0.75]])
    T = np.array([[1.0, 0.0]])
    assert losses.output_delta("bce", Z, A, T, "sigmoid").tolist() == [[-0.375, 0.375]]          # (a - t) / 2
    assert losses.output_delta("bce", Z, A, T, "sigmoid", bce_outputs="sum").tolist() == [[-0.75, 0.75]]
    assert losses.output_delta("cross_entropy", Z, A, T, "softmax").tolist() == [[-0.75, 0.75]]


@pytest.mark.parametrize("outputs", ["mean", "sum"])
def test_bce_saturated_like_torch(outputs):
    """log clamped at -100 in the value; the gradient divided by max(a (1 - a), eps) as torch's backward."""
    Z = np.array([[40.0, -40.0, 30.0, 800.0], [-800.0, 1.0, 40.0, -30.0], [0.5, -36.0, 36.0, 2.0]])   # (3, 4)
    T = np.array([[0.0, 1.0, 0.3, 1.0], [1.0, 0.5, 1.0, 0.2], [0.0, 0.0, 1.0, 1.0]])
    A = activate("sigmoid", Z)
    a = torch.tensor(A, requires_grad=True)
    per = F.binary_cross_entropy(a, torch.tensor(T), reduction="none").sum(dim=1)
    per = per if outputs == "sum" else per / K
    per.sum().backward()
    want_delta = (a.grad * a.detach() * (1 - a.detach())).numpy()        # chain rule through the sigmoid
    got = losses.output_delta("bce", Z, A, T, "sigmoid", bce_outputs=outputs)
    np.testing.assert_allclose(got, want_delta, rtol=1e-12, atol=0)
    out = np.full((B, K), np.nan)
    assert losses.output_delta("bce", Z, A, T, "sigmoid", out=out, bce_outputs=outputs) is out
    np.testing.assert_allclose(out, want_delta, rtol=1e-12, atol=0)
    for reduction in ("mean", "sum"):
        want = float((per.sum() if reduction == "sum" else per.mean()).detach())
        assert losses.value("bce", Z, A, T, reduction=reduction, bce_outputs=outputs) == pytest.approx(want, rel=1e-13)
    # by hand: a = 1 exactly at z = 800 with t = 1 costs 0; with t = 0 (the -800 row's t = 1 at a = 0) 100
    row = losses.value("bce", Z[1:2, :1], A[1:2, :1], T[1:2, :1])
    assert row == 100.0


def test_bce_epsilon_is_torchs_float32_constant():
    """Just below the clamp (a (1 - a) < 1e-12 by a little) the gradient is scaled; just above it is not."""
    a_low = 1e-12 * 0.99                      # a (1 - a) ~ a for tiny a
    a_high = 1e-12 * 1.01
    for a, scaled in ((a_low, True), (a_high, False)):
        A = np.array([[a]])
        T = np.array([[1.0]])
        got = losses.output_delta("bce", np.zeros((1, 1)), A, T, "sigmoid")[0, 0]
        at = torch.tensor([[a]], dtype=torch.float64, requires_grad=True)
        F.binary_cross_entropy(at, torch.tensor(T)).backward()
        want = float(at.grad[0, 0]) * a * (1 - a)
        assert got == pytest.approx(want, rel=1e-9)
        assert (abs(got) < 0.995) == scaled    # unscaled: a - t ~ -1; scaled by ~0.99


def test_cross_entropy_extreme_logits_and_log_softmax():
    Z = np.array([[1000.0, 0.0, -1000.0, 2.0], [-1000.0, -1000.0, -999.0, -1001.0], [1.0, 2.0, 3.0, 4.0]])
    T = np.eye(4)[[2, 1, 3]]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = losses.log_softmax(Z)
        value = losses.value("cross_entropy", Z, activate("softmax", Z), T)
    np.testing.assert_allclose(got, F.log_softmax(torch.tensor(Z), dim=1).numpy(), rtol=1e-14, atol=1e-12)
    e = np.exp(-1.0)
    by_hand = [1000 + 1000, 1 + np.log1p(2 * e + e ** 2), np.log1p(e + e ** 2 + e ** 3)]
    assert value == pytest.approx(sum(by_hand) / 3, rel=1e-14)


@pytest.mark.parametrize("loss", list(OUTPUT_OF))
def test_log_value(loss):
    """What the seed prints: mean((T - A)^2 / 2) for both MSE losses, the loss's own mean for the others."""
    Z, A, T = data(loss, seed=4)
    if loss in ("sum", "mean"):
        want = float(F.mse_loss(torch.tensor(A), torch.tensor(T))) / 2
    else:
        want = float(torch_per_sample(loss, torch.tensor(Z), torch.tensor(T), "mean", 0.5).mean())
    assert losses.log_value(loss, Z, A, T) == pytest.approx(want, rel=1e-13, abs=0)


def test_l2_penalty_by_hand():
    W = [np.array([[1.0, -2.0]]), np.array([[3.0], [0.5]])]
    b = [np.array([[2.0, 1.0]]), np.array([[-4.0]])]
    assert losses.l2_penalty(W, b, 0.1) == pytest.approx(0.05 * (1 + 4 + 9 + 0.25), rel=1e-15)
    assert losses.l2_penalty(W, b, 0.1, l2_biases=True) == pytest.approx(0.05 * (14.25 + 4 + 1 + 16), rel=1e-15)
    assert losses.l2_penalty(W, b, 0.0) == 0.0
    assert losses.l2_penalty(W, b, 0.0, l2_biases=True) == 0.0


def test_unknown_loss_named():
    Z, A, T = data("sum")
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        losses.value("hinge", Z, A, T)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        losses.output_delta("hinge", Z, A, T, "identity")
