"""Your layers: fill in each pair of functions, then check them against torch's autograd:

    python -m compare check examples/layers_template.py                    # every layer in this file
    python -m compare check examples/layers_template.py --layer batchnorm  # one layer

The fully connected layers of cs231n's assignment 2 (cs231n/layers.py), with its names and signatures; the
convolutional ones are in layers_conv_template.py, the recurrent ones in layers_rnn_template.py.
docs/layers-interface.md describes every function, argument, shape and convention.

Conventions: a batch holds N samples along axis 0, float64 arrays. A layer is a pair
    *_forward(inputs...) -> (out, cache)      *_backward(dout, cache) -> gradients
where dout = dL/dout has out's shape and the gradients come in the order of the forward's inputs, each of
its input's shape. `cache` is yours: anything the backward needs; the check hands the backward exactly what
the forward returned (do not change it in place). A loss is one function returning (loss, dx), the loss
averaged over the N samples. Until a function is filled in, it raises NotImplementedError.
"""

import numpy as np  # noqa: F401  (you will need it)


def affine_forward(x, w, b):
    """A fully connected layer: out = X @ w + b, with X = x reshaped to rows.

    x: (N, d_1, ..., d_k), N samples of any shape; X = x.reshape(N, D) with D = d_1 * ... * d_k
    w: (D, M)      b: (M,)
    Returns out (N, M) and cache (cs231n keeps (x, w, b)).
    """
    raise NotImplementedError("affine_forward: out = X @ w + b, X = x as (N, D) rows")


def affine_backward(dout, cache):
    """dout: (N, M). Returns (dx, dw, db):
    dx (N, d_1, ..., d_k), x's own shape (not (N, D)); dw (D, M); db (M,).
    """
    raise NotImplementedError("affine_backward: dx (back to x's shape), dw, db (summed over the batch)")


def relu_forward(x):
    """out = max(0, x) elementwise. x: any shape. Returns out (x's shape) and cache (cs231n keeps x)."""
    raise NotImplementedError("relu_forward")


def relu_backward(dout, cache):
    """dout: x's shape. Returns dx (x's shape). Where x = 0 exactly, take the derivative 0 (as torch)."""
    raise NotImplementedError("relu_backward: dout where x > 0")


def softmax_loss(x, y):
    """Softmax cross-entropy, averaged over the batch: L = -(1/N) sum_i log softmax(x[i])[y[i]].

    x: (N, C) scores; y: (N,) integer labels, 0 <= y[i] < C.
    Returns (loss, dx): loss a float, dx = dL/dx (N, C). Subtract each row's maximum before exp().
    """
    raise NotImplementedError("softmax_loss")


def svm_loss(x, y):
    """Multiclass SVM (hinge) loss, averaged over the batch:
        L = (1/N) sum_i sum_{j != y[i]} max(0, x[i, j] - x[i, y[i]] + 1)

    x: (N, C) scores; y: (N,) integer labels. Returns (loss, dx), dx (N, C).
    """
    raise NotImplementedError("svm_loss")


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization, per feature.

    x: (N, D)      gamma: (D,) scale      beta: (D,) shift
    bn_param: a dict with
      - mode: 'train' or 'test' (required)
      - eps: added to the variance (default 1e-5)
      - momentum: the running averages' decay (default 0.9)
      - running_mean, running_var: (D,) arrays (zeros when absent)
    train: normalise with the batch's mean and variance (the biased variance, divided by N), then
        out = gamma * x_hat + beta, and update, in bn_param itself,
            running_mean = momentum * running_mean + (1 - momentum) * batch mean
            running_var  = momentum * running_var  + (1 - momentum) * batch variance
        (torch's BatchNorm differs on both: its momentum weighs the new batch, and its running variance
        is the unbiased one.)
    test: normalise with running_mean and running_var instead.
    Returns out (N, D) and cache.
    """
    raise NotImplementedError("batchnorm_forward")


def batchnorm_backward(dout, cache):
    """Backward through batchnorm's computation graph, one node at a time (draw it first).

    dout: (N, D). Returns (dx (N, D), dgamma (D,), dbeta (D,)). In train mode each x[n] moves the batch's
    mean and variance too: dx has a term through each.
    """
    raise NotImplementedError("batchnorm_backward")


def batchnorm_backward_alt(dout, cache):
    """The same three gradients as batchnorm_backward, dx simplified on paper to a single expression.
    dout: (N, D), with batchnorm_forward's cache. Returns (dx (N, D), dgamma (D,), dbeta (D,)).
    """
    raise NotImplementedError("batchnorm_backward_alt")


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalization: normalise each SAMPLE over its D features (the mean and biased variance of each
    row), the same in train and test, no running statistics; then out = gamma * x_hat + beta.

    x: (N, D)      gamma, beta: (D,)      ln_param: a dict with eps (default 1e-5)
    Returns out (N, D) and cache.
    """
    raise NotImplementedError("layernorm_forward")


def layernorm_backward(dout, cache):
    """dout: (N, D). Returns (dx (N, D), dgamma (D,), dbeta (D,))."""
    raise NotImplementedError("layernorm_backward")


def dropout_forward(x, dropout_param):
    """Inverted dropout.

    x: any shape. dropout_param: a dict with
      - p: the probability to KEEP each unit (torch's p is the probability to drop)
      - mode: 'train' or 'test'
      - seed: optional; if given, call np.random.seed(seed) first, so that a check can repeat the draw
    train: mask = (np.random.rand(*x.shape) < p) / p, out = x * mask (kept units scaled by 1/p, so that
           nothing needs scaling at test time)
    test:  out = x
    Returns out (x's shape) and cache (cs231n keeps (dropout_param, mask)).
    """
    raise NotImplementedError("dropout_forward")


def dropout_backward(dout, cache):
    """dout: x's shape. Returns dx (x's shape), in train and in test mode."""
    raise NotImplementedError("dropout_backward")
