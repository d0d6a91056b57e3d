"""Activation functions and their derivatives, written as the lesson writes them.

Each derivative takes both `Z` and `A = f(Z)` and uses whichever the textbook formula uses: the sigmoid's
from `A` (the seed's `dsigmoid(A) = A * (1 - A)`), tanh's from `A`, ReLU's from `Z`. At a kink we follow
torch: ReLU'(0) = 0, leaky ReLU'(0) = slope.
"""

from __future__ import annotations

import numpy as np


def sigmoid(Z: np.ndarray) -> np.ndarray:
    # The seed's formula, kept so that its printed numbers reproduce bit for bit. For Z << 0, exp(-Z)
    # overflows to inf and 1 / inf = 0 is the right limit, so the overflow warning is noise: silence it.
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-Z))


def sigmoid_prime(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    return A * (1 - A)


def tanh(Z: np.ndarray) -> np.ndarray:
    return np.tanh(Z)


def tanh_prime(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    return 1 - A * A


def relu(Z: np.ndarray) -> np.ndarray:
    return np.maximum(Z, 0)


def relu_prime(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    return (Z > 0).astype(Z.dtype)


def identity(Z: np.ndarray) -> np.ndarray:
    return Z.copy()


def identity_prime(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    return np.ones_like(Z)


def softmax(Z: np.ndarray) -> np.ndarray:
    # Shifting by the row maximum changes nothing mathematically and keeps exp() from overflowing.
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def activate(name: str, Z: np.ndarray, slope: float = 0.01) -> np.ndarray:
    """f(Z) for the activation `name`."""
    if name == "leaky_relu":
        return np.where(Z > 0, Z, slope * Z)
    return _FUNCTIONS[name](Z)


def derivative(name: str, Z: np.ndarray, A: np.ndarray, slope: float = 0.01) -> np.ndarray:
    """f'(Z) elementwise, from Z or A as the textbook does."""
    if name == "leaky_relu":
        return np.where(Z > 0, 1.0, slope).astype(Z.dtype)
    if name == "softmax":
        raise ValueError("softmax has a Jacobian, not an elementwise derivative; with cross-entropy the "
                         "output delta is A - T (see numpy_impl.losses)")
    return _DERIVATIVES[name](Z, A)


_FUNCTIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "identity": identity, "softmax": softmax}
_DERIVATIVES = {"sigmoid": sigmoid_prime, "tanh": tanh_prime, "relu": relu_prime, "identity": identity_prime}
