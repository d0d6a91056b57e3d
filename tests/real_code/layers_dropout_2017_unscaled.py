# Recipe of 7forz/CS231n_assignments assignment2/cs231n/layers.py @ a3d5af2 and AndersonZhangyq/cs231n-2017
# assignment2/cs231n/layers.py @ f548a2f (no licence files: not copied), both the 2017 interface ("We drop
# each neuron output with probability p"). Written by us: mask = rand > p, out = x * mask, not scaled; test mode
# out = x * p. The interface checked (2018 on) keeps with probability p and scales by 1/p. The real files:
# dropout FAILED, keeping 20.9% where p = 0.8, with the three hints below, each true of the code.
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = np.random.rand(*x.shape) > p
        out = x * mask
    else:
        out = x * p
    return out.astype(x.dtype, copy=False), (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout
