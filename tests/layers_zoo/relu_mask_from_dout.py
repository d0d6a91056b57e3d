"""Layer zoo: the ReLU's gate taken from dout's sign instead of x's."""

import numpy as np


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return np.maximum(dout, 0)
