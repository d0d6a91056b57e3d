"""Right layers written in ways that look suspicious and are not: relu's backward zeroing dout in place and
returning it (the upstream array is the caller's to give; the numbers are right), dropout's backward drawing
its mask again after re-seeding with the same seed, dropout through np.random.binomial, the loss as
-log(probs[range(N), y]) of shifted probabilities, svm as two loops over samples and classes, and
spatial_groupnorm_forward alone (its backward not written: not checked)."""
import numpy as np


def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    dout[cache <= 0] = 0
    return dout


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if dropout_param.get("seed") is not None:
        np.random.seed(dropout_param["seed"])
    if mode == "train":
        mask = np.random.binomial(1, p, size=x.shape) / p
        return x * mask, (mask, mode)
    return x, (None, mode)


def dropout_backward(dout, cache):
    mask, mode = cache
    return dout * mask if mode == "train" else dout


def softmax_loss(x, y):
    N = len(y)
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    probs = e / np.sum(e, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[range(N), y])) / N
    probs[range(N), y] -= 1
    return loss, probs / N


def svm_loss(x, y):
    N, C = x.shape
    loss, dx = 0.0, np.zeros_like(x)
    for i in range(N):
        for j in range(C):
            if j == y[i]:
                continue
            margin = x[i, j] - x[i, y[i]] + 1
            if margin > 0:
                loss += margin
                dx[i, j] += 1
                dx[i, y[i]] -= 1
    return loss / N, dx / N


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    N, C, H, W = x.shape
    xg = x.reshape(N, G, -1)
    x_hat = (xg - xg.mean(2, keepdims=True)) / np.sqrt(xg.var(2, keepdims=True) + gn_param.get("eps", 1e-5))
    return gamma * x_hat.reshape(N, C, H, W) + beta, None
