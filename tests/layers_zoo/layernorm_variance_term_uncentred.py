"""Layer zoo: dx's variance term uses x where x - mean belongs (as in a real cs231n 2025 solution, lllllliuji:
sum(dx_hat * x) * x / std^3 / D), right only when each sample's mean is 0."""

import numpy as np


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mu = x.mean(axis=1, keepdims=True)                # (N, 1)
    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)  # (N, 1)
    x_hat = (x - mu) / std                            # (N, D)
    out = gamma * x_hat + beta                        # (N, D)
    return out, (x, x_hat, std, gamma)


def layernorm_backward(dout, cache):
    x, x_hat, std, gamma = cache
    D = x_hat.shape[1]
    dbeta = dout.sum(axis=0)                          # (D,)
    dgamma = (dout * x_hat).sum(axis=0)               # (D,)
    dx_hat = dout * gamma                             # (N, D)
    dx = (dx_hat / std
          - (dx_hat * x).sum(axis=1, keepdims=True) * x / (std ** 3 * D)     # the mistake: x, not x - mu
          - dx_hat.sum(axis=1, keepdims=True) / (std * D))
    return dx, dgamma, dbeta
