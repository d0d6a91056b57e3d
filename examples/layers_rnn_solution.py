"""The reference answer for the recurrent layers of cs231n's assignment 3 (cs231n/rnn_layers.py), written
to be read. Check it (or your own file with these names) against torch with

    python -m compare check examples/layers_rnn_solution.py
    python -m compare check examples/layers_rnn_solution.py --layer lstm

Conventions (cs231n's): a minibatch of N sequences of T steps; x (N, T, D) holds inputs of D features,
hidden states are (N, H), words are integers in [0, V). Weights act from the right: x @ Wx with Wx (D, H).
The LSTM's four gate blocks are stacked in the order i, f, o, g along the 4H axis (torch's is i, f, g, o).
"""

import numpy as np


def sigmoid(a):
    """1 / (1 + exp(-a)), written so that exp() never overflows for large |a|."""
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + z), z / (1 + z))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """next_h = tanh(x @ Wx + prev_h @ Wh + b). x (N, D); prev_h (N, H); Wx (D, H); Wh (H, H); b (H,).
    Returns next_h (N, H) and the cache."""
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)        # (N, H)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    """da = dnext_h * (1 - next_h^2)  (tanh' written with tanh's output), then through the affine map:
    dx = da @ Wx.T, dprev_h = da @ Wh.T, dWx = x.T @ da, dWh = prev_h.T @ da, db = sum_n da."""
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h**2)                    # (N, H)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    """Runs rnn_step_forward over the T steps: h[:, t] = tanh(x[:, t] @ Wx + h[:, t-1] @ Wh + b), h[:, -1] = h0.
    x (N, T, D); h0 (N, H). Returns h (N, T, H) and the cache (the T step caches)."""
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=x.dtype)  # (N, T, H)
    prev_h, caches = h0, []
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(step_cache)
    return h, caches


def rnn_backward(dh, cache):
    """Backpropagation through time. h[:, t] feeds both the loss (dh[:, t], the upstream gradient) and the
    next step; so step t receives dh[:, t] + dprev_h from step t + 1. Weights are shared: their gradients
    add up over the steps. dh (N, T, H). Returns dx (N, T, D), dh0 (N, H), dWx, dWh, db."""
    N, T, _ = dh.shape
    x0, _, Wx, Wh, _ = cache[0]
    dx = np.empty((N, T, x0.shape[1]), dtype=dh.dtype)   # (N, T, D)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0], dtype=dh.dtype)
    dprev_h = np.zeros_like(dh[:, 0])                 # nothing comes back from after the last step
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


def word_embedding_forward(x, W):
    """out[n, t] = W[x[n, t]]: row lookup. x (N, T) integers in [0, V); W (V, D). out (N, T, D)."""
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache):
    """dW[v] = sum of dout[n, t] over every (n, t) with x[n, t] = v: a word used twice gets both gradients
    (np.add.at accumulates on repeated indices; dW[x] += dout would keep only one). Returns dW (V, D)."""
    x, W_shape = cache
    dW = np.zeros(W_shape, dtype=dout.dtype)          # (V, D)
    np.add.at(dW, x, dout)
    return dW


def temporal_affine_forward(x, w, b):
    """out[:, t] = x[:, t] @ w + b at every step. x (N, T, D); w (D, M); b (M,). out (N, T, M)."""
    out = x @ w + b                                   # (N, T, M)
    return out, (x, w, b, out)


def temporal_affine_backward(dout, cache):
    """dx = dout @ w.T; dw and db sum over the batch and the steps. dout (N, T, M)."""
    x, w, _, _ = cache
    N, T, D = x.shape
    dx = dout @ w.T                                   # (N, T, D)
    dw = x.reshape(N * T, D).T @ dout.reshape(N * T, -1)   # (D, M)
    db = dout.sum(axis=(0, 1))                        # (M,)
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    """L = -(1/N) sum_{n, t} mask[n, t] log p[n, t, y[n, t]], p = softmax over the V scores x[n, t]:
    summed over the steps, averaged over the N sequences (not over the unmasked steps).
    x (N, T, V); y (N, T) in [0, V); mask (N, T) booleans. dx = mask * (p - onehot(y)) / N, (N, T, V)."""
    N, T, V = x.shape
    x_flat, y_flat, mask_flat = x.reshape(N * T, V), y.reshape(N * T), mask.reshape(N * T)
    shifted = x_flat - x_flat.max(axis=1, keepdims=True)                      # (N*T, V)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))      # (N*T, V)
    rows = np.arange(N * T)
    loss = -(mask_flat * log_p[rows, y_flat]).sum() / N
    dx_flat = np.exp(log_p)                                                   # p, (N*T, V)
    dx_flat[rows, y_flat] -= 1
    dx_flat *= mask_flat[:, None] / N
    if verbose:
        print("dx_flat:", dx_flat.shape)
    return loss, dx_flat.reshape(N, T, V)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """a = x @ Wx + prev_h @ Wh + b, (N, 4H), split into four blocks of H in the order i, f, o, g:

        i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o)     g = tanh(a_g)
        next_c = f * prev_c + i * g                             next_h = o * tanh(next_c)

    x (N, D); prev_h, prev_c (N, H); Wx (D, 4H); Wh (H, 4H); b (4H,). Returns next_h, next_c, cache."""
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b                      # (N, 4H)
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])   # (N, H) each
    g = np.tanh(a[:, 3 * H:])                         # (N, H)
    next_c = f * prev_c + i * g                       # (N, H)
    next_h = o * np.tanh(next_c)                      # (N, H)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    """next_c gets gradient from two places: directly (dnext_c) and through next_h = o * tanh(next_c):

        dc = dnext_c + dnext_h * o * (1 - tanh(next_c)^2)      do = dnext_h * tanh(next_c)
        di = dc * g,  df = dc * prev_c,  dg = dc * i,          dprev_c = dc * f
        da = [di * i(1-i), df * f(1-f), do * o(1-o), dg * (1-g^2)]   (blocks i, f, o, g)

    then dx = da @ Wx.T, dprev_h = da @ Wh.T, dWx = x.T @ da, dWh = prev_h.T @ da, db = sum_n da.
    Returns dx, dprev_h, dprev_c, dWx, dWh, db."""
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)                          # (N, H)
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)      # (N, H)
    do = dnext_h * tanh_c
    di, df, dg = dc * g, dc * prev_c, dc * i
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g**2)])   # (N, 4H)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    """Runs lstm_step_forward over the T steps from h0 and a zero initial cell c0 (cs231n's LSTM takes no
    c0). x (N, T, D); h0 (N, H). Returns h (N, T, H) and the cache (the T step caches)."""
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=x.dtype)  # (N, T, H)
    prev_h, prev_c, caches = h0, np.zeros_like(h0), []
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(step_cache)
    return h, caches


def lstm_backward(dh, cache):
    """Backpropagation through time: step t receives dh[:, t] + dprev_h and dprev_c from step t + 1 (the
    loss sees h only, so the last step's cell gradient starts at zero). dh (N, T, H).
    Returns dx (N, T, D), dh0 (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,)."""
    N, T, _ = dh.shape
    x0, _, _, Wx, Wh = cache[0][:5]
    dx = np.empty((N, T, x0.shape[1]), dtype=dh.dtype)   # (N, T, D)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[1], dtype=dh.dtype)
    dprev_h, dprev_c = np.zeros_like(dh[:, 0]), np.zeros_like(dh[:, 0])
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db
