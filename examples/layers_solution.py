"""The reference answer for the fully connected layers of cs231n's assignment 2 (cs231n/layers.py), written
to be read. Check it (or your own file with these names) against torch with

    python -m compare check examples/layers_solution.py
    python -m compare check examples/layers_solution.py --layer batchnorm

The convolutional layers are in layers_conv_solution.py, the recurrent ones in layers_rnn_solution.py.

Conventions (cs231n's): a batch holds N samples along axis 0. Each layer is a pair
`*_forward(inputs...) -> (out, cache)` and `*_backward(dout, cache) -> gradients`, the gradients in the
order of the forward's inputs; `cache` is whatever the backward needs (the check only hands it back).
Losses are one function `*_loss(x, y) -> (loss, dx)`, the loss averaged over the N samples.
"""

import numpy as np


def affine_forward(x, w, b):
    """out = X @ w + b, with X = x reshaped to rows: x (N, d_1, ..., d_k) -> X (N, D), D = d_1 * ... * d_k.

    w: (D, M); b: (M,). Returns out (N, M) and cache = (x, w, b).
    """
    X = x.reshape(x.shape[0], -1)                     # (N, D)
    out = X @ w + b                                   # (N, M)
    return out, (x, w, b)


def affine_backward(dout, cache):
    """dX = dout @ w.T (reshaped back to x's shape), dw = X.T @ dout, db = sum of dout over the batch.

    dout: (N, M). Returns dx (N, d_1, ..., d_k), dw (D, M), db (M,).
    """
    x, w, _ = cache
    X = x.reshape(x.shape[0], -1)                     # (N, D)
    dx = (dout @ w.T).reshape(x.shape)                # (N, d_1, ..., d_k)
    dw = X.T @ dout                                   # (D, M)
    db = dout.sum(axis=0)                             # (M,)
    return dx, dw, db


def relu_forward(x):
    """out = max(0, x), elementwise; x of any shape. cache = x."""
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    """dx = dout where x > 0, else 0 (relu'(0) = 0, as torch)."""
    x = cache
    return dout * (x > 0)


def softmax_loss(x, y):
    """L = -(1/N) sum_i log p[i, y_i], p = softmax of each row of the scores x (N, C); y (N,) in [0, C).

    dL/dx = (p - onehot(y)) / N. Returns (loss, dx), dx (N, C).
    """
    N = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)        # (N, C); the same p, and exp() cannot overflow
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))   # (N, C)
    rows = np.arange(N)
    loss = -log_p[rows, y].sum() / N
    dx = np.exp(log_p)                                # p, (N, C)
    dx[rows, y] -= 1
    return loss, dx / N


def svm_loss(x, y):
    """Multiclass SVM: L = (1/N) sum_i sum_{j != y_i} max(0, x[i, j] - x[i, y_i] + 1).

    Each positive margin adds +1 to dx[i, j] and -1 to dx[i, y_i]; all divided by N. Returns (loss, dx).
    """
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0, x - x[rows, y][:, None] + 1)   # (N, C)
    margins[rows, y] = 0                                   # the correct class is no margin
    loss = margins.sum() / N
    positive = (margins > 0).astype(x.dtype)               # (N, C)
    dx = positive.copy()
    dx[rows, y] -= positive.sum(axis=1)
    return loss, dx / N


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization of x (N, D), per feature:

        train:  mu = mean over the batch, var = (1/N) sum (x - mu)^2   (biased: divided by N, not N - 1)
                x_hat = (x - mu) / sqrt(var + eps),   out = gamma * x_hat + beta
                running_mean = momentum * running_mean + (1 - momentum) * mu      (and running_var with var)
        test:   x_hat = (x - running_mean) / sqrt(running_var + eps)

    gamma, beta: (D,). bn_param: mode ('train' | 'test', required), eps (1e-5), momentum (0.9),
    running_mean and running_var ((D,), zeros when absent), updated in bn_param in train mode.
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        mu = x.mean(axis=0)                           # (D,)
        var = x.var(axis=0)                           # (D,), divided by N
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        mu, var = running_mean, running_var           # constants: x's gradient has no mean or variance term
    else:
        raise ValueError(f"batchnorm_forward: mode must be 'train' or 'test', found {mode!r}")
    std = np.sqrt(var + eps)                          # (D,)
    x_hat = (x - mu) / std                            # (N, D)
    out = gamma * x_hat + beta                        # (N, D)
    return out, (mode, x, mu, std, x_hat, gamma)


def batchnorm_backward(dout, cache):
    """The gradients through batchnorm's computation graph, one node at a time (dout: (N, D)):

        dbeta = sum_n dout,   dgamma = sum_n dout * x_hat,   dx_hat = dout * gamma
        xmu = x - mu, inv = 1 / std:   dinv = sum_n dx_hat * xmu,   dvar = dinv * (-1/2) (var + eps)^(-3/2)
        dxmu = dx_hat * inv + dvar * 2 xmu / N       (through x_hat directly, and through var)
        dmu = -sum_n dxmu,   dx = dxmu + dmu / N     (the mean term: every x_n moved mu)

    Returns dx (N, D), dgamma (D,), dbeta (D,).
    """
    mode, x, mu, std, x_hat, gamma = cache
    N = x.shape[0]
    dbeta = dout.sum(axis=0)                          # (D,)
    dgamma = (dout * x_hat).sum(axis=0)               # (D,)
    dx_hat = dout * gamma                             # (N, D)
    if mode == "test":
        return dx_hat / std, dgamma, dbeta
    xmu = x - mu                                      # (N, D)
    dinv = (dx_hat * xmu).sum(axis=0)                 # (D,)
    dvar = dinv * -0.5 / std**3                       # (D,)
    dxmu = dx_hat / std + dvar * 2 * xmu / N          # (N, D)
    dmu = -dxmu.sum(axis=0)                           # (D,)
    dx = dxmu + dmu / N                               # (N, D)
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """The same gradients, simplified on paper to one line for dx:

        dx = (1 / (N std)) * (N dx_hat - sum_n dx_hat - x_hat * sum_n dx_hat * x_hat),   dx_hat = dout * gamma
    """
    mode, x, _, std, x_hat, gamma = cache
    N = x.shape[0]
    dbeta = dout.sum(axis=0)                          # (D,)
    dgamma = (dout * x_hat).sum(axis=0)               # (D,)
    dx_hat = dout * gamma                             # (N, D)
    if mode == "test":
        return dx_hat / std, dgamma, dbeta
    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0)) / (N * std)
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalization: batchnorm's formulas, per sample over its D features (axis 1), in train and test
    alike, and no running statistics. x (N, D); gamma, beta (D,); ln_param: eps (1e-5).
    """
    eps = ln_param.get("eps", 1e-5)
    mu = x.mean(axis=1, keepdims=True)                # (N, 1)
    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)  # (N, 1)
    x_hat = (x - mu) / std                            # (N, D)
    out = gamma * x_hat + beta                        # (N, D)
    return out, (x_hat, std, gamma)


def layernorm_backward(dout, cache):
    """batchnorm_backward_alt's dx along axis 1 (D features per sample); dgamma and dbeta still sum over
    the batch (axis 0), since gamma and beta are per feature:

        dx = (1 / (D std)) * (D dx_hat - sum_d dx_hat - x_hat * sum_d dx_hat * x_hat)
    """
    x_hat, std, gamma = cache
    D = x_hat.shape[1]
    dbeta = dout.sum(axis=0)                          # (D,)
    dgamma = (dout * x_hat).sum(axis=0)               # (D,)
    dx_hat = dout * gamma                             # (N, D)
    dx = (D * dx_hat - dx_hat.sum(axis=1, keepdims=True)
          - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True)) / (D * std)
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    """Inverted dropout: keep each unit with probability p, and scale what is kept by 1/p, so that the
    expected output is x and test time needs no scaling.

        train:  mask = (U < p) / p with U uniform in [0, 1), drawn after np.random.seed(seed) if 'seed' is
                given;  out = x * mask
        test:   out = x

    dropout_param: p (the KEEP probability), mode ('train' | 'test'), seed (optional). cache = (dropout_param,
    mask), mask None in test mode.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p     # x's shape: 0 or 1/p
        out = x * mask
    elif mode == "test":
        mask, out = None, x.copy()
    else:
        raise ValueError(f"dropout_forward: mode must be 'train' or 'test', found {mode!r}")
    return out.astype(x.dtype, copy=False), (dropout_param, mask)


def dropout_backward(dout, cache):
    """dx = dout * mask in train mode (the same units, the same 1/p); dx = dout in test mode."""
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout.copy()
