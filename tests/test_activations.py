"""Each activation and its derivative (written from Z or A as the lesson does) against torch's forward and
autograd and against central finite differences, including ReLU's kink and saturated sigmoids; then every
(hidden, output) pair in lockstep over whole short runs on two presets."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from compare.experiment.sources import load_experiment
from compare.lockstep.harness import run_parity
from numpy_impl.activations import activate, derivative
from torch_impl.model import make_activation

ELEMENTWISE = [("sigmoid", 0.01), ("tanh", 0.01), ("relu", 0.01), ("leaky_relu", 0.01), ("leaky_relu", 0.2),
               ("identity", 0.01)]
IDS = [f"{name}-{slope}" if name == "leaky_relu" else name for name, slope in ELEMENTWISE]
# zero (the kink), moderate values, values where sigmoid/tanh saturate in float64, and far beyond
POINTS = np.array([[0.0, -0.0, 1e-300, -1e-300, 0.5, -0.5, 3.0, -3.0],
                   [20.0, -20.0, 40.0, -40.0, 710.0, -710.0, 1000.0, -1000.0]])


def torch_reference(name: str, slope: float, Z: np.ndarray, dtype=torch.float64):
    """torch's f(Z) and f'(Z) (by autograd: the gradient of sum f(z))."""
    z = torch.tensor(Z, dtype=dtype, requires_grad=True)
    a = make_activation(name, slope)(z)
    a.sum().backward()
    return a.detach().numpy(), z.grad.numpy()


@pytest.mark.parametrize("name,slope", ELEMENTWISE, ids=IDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_against_torch_autograd(name, slope, dtype):
    Z = POINTS.astype(dtype)
    with warnings.catch_warnings(), np.errstate(over="warn", divide="raise", invalid="raise", under="ignore"):
        warnings.simplefilter("error")            # no overflow or invalid-value warning, even at |z| = 1000
        A = activate(name, Z, slope)
        dA = derivative(name, Z, A, slope)
    assert A.dtype == Z.dtype and dA.dtype == Z.dtype and A.shape == dA.shape == Z.shape
    A_t, dA_t = torch_reference(name, slope, Z, getattr(torch, dtype))
    assert np.isfinite(A).all() and np.isfinite(dA).all()
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(A, A_t, rtol=4 * eps, atol=0)
    np.testing.assert_allclose(dA, dA_t, rtol=4 * eps, atol=4 * eps)


def test_kinks_follow_torch():
    Z = np.array([[0.0, -0.0]])
    assert derivative("relu", Z, activate("relu", Z)).tolist() == [[0.0, 0.0]]          # ReLU'(0) = 0
    assert derivative("leaky_relu", Z, activate("leaky_relu", Z, 0.2), 0.2).tolist() == [[0.2, 0.2]]
    _, relu_grad = torch_reference("relu", 0.01, Z)
    _, leaky_grad = torch_reference("leaky_relu", 0.2, Z)
    assert relu_grad.tolist() == [[0.0, 0.0]] and leaky_grad.tolist() == [[0.2, 0.2]]


def test_saturated_sigmoid_is_exact_and_quiet():
    Z = np.array([[1000.0, -1000.0, 40.0, -40.0]])
    with warnings.catch_warnings(), np.errstate(over="warn", divide="raise", invalid="raise", under="ignore"):
        warnings.simplefilter("error")
        A = activate("sigmoid", Z)
        dA = derivative("sigmoid", Z, A)
        A32 = activate("sigmoid", Z.astype(np.float32))
    assert A[0, 0] == 1.0 and A[0, 1] == 0.0 and dA[0, 0] == 0.0 and dA[0, 1] == 0.0
    assert A32[0, 0] == 1.0 and A32[0, 1] == 0.0
    assert A[0, 3] == pytest.approx(np.exp(-40.0), rel=1e-12)    # tiny but not flushed to 0


@pytest.mark.parametrize("name,slope", ELEMENTWISE, ids=IDS)
def test_against_finite_differences(name, slope):
    """Central differences (h = 1e-6) away from the kink: an oracle that shares nothing with either side."""
    rng = np.random.default_rng(7)
    Z = rng.uniform(-4, 4, size=(5, 7))
    Z[np.abs(Z) < 1e-3] = 0.5                          # keep every point at least 1e-3 from ReLU's kink
    h = 1e-6
    numeric = (activate(name, Z + h, slope) - activate(name, Z - h, slope)) / (2 * h)
    analytic = derivative(name, Z, activate(name, Z, slope), slope)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


def test_softmax_matches_torch_and_has_no_elementwise_derivative():
    Z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    with np.errstate(over="warn", divide="raise", invalid="raise", under="ignore"):
        A = activate("softmax", Z)
    np.testing.assert_allclose(A, torch.softmax(torch.tensor(Z), dim=1).numpy(), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-15)
    with pytest.raises(ValueError, match="Jacobian"):
        derivative("softmax", Z, A)


HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
OUTPUT = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]


@pytest.mark.parametrize("preset,mode,epochs", [("exercise3", "minibatch", 60), ("exercise1", "batch", 120)])
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output", OUTPUT)
def test_every_pair_in_lockstep(preset, mode, epochs, hidden, output):
    e = load_experiment(preset, {"mode": mode, "epochs": epochs, "hidden_activation": hidden,
                                 "output_activation": output, "leaky_slope": 0.1, "loss": "mean"})
    report = run_parity(e)
    assert report.ok and report.updates_checked == e.total_updates >= 100
    assert report.max_abs_diff <= 1e-13
    # the pair reached both sides: the trajectory differs from the all-sigmoid one
    if (hidden, output) != ("sigmoid", "sigmoid"):
        base = run_parity(load_experiment(preset, {"mode": mode, "epochs": 3, "loss": "mean"}))
        first = run_parity(load_experiment(preset, {"mode": mode, "epochs": 3, "loss": "mean",
                                                    "hidden_activation": hidden, "output_activation": output,
                                                    "leaky_slope": 0.1}))
        assert not np.allclose(base.torch.final_weights[-1], first.torch.final_weights[-1], rtol=0, atol=1e-9)


def test_softmax_output_pair_in_lockstep():
    e = load_experiment("blobs", {"epochs": 2, "hidden_activation": "tanh"})
    report = run_parity(e)
    assert report.ok and report.updates_checked == 64 and report.max_abs_diff <= 1e-13
