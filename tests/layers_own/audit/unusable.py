"""Layers that cannot be used as they are, each its own way: softmax assuming one-hot labels, an rnn step
multiplying by Wx.T, an embedding accumulating along the wrong axis, an affine answering in float32, a
None where a written body forgot its assignment, a batchnorm reading bn_param's optional keys as required.
Each is one line naming the function; the rest still run."""
import numpy as np


def softmax_loss(x, y):
    N = x.shape[0]
    p = np.exp(x - x.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.sum(y * np.log(p)) / N                 # y taken as one-hot (N, C): it is (N,) labels
    return loss, (p - y) / N


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx.T) + prev_h.dot(Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da.dot(Wx), da.dot(Wh.T), x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x.T, dout)                          # (T, N) indices against (N, T, D) gradients
    return dW


def affine_forward(x, w, b):
    out = (x.reshape(x.shape[0], -1).dot(w) + b).astype(np.float32)
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    return dout.dot(w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T.dot(dout), dout.sum(axis=0)


def temporal_affine_forward(x, w, b):
    result = x.dot(w) + b                             # written, but `out` never assigned
    out = None
    return out, (x, w, b, result)


def temporal_affine_backward(dout, cache):
    x, w, b, _ = cache
    return dout.dot(w.T), np.einsum("ntd,ntm->dm", x, dout), dout.sum(axis=(0, 1))


def batchnorm_forward(x, gamma, beta, bn_param):
    eps, momentum = bn_param["eps"], bn_param["momentum"]     # optional keys read as required
    mu, var = x.mean(axis=0), x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    rm = momentum * bn_param.get("running_mean", np.zeros_like(mu)) + (1 - momentum) * mu
    rv = momentum * bn_param.get("running_var", np.zeros_like(var)) + (1 - momentum) * var
    bn_param["running_mean"], bn_param["running_var"] = rm, rv
    return gamma * x_hat + beta, (x_hat, np.sqrt(var + eps), gamma)


def batchnorm_backward(dout, cache):
    x_hat, std, gamma = cache
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    return gamma / (len(dout) * std) * (len(dout) * dout - dbeta - x_hat * dgamma), dgamma, dbeta
