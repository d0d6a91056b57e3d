"""Correct, in the style of a layered framework (ML-From-Scratch's `deep_learning`): `Dense` and `Activation`
objects, each with `forward_pass` and `backward_pass(accum_grad)`, a loss object with `gradient(y, p)`, and a
`NeuralNetwork` that chains them. Like there, the gradients are NOT divided by the batch size (the loss is
summed over the batch): it is checked with `--reduction sum`. Written by us in that style; it keeps the
gradients (our optimizer applies them) instead of updating its own weights."""

import numpy as np


class Sigmoid:
    def __call__(self, x):
        return 1 / (1 + np.exp(-x))

    def gradient(self, x):
        return self.__call__(x) * (1 - self.__call__(x))


class ReLU:
    def __call__(self, x):
        return np.where(x >= 0, x, 0)

    def gradient(self, x):
        return np.where(x >= 0, 1, 0)


class TanH:
    def __call__(self, x):
        return 2 / (1 + np.exp(-2 * x)) - 1

    def gradient(self, x):
        return 1 - np.power(self.__call__(x), 2)


class Softmax:
    def __call__(self, x):
        e_x = np.exp(x - np.max(x, axis=-1, keepdims=True))
        return e_x / np.sum(e_x, axis=-1, keepdims=True)

    def gradient(self, x):   # the softmax's Jacobian is folded into SoftmaxCrossEntropy.gradient
        return np.ones_like(x)


ACTIVATIONS = {"sigmoid": Sigmoid, "relu": ReLU, "tanh": TanH, "softmax": Softmax}


class SquareLoss:
    def loss(self, y, y_pred):
        return 0.5 * np.power((y - y_pred), 2)

    def gradient(self, y, y_pred):
        return -(y - y_pred)


class SoftmaxCrossEntropy:
    def loss(self, y, p):
        return -np.sum(y * np.log(np.clip(p, 1e-15, 1)), axis=-1)

    def gradient(self, y, p):   # dL/dz through the softmax: p - y
        return p - y


LOSSES = {"sum": SquareLoss, "cross_entropy": SoftmaxCrossEntropy}


class Dense:
    def __init__(self, W, w0):
        self.W, self.w0 = W, w0

    def forward_pass(self, X):
        self.layer_input = X
        return X.dot(self.W) + self.w0

    def backward_pass(self, accum_grad):
        W = self.W
        self.grad_w = self.layer_input.T.dot(accum_grad)
        self.grad_w0 = np.sum(accum_grad, axis=0, keepdims=True)
        return accum_grad.dot(W.T)


class Activation:
    def __init__(self, name):
        self.activation_func = ACTIVATIONS[name]()

    def forward_pass(self, X):
        self.layer_input = X
        return self.activation_func(X)

    def backward_pass(self, accum_grad):
        return accum_grad * self.activation_func.gradient(self.layer_input)


class NeuralNetwork:
    def __init__(self, loss):
        self.layers = []
        self.loss_function = loss()

    def add(self, layer):
        self.layers.append(layer)

    def _forward_pass(self, X):
        layer_output = X
        for layer in self.layers:
            layer_output = layer.forward_pass(layer_output)
        return layer_output

    def _backward_pass(self, loss_grad):
        for layer in reversed(self.layers):
            loss_grad = layer.backward_pass(loss_grad)

    def compute_gradients(self, X, y):
        y_pred = self._forward_pass(X)
        self._backward_pass(loss_grad=self.loss_function.gradient(y, y_pred))


# --- the adapter: build the network from the seed layout; what it has no class for raises NotImplementedError ---
def backward(weights, biases, activations, targets, hidden_activation="sigmoid", output_activation="sigmoid",
             loss="sum"):
    if loss not in LOSSES or hidden_activation not in ACTIVATIONS or output_activation not in ACTIVATIONS:
        raise NotImplementedError(f"no class for loss {loss}, {hidden_activation} or {output_activation}")
    net = NeuralNetwork(loss=LOSSES[loss])
    dense = [Dense(W, b) for W, b in zip(weights, biases)]
    for l, layer in enumerate(dense):
        net.add(layer)
        net.add(Activation(output_activation if l == len(dense) - 1 else hidden_activation))
    net.compute_gradients(activations[0], targets)
    return [layer.grad_w for layer in dense], [layer.grad_w0 for layer in dense]
