# Recipe of Sentdex/nnfs_book Chapter_17/Ch17_Final.py @ 9cf2fc4 (MIT License, Copyright (c) 2021 Harrison),
# "Neural Networks from Scratch": its classes, pasted into a module of one's own as readers do. Written by us:
# Layer_Dense (dweights = inputs.T @ dvalues, plus 2 * weight_regularizer_l2 * W; the same for the biases),
# ReLU / Sigmoid / Linear activations, softmax + categorical cross-entropy's shortcut (p - y) / samples, BCE
# averaged over the outputs and the samples, MSE = mean over the outputs of (t - a)^2 (torch's MSELoss, no 1/2).
# The real classes: OK on batches/square/long (ReLU/softmax), loss-bce and cross-entropy; loss-mean FAILED by a
# factor 2 ("MSE instead of MSE/2", the suite's loss "mean" is MSELoss()/2, "check it with --mse-scale 1");
# with --mse-scale 1 (the loss (t - a)^2, torch's MSELoss): OK, loss-mean included. With REG = 0.05 on weights
# and biases: OK with --l2 0.1 --l2-biases --mse-scale 1; without --mse-scale 1 the factor 2 is still named on
# loss-mean ("apart from the L2 term").
import numpy as np

REG = 0.0


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons, weight_regularizer_l2=0, bias_regularizer_l2=0):
        self.weights, self.biases = 0.01 * np.random.randn(n_inputs, n_neurons), np.zeros((1, n_neurons))
        self.weight_regularizer_l2, self.bias_regularizer_l2 = weight_regularizer_l2, bias_regularizer_l2

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        if self.weight_regularizer_l2 > 0:
            self.dweights += 2 * self.weight_regularizer_l2 * self.weights
        if self.bias_regularizer_l2 > 0:
            self.dbiases += 2 * self.bias_regularizer_l2 * self.biases
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


class Activation_Linear:
    def forward(self, inputs):
        self.output = inputs

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()


class Activation_Softmax_Loss_CategoricalCrossentropy:
    def forward(self, inputs):
        e = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = e / np.sum(e, axis=1, keepdims=True)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


class Loss_BinaryCrossentropy:
    def backward(self, dvalues, y_true):
        samples, outputs = len(dvalues), len(dvalues[0])
        clipped = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -(y_true / clipped - (1 - y_true) / (1 - clipped)) / outputs / samples


class Loss_MeanSquaredError:
    def backward(self, dvalues, y_true):
        samples, outputs = len(dvalues), len(dvalues[0])
        self.dinputs = -2 * (y_true - dvalues) / outputs / samples


ACT = {"relu": Activation_ReLU, "sigmoid": Activation_Sigmoid, "identity": Activation_Linear}


# --- the adapter (as checked with the real classes) ---
def backward(weights, biases, activations, targets, hidden_activation="sigmoid", output_activation="sigmoid",
             loss="sum"):
    pairs = {("mean", "identity"), ("mean", "sigmoid"), ("bce", "sigmoid"), ("cross_entropy", "softmax")}
    if (loss, output_activation) not in pairs or hidden_activation not in ACT:
        raise NotImplementedError("nnfs: relu/sigmoid/linear; MSE, BCE, softmax + categorical cross-entropy")
    dense = [Layer_Dense(*W.shape, weight_regularizer_l2=REG, bias_regularizer_l2=REG) for W in weights]
    acts = [ACT[hidden_activation]() for _ in weights[:-1]]
    for d, W, b in zip(dense, weights, biases):
        d.weights, d.biases = W, b
    out = activations[0]
    for d, a in zip(dense[:-1], acts):
        d.forward(out)
        a.forward(d.output)
        out = a.output
    dense[-1].forward(out)
    if loss == "cross_entropy":
        last = Activation_Softmax_Loss_CategoricalCrossentropy()
        last.forward(dense[-1].output)
        last.backward(last.output, targets)
    else:
        last = ACT[output_activation]()
        last.forward(dense[-1].output)
        lf = Loss_MeanSquaredError() if loss == "mean" else Loss_BinaryCrossentropy()
        lf.backward(last.output, targets)
        last.backward(lf.dinputs)
    grad = last.dinputs
    for d, a in zip(dense[::-1], [None] + acts[::-1]):
        if a is not None:
            a.backward(grad)
            grad = a.dinputs
        d.backward(grad)
        grad = d.dinputs
    return [d.dweights for d in dense], [d.dbiases for d in dense]
