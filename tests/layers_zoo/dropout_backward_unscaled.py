"""Layer zoo (z6): dropout keeps the boolean mask and its backward multiplies by it without the 1/p."""
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    out = x
    if mode == "train":
        mask = np.random.rand(*x.shape) < p
        out = x * mask / p
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask                           # the mistake: / p forgotten here
    return dout
