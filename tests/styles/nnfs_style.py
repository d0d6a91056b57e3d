"""Correct, in the style of the "Neural Networks from Scratch" book (nnfs): `Layer_Dense` and `Activation_*`
objects with `forward(inputs)` and `backward(dvalues)` that keep `output` and `dinputs`, and its
`Loss_MeanSquaredError`: the mean over the outputs of (t - a)^2, with NO 1/2 (torch's `MSELoss`, Keras'
`mean_squared_error`), gradient `-2 * (y_true - y_pred) / outputs / samples`. So it is checked with
`--mse-scale 1`. Written by us in that style (its softmax + categorical cross-entropy shortcut and a `Model`
that chains the layers too); it keeps the gradients (our optimizer applies them)."""

import numpy as np


class Layer_Dense:
    def __init__(self, weights, biases):
        self.weights, self.biases = weights, biases

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs, self.output = inputs, np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Activation_Sigmoid:
    def forward(self, inputs):
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output


class Activation_Softmax_Loss_CategoricalCrossentropy:
    def forward(self, inputs):
        exp = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp / np.sum(exp, axis=1, keepdims=True)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), np.argmax(y_true, axis=1)] -= 1
        self.dinputs = self.dinputs / samples


class Loss_MeanSquaredError:
    def forward(self, y_pred, y_true):
        return np.mean((y_true - y_pred) ** 2, axis=-1)

    def backward(self, dvalues, y_true):
        samples, outputs = len(dvalues), len(dvalues[0])
        self.dinputs = -2 * (y_true - dvalues) / outputs / samples


class Model:
    def __init__(self):
        self.layers = []

    def add(self, layer):
        self.layers.append(layer)

    def set(self, *, loss):
        self.loss = loss

    def forward(self, X):
        for layer in self.layers:
            layer.forward(X)
            X = layer.output
        return X

    def backward(self, output, y):
        layers = self.layers
        if isinstance(layers[-1], Activation_Softmax_Loss_CategoricalCrossentropy):   # its shortcut, (p - y) / N
            layers[-1].backward(output, y)
            grad, layers = layers[-1].dinputs, layers[:-1]
        else:
            self.loss.backward(output, y)
            grad = self.loss.dinputs
        for layer in reversed(layers):
            layer.backward(grad)
            grad = layer.dinputs


ACT = {"relu": Activation_ReLU, "sigmoid": Activation_Sigmoid,
       "softmax": Activation_Softmax_Loss_CategoricalCrossentropy}
PAIRS = (("mean", "sigmoid"), ("cross_entropy", "softmax"))


# --- the adapter
def backward(weights, biases, activations, targets, hidden_activation="sigmoid", output_activation="sigmoid",
             loss="sum"):
    if hidden_activation not in ("relu", "sigmoid") or (loss, output_activation) not in PAIRS:
        raise NotImplementedError("nnfs: ReLU/sigmoid layers; sigmoid + MSE, or softmax + cross-entropy")
    model = Model()
    for l, (W, b) in enumerate(zip(weights, biases)):
        model.add(Layer_Dense(W, b))
        model.add(ACT[output_activation if l == len(weights) - 1 else hidden_activation]())
    model.set(loss=Loss_MeanSquaredError())
    model.backward(model.forward(activations[0]), targets)
    dense = model.layers[::2]
    return [d.dweights for d in dense], [d.dbiases for d in dense]
