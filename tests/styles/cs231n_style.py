"""Correct, in the style of cs231n's assignment 1 `TwoLayerNet` (neural_net.py): a class with a `params`
dict (W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)), `loss(X, y, reg)` returning the loss and the gradients,
integer labels, ReLU then a softmax loss averaged over the N samples, plus reg * sum(W * W) on the weights.
Written by us in that style. Two layers, ReLU, softmax only: it raises NotImplementedError for the rest."""

import numpy as np


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {}
        self.params["W1"] = std * np.random.randn(input_size, hidden_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = std * np.random.randn(hidden_size, output_size)
        self.params["b2"] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N, D = X.shape

        # forward pass
        hidden = np.maximum(0, X.dot(W1) + b1)               # (N, H)
        scores = hidden.dot(W2) + b2                         # (N, C)
        if y is None:
            return scores

        shifted = scores - np.max(scores, axis=1, keepdims=True)
        probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
        loss = -np.sum(np.log(probs[np.arange(N), y])) / N
        loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

        # backward pass
        grads = {}
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads["W2"] = hidden.T.dot(dscores) + 2 * reg * W2
        grads["b2"] = np.sum(dscores, axis=0)
        dhidden = dscores.dot(W2.T)
        dhidden[hidden <= 0] = 0
        grads["W1"] = X.T.dot(dhidden) + 2 * reg * W1
        grads["b1"] = np.sum(dhidden, axis=0)
        return loss, grads


REG = 0.0   # cs231n's reg: its loss adds reg * sum(W*W), which is `check FILE.py --l2 2*REG`


# --- the adapter: labels from one-hot targets; the settings it does not support raise NotImplementedError ---
def backward(weights, biases, activations, targets, hidden_activation="sigmoid", output_activation="sigmoid",
             loss="sum"):
    if (hidden_activation, output_activation, loss) != ("relu", "softmax", "cross_entropy") or len(weights) != 2:
        raise NotImplementedError("TwoLayerNet: two layers, ReLU, softmax and cross-entropy only")
    net = TwoLayerNet(weights[0].shape[0], weights[0].shape[1], weights[1].shape[1])
    net.params = {"W1": weights[0], "b1": biases[0][0], "W2": weights[1], "b2": biases[1][0]}
    _, grads = net.loss(activations[0], targets.argmax(axis=1), reg=REG)
    return [grads["W1"], grads["W2"]], [grads["b1"], grads["b2"]]
