"""Correct convolution and max pooling through im2col, as cs231n's fast layers: every receptive field becomes a
column, the convolution one matrix product, and col2im scatters the columns' gradients back with np.add.at
(which accumulates where fields overlap). Max pooling picks each column's argmax; the embedding's gradient
is one np.add.at."""

import numpy as np


def im2col_indices(C, H, W, HH, WW, stride, pad):
    """(k, i, j): index arrays of shape (C*HH*WW, H_out*W_out) into the padded image, one column per field."""
    H_out, W_out = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    i0 = np.tile(np.repeat(np.arange(HH), WW), C)
    i1 = stride * np.repeat(np.arange(H_out), W_out)
    j0 = np.tile(np.arange(WW), HH * C)
    j1 = stride * np.tile(np.arange(W_out), H_out)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    return k, i, j, H_out, W_out


def im2col(x, HH, WW, stride, pad):
    N, C, H, W = x.shape
    k, i, j, H_out, W_out = im2col_indices(C, H, W, HH, WW, stride, pad)
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return x_pad[:, k, i, j], H_out, W_out                   # (N, C*HH*WW, H_out*W_out)


def col2im(cols, x_shape, HH, WW, stride, pad):
    N, C, H, W = x_shape
    k, i, j, _, _ = im2col_indices(C, H, W, HH, WW, stride, pad)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    np.add.at(x_pad, (slice(None), k, i, j), cols)           # overlapping fields add up
    return x_pad[:, :, pad:pad + H, pad:pad + W]


def conv_forward_naive(x, w, b, conv_param):
    F, C, HH, WW = w.shape
    cols, H_out, W_out = im2col(x, HH, WW, conv_param["stride"], conv_param["pad"])
    out = np.einsum("fk,nkp->nfp", w.reshape(F, -1), cols) + b[None, :, None]
    return out.reshape(x.shape[0], F, H_out, W_out), (x, w, b, conv_param, cols)


def conv_backward_naive(dout, cache):
    x, w, b, conv_param, cols = cache
    F, C, HH, WW = w.shape
    dout_flat = dout.reshape(dout.shape[0], F, -1)           # (N, F, H_out*W_out)
    db = dout_flat.sum(axis=(0, 2))
    dw = np.einsum("nfp,nkp->fk", dout_flat, cols).reshape(w.shape)
    dcols = np.einsum("fk,nfp->nkp", w.reshape(F, -1), dout_flat)
    dx = col2im(dcols, x.shape, HH, WW, conv_param["stride"], conv_param["pad"])
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    cols, H_out, W_out = im2col(x.reshape(N * C, 1, H, W), ph, pw, stride, 0)   # (N*C, ph*pw, H_out*W_out)
    arg = cols.argmax(axis=1)                                # (N*C, H_out*W_out)
    out = np.take_along_axis(cols, arg[:, None, :], axis=1)[:, 0]
    return out.reshape(N, C, H_out, W_out), (x, pool_param, arg)


def max_pool_backward_naive(dout, cache):
    x, pool_param, arg = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    dcols = np.zeros((N * C, ph * pw, arg.shape[1]))
    np.put_along_axis(dcols, arg[:, None, :], dout.reshape(N * C, 1, -1), axis=1)
    return col2im(dcols, (N * C, 1, H, W), ph, pw, stride, 0).reshape(x.shape)


def word_embedding_forward(x, W):
    return W[x, :], (x, W.shape[0])


def word_embedding_backward(dout, cache):
    x, V = cache
    dW = np.zeros((V, dout.shape[-1]))
    np.add.at(dW, x.ravel(), dout.reshape(-1, dout.shape[-1]))
    return dW
