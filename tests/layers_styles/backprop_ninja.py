"""Correct layers in the manner of Karpathy's "becoming a backprop ninja": the forward broken into one small
operation a line, each with a name, and the backward walking those names in reverse, one d-name per line,
with broadcasting undone by explicit sums. (Karpathy's exercise normalises with Bessel's correction,
1/(n-1); this interface's batchnorm divides by n, so bnvar does too.)"""

import numpy as np


def affine_forward(x, w, b):
    embcat = x.reshape(x.shape[0], -1)
    hprebn = embcat @ w + b
    return hprebn, (embcat, w, x.shape)


def affine_backward(dout, cache):
    embcat, w, x_shape = cache
    dhprebn = dout
    dembcat = dhprebn @ w.T
    dW1 = embcat.T @ dhprebn
    db1 = dhprebn.sum(0)
    return dembcat.reshape(x_shape), dW1, db1


def softmax_loss(x, y):
    n = x.shape[0]
    logits = x
    logit_maxes = logits.max(1, keepdims=True)
    norm_logits = logits - logit_maxes
    counts = np.exp(norm_logits)
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum**-1
    probs = counts * counts_sum_inv
    logprobs = np.log(probs)
    loss = -logprobs[range(n), y].mean()

    dlogprobs = np.zeros_like(logprobs)
    dlogprobs[range(n), y] = -1.0 / n
    dprobs = (1.0 / probs) * dlogprobs
    dcounts_sum_inv = (counts * dprobs).sum(1, keepdims=True)
    dcounts = counts_sum_inv * dprobs
    dcounts_sum = (-counts_sum**-2) * dcounts_sum_inv
    dcounts += np.ones_like(counts) * dcounts_sum
    dnorm_logits = counts * dcounts
    dlogits = dnorm_logits.copy()
    dlogit_maxes = (-dnorm_logits).sum(1, keepdims=True)
    dlogits += np.eye(logits.shape[1])[logits.argmax(1)] * dlogit_maxes
    return loss, dlogits


def batchnorm_forward(x, gamma, beta, bn_param):
    mode, eps, momentum = bn_param["mode"], bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    n = x.shape[0]
    zeros = np.zeros(x.shape[1])
    if mode == "train":
        bnmeani = 1 / n * x.sum(0, keepdims=True)
        bndiff = x - bnmeani
        bndiff2 = bndiff**2
        bnvar = 1 / n * bndiff2.sum(0, keepdims=True)
        bn_param["running_mean"] = momentum * bn_param.get("running_mean", zeros) + (1 - momentum) * bnmeani[0]
        bn_param["running_var"] = momentum * bn_param.get("running_var", zeros) + (1 - momentum) * bnvar[0]
    else:
        bnmeani, bnvar = bn_param["running_mean"][None], bn_param["running_var"][None]
        bndiff = x - bnmeani
        bndiff2 = None
    bnvar_inv = (bnvar + eps) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = gamma * bnraw + beta
    return hpreact, (mode, bndiff, bndiff2, bnvar, bnvar_inv, bnraw, gamma, eps)


def batchnorm_backward(dout, cache):
    mode, bndiff, bndiff2, bnvar, bnvar_inv, bnraw, gamma, eps = cache
    n = bndiff.shape[0]
    dhpreact = dout
    dbngain = (bnraw * dhpreact).sum(0)
    dbnbias = dhpreact.sum(0)
    dbnraw = gamma * dhpreact
    dbndiff = bnvar_inv * dbnraw
    if mode == "test":
        return dbndiff, dbngain, dbnbias
    dbnvar_inv = (bndiff * dbnraw).sum(0, keepdims=True)
    dbnvar = (-0.5 * (bnvar + eps) ** -1.5) * dbnvar_inv
    dbndiff2 = (1.0 / n) * np.ones_like(bndiff2) * dbnvar
    dbndiff += (2 * bndiff) * dbndiff2
    dhprebn = dbndiff.copy()
    dbnmeani = (-dbndiff).sum(0)
    dhprebn += 1.0 / n * (np.ones_like(bndiff) * dbnmeani)
    return dhprebn, dbngain, dbnbias


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    hpreact = x @ Wx + prev_h @ Wh + b
    h = np.tanh(hpreact)
    return h, (x, prev_h, Wx, Wh, h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, h = cache
    dhpreact = (1.0 - h**2) * dnext_h
    return dhpreact @ Wx.T, dhpreact @ Wh.T, x.T @ dhpreact, prev_h.T @ dhpreact, dhpreact.sum(0)


def word_embedding_forward(x, W):
    emb = W[x]
    return emb, (x, W)


def word_embedding_backward(dout, cache):
    Xb, C = cache
    demb = dout
    dC = np.zeros_like(C)
    for k in range(Xb.shape[0]):
        for j in range(Xb.shape[1]):
            ix = Xb[k, j]
            dC[ix] += demb[k, j]
    return dC
