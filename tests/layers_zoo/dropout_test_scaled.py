"""Layer zoo: test mode scales by p (non-inverted dropout) where the train mode already divided by p."""

import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p     # x's shape: 0 or 1/p
        out = x * mask
    elif mode == "test":
        mask, out = None, x * p
    else:
        raise ValueError(f"dropout_forward: mode must be 'train' or 'test', found {mode!r}")
    return out.astype(x.dtype, copy=False), (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout.copy()
