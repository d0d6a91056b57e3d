"""Activation functions and their derivatives, written as the lesson writes them.

Each derivative takes both `Z` and `A = f(Z)` and uses whichever the textbook formula uses:

    sigmoid     f(z) = 1 / (1 + e^-z)            f'(z) = a (1 - a)          from A (the seed's `dsigmoid`)
    tanh        f(z) = tanh z                    f'(z) = 1 - a^2            from A
    relu        f(z) = max(z, 0)                 f'(z) = 1 if z > 0 else 0  from Z
    leaky_relu  f(z) = z if z > 0 else s z       f'(z) = 1 if z > 0 else s  from Z (s = leaky_slope)
    identity    f(z) = z                         f'(z) = 1
    softmax     (output only, with cross-entropy: delta_L = A - T, see numpy_impl.losses)

At a kink we follow torch: ReLU'(0) = 0 and leaky ReLU'(0) = s (torch's backward tests z > 0). ReLU is not
differentiable at 0; any value in [0, 1] is a valid subgradient, and agreeing with torch is what keeps parity
when a pre-activation is exactly 0 (it happens: a ReLU input of 0 with a zero bias).
"""

from __future__ import annotations

import numpy as np


def sigmoid(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """1 / (1 + e^-Z), the seed's formula, kept so that its printed numbers reproduce bit for bit.

    For Z << 0, exp(-Z) overflows to inf and 1 / inf = 0 is the right limit, so the overflow warning is
    noise. Into a new array it is silenced here; into `out` the caller silences it (`np.errstate`) once
    around many calls, where a context manager per call would cost as much as the sigmoid itself."""
    if out is not None:
        return _sigmoid(Z, out)
    with np.errstate(over="ignore"):
        return _sigmoid(Z, None)


def _sigmoid(Z: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    # one operation at a time, so that `out` can hold every intermediate: the same four roundings as
    # 1.0 / (1.0 + np.exp(-Z))
    A = np.negative(Z, out=out)                   # -Z
    np.exp(A, out=A)                              # e^-Z
    np.add(1.0, A, out=A)                         # 1 + e^-Z
    return np.divide(1.0, A, out=A)               # 1 / (1 + e^-Z)


def sigmoid_prime(Z: np.ndarray, A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a (1 - a): exactly 0 once the sigmoid has saturated to 0 or 1, never NaN."""
    D = np.subtract(1, A, out=out)                # 1 - a
    return np.multiply(A, D, out=D)               # a (1 - a)


def tanh(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return np.tanh(Z, out=out)


def tanh_prime(Z: np.ndarray, A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """1 - a^2 (d tanh z / dz = 1 / cosh^2 z = 1 - tanh^2 z)."""
    # The same number, factored: near saturation (|a| -> 1) `1 - A * A` cancels (A * A is rounded before the
    # subtraction), while 1 - A and 1 + A are exact there. torch's CPU kernel rounds once, and agrees with the
    # factored form to 1 ulp (81% bit-identical over 100,000 z in [-12, 12]); the naive form is off by up to
    # 3.7e-9 relative, which broke per-update parity of saturated tanh layers (tests/test_property.py).
    D = np.subtract(1, A, out=out)                # 1 - a
    return np.multiply(D, 1 + A, out=D)           # (1 - a)(1 + a)


def relu(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return np.maximum(Z, 0, out=out)


def relu_prime(Z: np.ndarray, A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """1 where z > 0, else 0 (0 at z = 0, as torch)."""
    if out is None:
        return (Z > 0).astype(Z.dtype)
    return np.greater(Z, 0, out=out)              # True/False written as 1.0/0.0


def leaky_relu(Z: np.ndarray, slope: float = 0.01, out: np.ndarray | None = None) -> np.ndarray:
    return _written(np.where(Z > 0, Z, slope * Z), out)


def leaky_relu_prime(Z: np.ndarray, A: np.ndarray, slope: float = 0.01,
                     out: np.ndarray | None = None) -> np.ndarray:
    """1 where z > 0, else the slope (the slope at z = 0, as torch)."""
    return _written(np.where(Z > 0, 1.0, slope).astype(Z.dtype), out)


def identity(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return Z.copy() if out is None else _written(Z, out)


def identity_prime(Z: np.ndarray, A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    if out is None:
        return np.ones_like(Z)
    out.fill(1)
    return out


def softmax(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # Shifting by the row maximum changes nothing mathematically and keeps exp() from overflowing.
    E = np.exp(Z - Z.max(axis=1, keepdims=True), out=out)
    return np.divide(E, E.sum(axis=1, keepdims=True), out=E)


def _written(values: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """`values`, copied into `out` when one is given (the rarer activations allocate; their math is as
    above either way)."""
    if out is None:
        return values
    np.copyto(out, values)
    return out


def activate(name: str, Z: np.ndarray, slope: float = 0.01, out: np.ndarray | None = None) -> np.ndarray:
    """f(Z) for the activation `name` (`slope` is read by leaky_relu only), into `out` when given."""
    if name == "leaky_relu":
        return leaky_relu(Z, slope, out)
    return _FUNCTIONS[name](Z, out)


def derivative(name: str, Z: np.ndarray, A: np.ndarray, slope: float = 0.01,
               out: np.ndarray | None = None) -> np.ndarray:
    """f'(Z) elementwise, from Z or A as the textbook does, into `out` when given."""
    if name == "leaky_relu":
        return leaky_relu_prime(Z, A, slope, out)
    if name == "softmax":
        raise ValueError("softmax has a Jacobian, not an elementwise derivative; with cross-entropy the "
                         "output delta is A - T (see numpy_impl.losses)")
    return _DERIVATIVES[name](Z, A, out)


_FUNCTIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "identity": identity, "softmax": softmax}
_DERIVATIVES = {"sigmoid": sigmoid_prime, "tanh": tanh_prime, "relu": relu_prime, "identity": identity_prime}
