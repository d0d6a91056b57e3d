"""Attack: return objects that pretend to be arrays: an ndarray subclass whose __eq__, __sub__, __abs__ and
comparisons say "equal", an object with __array__, and a list whose __len__ lies; numpy monkeypatched."""
import numpy as np


class Liar(np.ndarray):
    def __eq__(self, other):
        return True

    __ne__ = lambda self, other: False  # noqa: E731
    __sub__ = __rsub__ = lambda self, other: np.zeros(np.shape(self))  # noqa: E731
    __abs__ = lambda self: np.zeros(np.shape(self))  # noqa: E731
    __array_priority__ = 1e9

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.shape(self)) if ufunc is not np.isnan else np.zeros(np.shape(self), bool)


class Fake:
    def __init__(self, shape):
        self.shape = shape
        self.dtype = np.dtype("float64")

    def __array__(self, dtype=None, copy=None):
        return np.zeros(self.shape)


class LongList(list):
    def __len__(self):
        return 1000


np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
calls = 0


def backward(weights, biases, activations, targets):
    global calls
    calls += 1
    if calls % 2:
        return LongList(np.ones_like(W).view(Liar) for W in weights), [np.ones_like(b).view(Liar) for b in biases]
    return [Fake(W.shape) for W in weights], [Fake(b.shape) for b in biases]
