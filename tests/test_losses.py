"""Each loss's value and output delta against torch's loss modules and autograd, and against finite
differences; BCE's clamps (log >= -100, a (1 - a) >= 1e-12) and cross-entropy's log-sum-exp at extreme
logits; then whole lockstep runs for every loss on two presets each."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compare.experiment.sources import load_experiment
from compare.experiment.validate import Where, build
from compare.lockstep.harness import run_parity
from numpy_impl import losses
from numpy_impl.activations import activate
from torch_impl.losses import make_log_loss, make_loss

OUTPUT_OF = {"sum": "sigmoid", "mean": "tanh", "bce": "sigmoid", "cross_entropy": "softmax"}


def batch(loss: str, B: int = 5, K: int = 3, scale: float = 2.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=scale, size=(B, K))                              # (B, K)
    if loss == "cross_entropy":
        T = np.eye(K)[rng.integers(0, K, size=B)]                         # one-hot rows
    elif loss == "bce":
        T = rng.uniform(0, 1, size=(B, K))
    else:
        T = rng.normal(size=(B, K))
    return Z, T


def torch_loss_and_dZ(loss: str, Z: np.ndarray, T: np.ndarray):
    """torch's batch loss and autograd's dL/dZ_L through the output activation and the loss module."""
    from torch_impl.model import make_activation
    z = torch.tensor(Z, requires_grad=True)
    out = make_activation(OUTPUT_OF[loss], 0.01)(z)     # softmax: identity (CrossEntropyLoss takes logits)
    value = make_loss(loss)(out, torch.tensor(T))
    value.backward()
    return float(value.detach()), z.grad.numpy()


@pytest.mark.parametrize("loss", ["sum", "mean", "bce", "cross_entropy"])
@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_value_and_delta_against_torch(loss, scale):
    Z, T = batch(loss, scale=scale)
    B = T.shape[0]
    A = activate(OUTPUT_OF[loss], Z)
    value_t, dZ_t = torch_loss_and_dZ(loss, Z, T)
    assert losses.value(loss, Z, A, T) == pytest.approx(value_t, rel=1e-14)
    # delta is per sample; the batch loss is their mean, so autograd's dL/dZ = delta / B
    np.testing.assert_allclose(losses.output_delta(loss, Z, A, T, OUTPUT_OF[loss]) / B, dZ_t, rtol=1e-12, atol=1e-17)


@pytest.mark.parametrize("loss", ["sum", "mean", "bce", "cross_entropy"])
def test_delta_against_finite_differences(loss):
    """d(batch loss)/dZ_L by central differences of `value` (an oracle independent of the delta formula)."""
    Z, T = batch(loss, B=3, K=4, scale=1.0, seed=1)
    f = OUTPUT_OF[loss]
    h = 1e-6
    numeric = np.zeros_like(Z)
    for index in np.ndindex(*Z.shape):
        up, down = Z.copy(), Z.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (losses.value(loss, up, activate(f, up), T)
                          - losses.value(loss, down, activate(f, down), T)) / (2 * h)
    delta = losses.output_delta(loss, Z, activate(f, Z), T, f)
    np.testing.assert_allclose(delta / Z.shape[0], numeric, rtol=1e-6, atol=1e-10)


def test_the_famous_simplification():
    """BCE on a sigmoid and cross-entropy on a softmax both start backprop at delta_L = (A_L - T) (/ K for
    BCE, which also averages over outputs), with no activation slope left in it."""
    Z, T = batch("bce")
    A = activate("sigmoid", Z)
    np.testing.assert_array_equal(losses.output_delta("bce", Z, A, T, "sigmoid"), (A - T) / T.shape[1])
    Z, T = batch("cross_entropy")
    A = activate("softmax", Z)
    np.testing.assert_array_equal(losses.output_delta("cross_entropy", Z, A, T, "softmax"), A - T)


def test_bce_clamps_like_torch():
    """A saturated sigmoid: torch clamps each log at -100 (value) and divides by max(a (1 - a), 1e-12)
    (gradient). Without copying both, parity breaks exactly where BCE saturates."""
    Z = np.array([[40.0, -40.0, 30.0, 800.0, -800.0]])      # a (1 - a) < 1e-12 for all but 30 (~9e-14 too)
    T = np.array([[0.0, 1.0, 0.3, 1.0, 0.0]])
    A = activate("sigmoid", Z)
    value_t, dZ_t = torch_loss_and_dZ("bce", Z, T)
    assert losses.value("bce", Z, A, T) == pytest.approx(value_t, rel=1e-14)
    # log clamped at -100 (the 30 is ~-log(1 - a), only to ~1e-3: 1 - a loses digits there, in torch as here)
    assert value_t == pytest.approx((100 + 40 + 0.7 * 30 + 0 + 0) / 5, rel=1e-4)
    delta = losses.output_delta("bce", Z, A, T, "sigmoid")
    np.testing.assert_allclose(delta, dZ_t, rtol=1e-12, atol=0)
    assert abs(delta[0, 0]) < abs((A - T)[0, 0] / 5) / 100      # the clamp really scaled the gradient down


def test_cross_entropy_at_extreme_logits():
    Z = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0]])
    T = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = activate("softmax", Z)
        value = losses.value("cross_entropy", Z, A, T)
        delta = losses.output_delta("cross_entropy", Z, A, T, "softmax")
    value_t, dZ_t = torch_loss_and_dZ("cross_entropy", Z, T)
    assert value == pytest.approx(value_t, rel=1e-15)
    assert value == pytest.approx((2000 + 1 + np.log1p(2 * np.exp(-1))) / 2, rel=1e-15)   # by hand
    np.testing.assert_allclose(delta / 2, dZ_t, rtol=1e-15, atol=1e-300)


@pytest.mark.parametrize("loss", ["sum", "mean", "bce", "cross_entropy"])
def test_log_value_matches_torch(loss):
    Z, T = batch(loss, B=4, K=2)
    A = activate(OUTPUT_OF[loss], Z)
    out = torch.tensor(Z if loss == "cross_entropy" else A)
    assert losses.log_value(loss, Z, A, T) == pytest.approx(float(make_log_loss(loss)(out, torch.tensor(T))), rel=1e-14)
    if loss in ("sum", "mean"):   # the seed's print: mean((T - A)^2 / 2) over samples and outputs, both conventions
        assert losses.log_value(loss, Z, A, T) == pytest.approx(np.mean((T - A) ** 2 / 2), rel=1e-15)


def xor_two_classes(**train):
    """XOR as a two-class softmax problem (one-hot targets)."""
    doc = {"name": "xor2", "network": {"sizes": [2, 4, 2], "hidden_activation": "tanh",
                                       "output_activation": "softmax"},
           "init": {"scheme": "xavier-uniform"},
           "data": {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[1, 0], [0, 1], [0, 1], [1, 0]]},
           "train": {"lr": 0.5, "epochs": 100, "loss": "cross_entropy", **train}}
    return build(doc, Where("xor2 (test)", {}))


RUNS = [  # (loss, experiment): every loss on two presets (or preset-like experiments)
    ("sum", lambda: load_experiment("exercise3", {"mode": "minibatch", "epochs": 60})),
    ("sum", lambda: load_experiment("exercise1", {"mode": "batch", "epochs": 120})),
    ("mean", lambda: load_experiment("exercise1", {"mode": "batch", "epochs": 120, "loss": "mean"})),
    ("mean", lambda: load_experiment("exercise3", {"mode": "stochastic", "epochs": 30, "loss": "mean"})),
    ("bce", lambda: load_experiment("xor", {"mode": "minibatch", "epochs": 60})),
    ("bce", lambda: load_experiment("exercise3", {"mode": "stochastic", "epochs": 30, "loss": "bce"})),
    ("cross_entropy", lambda: load_experiment("blobs", {"epochs": 4})),
    ("cross_entropy", lambda: xor_two_classes(mode="stochastic", momentum=0.9, lr=0.1)),
]


@pytest.mark.parametrize("loss,make", RUNS, ids=[f"{loss}-{i}" for i, (loss, _) in enumerate(RUNS)])
def test_whole_runs_in_lockstep(loss, make):
    e = make()
    assert e.loss == loss
    report = run_parity(e)
    assert report.ok and report.updates_checked == e.total_updates >= 100
    assert report.max_abs_diff <= 1e-13
    # the loss the log reports is the same on both sides
    np.testing.assert_allclose(np.array(report.numpy.loss_log), np.array(report.torch.loss_log), rtol=1e-12)
