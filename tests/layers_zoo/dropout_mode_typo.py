"""Layer zoo (z6): dropout tests mode == "training" (a typo for "train"): train mode falls through to the
identity, nothing is dropped."""
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "training":                            # the mistake: the mode is called "train"
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "training":
        return dout * mask
    return dout
