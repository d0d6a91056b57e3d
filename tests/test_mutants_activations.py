"""numpy_impl/activations.py, fast, for mutation testing: every activation and its derivative against torch
(forward, and autograd for f'), both into a new array and into `out=` (the training step's path), at the kinks
(z = 0, -0.0), at saturation (no warning, exact 0 and 1), the default slopes (torch's 0.01), softmax's shift,
and the errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from numpy_impl import activations as act

# the kinks, both sides of them close by, moderate values, saturation, far beyond (3 rows: B != K)
Z0 = np.array([[0.0, -0.0, 1e-3, -1e-3, 0.5, -0.5, 0.99, -0.99],
               [1.5, -1.5, 3.0, -3.0, 20.0, -20.0, 40.0, -40.0],
               [710.0, -710.0, 1000.0, -1000.0, 0.25, -2.5, 1.0, -1.0]])
TORCH = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda z: z * 1.0}


def reference(name: str, Z: np.ndarray, slope: float | None):
    z = torch.tensor(Z, requires_grad=True)
    if name == "leaky_relu":
        a = F.leaky_relu(z) if slope is None else F.leaky_relu(z, slope)
    else:
        a = TORCH[name](z)
    a.sum().backward()
    return a.detach().numpy(), z.grad.numpy()


CASES = [("sigmoid", 0.01), ("tanh", 0.01), ("relu", 0.01), ("leaky_relu", 0.2), ("leaky_relu", 0.01),
         ("identity", 0.01)]


@pytest.mark.parametrize("name,slope", CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_new_arrays_against_torch(name, slope, dtype):
    Z = Z0.astype(dtype)
    Zc = Z.copy()
    with warnings.catch_warnings(), np.errstate(over="warn", invalid="raise", divide="raise", under="ignore"):
        warnings.simplefilter("error")
        A = act.activate(name, Z, slope)
        D = act.derivative(name, Z, A, slope)
    np.testing.assert_array_equal(Z, Zc)                          # the input untouched
    assert A is not Z and A.dtype == D.dtype == Z.dtype and A.shape == D.shape == Z.shape
    A_t, D_t = reference(name, Z.astype(np.float64), slope)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(A, A_t, rtol=4 * eps, atol=1e-300)
    np.testing.assert_allclose(D, D_t, rtol=4 * eps, atol=4 * eps)


@pytest.mark.parametrize("name,slope", CASES)
def test_into_out_against_torch(name, slope):
    """The training step's path: f(Z) into `out`, f'(Z) into another `out`, the overflow silenced by the
    caller (as numpy_impl.network does), every number as torch's."""
    A_t, D_t = reference(name, Z0, slope)
    A_out, D_out = np.full_like(Z0, np.nan), np.full_like(Z0, np.nan)
    with np.errstate(over="ignore"):
        A = act.activate(name, Z0, slope, out=A_out)
    D = act.derivative(name, Z0, A_out, slope, out=D_out)
    assert A is A_out and D is D_out
    np.testing.assert_allclose(A_out, A_t, rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(D_out, D_t, rtol=1e-15, atol=1e-16)


def test_kinks_and_saturation_exact():
    Z = np.array([[0.0, -0.0, 1000.0, -1000.0]])
    assert act.derivative("relu", Z, act.activate("relu", Z)).tolist() == [[0.0, 0.0, 1.0, 0.0]]
    out = np.full_like(Z, 7.0)
    assert act.relu_prime(Z, Z, out=out).tolist() == [[0.0, 0.0, 1.0, 0.0]]
    assert act.derivative("leaky_relu", Z, Z, 0.2).tolist() == [[0.2, 0.2, 1.0, 0.2]]
    A = act.activate("sigmoid", Z)
    assert A.tolist() == [[0.5, 0.5, 1.0, 0.0]]
    assert act.derivative("sigmoid", Z, A).tolist() == [[0.25, 0.25, 0.0, 0.0]]
    A = act.activate("tanh", Z)
    assert A.tolist() == [[0.0, 0.0, 1.0, -1.0]] and act.derivative("tanh", Z, A).tolist() == [[1.0, 1.0, 0.0, 0.0]]
    assert act.activate("relu", np.array([[0.5, -0.5, 2.0]])).tolist() == [[0.5, 0.0, 2.0]]
    assert act.activate("leaky_relu", np.array([[0.5, -0.5, 2.0]]), 0.2).tolist() == [[0.5, -0.1, 2.0]]


def test_sigmoid_warns_never():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = act.sigmoid(np.array([[-1000.0, -710.0, 1000.0]]))
    assert A.tolist() == [[0.0, 0.0, 1.0]]


def test_default_slopes_are_torchs():
    """LeakyReLU's negative slope is 0.01 when none is given (torch.nn.LeakyReLU's default)."""
    Z = Z0[:1]
    A_t, D_t = reference("leaky_relu", Z, None)
    np.testing.assert_allclose(act.leaky_relu(Z), A_t, rtol=1e-15)
    np.testing.assert_allclose(act.activate("leaky_relu", Z), A_t, rtol=1e-15)
    np.testing.assert_allclose(act.leaky_relu_prime(Z, Z), D_t, rtol=1e-15)
    np.testing.assert_allclose(act.derivative("leaky_relu", Z, Z), D_t, rtol=1e-15)


def test_identity_copies_and_ones():
    Z = np.array([[1.5, -2.0], [0.0, 3.0], [4.0, -0.5]])
    A = act.activate("identity", Z)
    assert A is not Z and A.tolist() == Z.tolist()
    A[0, 0] = 99.0
    assert Z[0, 0] == 1.5                                   # a copy, not a view
    assert act.derivative("identity", Z, Z).tolist() == [[1.0, 1.0]] * 3
    out = np.full_like(Z, 5.0)
    assert act.identity(Z, out=out) is out and out.tolist() == Z.tolist()
    out = np.full_like(Z, 5.0)
    assert act.identity_prime(Z, Z, out=out) is out and out.tolist() == [[1.0, 1.0]] * 3


def test_softmax_against_torch():
    Z = np.array([[1000.0, 0.0, -1000.0, 1.0], [1.0, 2.0, 3.0, 4.0], [-1000.0, -1001.0, -999.0, -1000.0]])
    want = torch.softmax(torch.tensor(Z), dim=1).numpy()
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        A = act.activate("softmax", Z)
        out = np.full_like(Z, np.nan)
        into = act.activate("softmax", Z, out=out)
    np.testing.assert_allclose(A, want, rtol=1e-15, atol=1e-300)
    assert into is out
    np.testing.assert_allclose(out, want, rtol=1e-15, atol=1e-300)
    e = np.exp(1.0)
    assert A[1, 3] == pytest.approx(e ** 3 / (1 + e + e ** 2 + e ** 3), rel=1e-15)     # by hand


def test_softmax_derivative_refused_and_unknown_names():
    Z = np.zeros((2, 3))
    with pytest.raises(ValueError, match="softmax has a Jacobian"):
        act.derivative("softmax", Z, Z)
    with pytest.raises(KeyError):
        act.activate("swish", Z)
    with pytest.raises(KeyError):
        act.derivative("swish", Z, Z)
