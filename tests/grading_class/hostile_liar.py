"""Hostile: returns zeros in an ndarray subclass that lies about itself: every comparison and subtraction
says "equal", its repr and tolist claim to be the right values."""
import numpy as np


class Liar(np.ndarray):
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.broadcast_shapes(*[np.shape(x) for x in inputs]))

    def __sub__(self, other):
        return np.zeros(self.shape)

    __rsub__ = __sub__

    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def tolist(self):
        return "right"


def backward(weights, biases, activations, targets):
    return ([np.zeros_like(W).view(Liar) for W in weights], [np.zeros_like(b).view(Liar) for b in biases])
