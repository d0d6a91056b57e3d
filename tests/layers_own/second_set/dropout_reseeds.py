"""Right dropout whose backward does not cache the mask: it re-seeds with dropout_param's seed and draws the
same mask again (right only because the seed is given)."""
import numpy as np


def dropout_forward(x, dropout_param):
    p = dropout_param["p"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    if dropout_param["mode"] == "train":
        return x * (np.random.rand(*x.shape) < p) / p, dropout_param
    return x, dropout_param


def dropout_backward(dout, cache):
    p = cache["p"]
    if cache["mode"] == "train":
        np.random.seed(cache["seed"])
        return dout * (np.random.rand(*dout.shape) < p) / p
    return dout
