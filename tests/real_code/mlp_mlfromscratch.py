# Recipe of eriklindernoren/ML-From-Scratch mlfromscratch/deep_learning/{layers,activation_functions,
# loss_functions}.py @ a2806c6 (MIT License, Copyright (c) 2017 Erik Linder-Noren). Written by us: its Dense
# layer (W (n_in, n_out), w0 (1, n_out); backward_pass hands grad_w to the optimizer's update), Activation
# layers, LeakyReLU with alpha = 0.2, Softmax's gradient p (1 - p) (the Jacobian's diagonal: right with its
# CrossEntropy, whose gradient it multiplies into p - y), SquareLoss and CrossEntropy's gradients, none divided
# by the batch. The real files (with an optimizer that keeps the gradient) got, with --reduction sum
# --bce-outputs sum, OK on 9 experiments and hidden-/output-leaky_relu FAILED with the hard-coded-slope hint.
import numpy as np

ACTIVATIONS = {
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), lambda x: 1 / (1 + np.exp(-x)) * (1 - 1 / (1 + np.exp(-x)))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "relu": (lambda x: np.where(x >= 0, x, 0), lambda x: np.where(x >= 0, 1, 0)),
    "leaky_relu": (lambda x: np.where(x >= 0, x, 0.2 * x), lambda x: np.where(x >= 0, 1, 0.2)),
    "softmax": (lambda x: np.exp(x - x.max(axis=-1, keepdims=True)) / np.exp(x - x.max(axis=-1, keepdims=True))
                .sum(axis=-1, keepdims=True),
                lambda x: (p := np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)) * (1 - p)),
}


class Keep:      # the optimizer: keeps the gradient, leaves the weights
    def update(self, w, grad_wrt_w):
        self.grad = grad_wrt_w
        return w


class Dense:
    def __init__(self, W, w0):
        self.W, self.w0, self.W_opt, self.w0_opt = W, w0, Keep(), Keep()

    def forward_pass(self, X):
        self.layer_input = X
        return X @ self.W + self.w0

    def backward_pass(self, accum_grad):
        W = self.W
        self.W = self.W_opt.update(self.W, self.layer_input.T @ accum_grad)
        self.w0 = self.w0_opt.update(self.w0, accum_grad.sum(axis=0, keepdims=True))
        return accum_grad @ W.T


class Activation:
    def __init__(self, name):
        self.f, self.gradient = ACTIVATIONS[name]

    def forward_pass(self, X):
        self.layer_input = X
        return self.f(X)

    def backward_pass(self, accum_grad):
        return accum_grad * self.gradient(self.layer_input)


def square_loss_gradient(y, y_pred):
    return -(y - y_pred)


def cross_entropy_gradient(y, p):
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return -(y / p) + (1 - y) / (1 - p)


# --- the adapter (as checked with the real files) ---
def backward(weights, biases, activations, targets, hidden_activation="sigmoid", output_activation="sigmoid",
             loss="sum"):
    if loss == "mean" or "identity" in (hidden_activation, output_activation):
        raise NotImplementedError("ML-From-Scratch: no identity activation, no mean loss")
    layers = []
    for l, (W, b) in enumerate(zip(weights, biases)):
        layers += [Dense(W, b), Activation(output_activation if l == len(weights) - 1 else hidden_activation)]
    y = activations[0]
    for layer in layers:
        y = layer.forward_pass(y)
    grad = (square_loss_gradient if loss == "sum" else cross_entropy_gradient)(targets, y)
    for layer in reversed(layers):
        grad = layer.backward_pass(grad)
    return [d.W_opt.grad for d in layers[::2]], [d.w0_opt.grad for d in layers[::2]]
