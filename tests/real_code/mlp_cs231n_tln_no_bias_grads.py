# Recipe of Algolzw/cs231n assignment1/cs231n/classifiers/neural_net.py @ 988c82f (no licence file: not
# copied). Written by us: a TwoLayerNet whose backward computes grads['W1'], grads['W2'] only (the bias
# gradients commented out in the real file, so b1, b2 are never trained). The real file behind this adapter:
# exit 2, its KeyError 'b1' with the traceback, 'run in hidden relu, output softmax, ... 2 layers'.
import numpy as np


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {"W1": std * np.random.randn(input_size, hidden_size), "b1": np.zeros(hidden_size),
                       "W2": std * np.random.randn(hidden_size, output_size), "b2": np.zeros(output_size)}

    def loss(self, X, y=None, reg=0.0):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        N = X.shape[0]
        h = np.maximum(0, X @ W1 + b1)
        scores = h @ W2 + b2
        shifted = scores - scores.max(axis=1).reshape(-1, 1)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1).reshape(-1, 1)
        loss = -np.log(probs[range(N), list(y)]).sum() / N + 0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum())
        dscores = probs.copy()
        dscores[range(N), list(y)] -= 1
        dscores /= N
        grads = {"W2": h.T @ dscores + reg * W2}
        dh = (h > 0) * (dscores @ W2.T)
        grads["W1"] = X.T @ dh + reg * W1
        return loss, grads


REG = 0.0


# --- the adapter (docs/check-interface.md's cs231n recipe) ---
def backward(weights, biases, activations, targets, hidden_activation="sigmoid", output_activation="sigmoid",
             loss="sum"):
    if (hidden_activation, output_activation, loss) != ("relu", "softmax", "cross_entropy") or len(weights) != 2:
        raise NotImplementedError("TwoLayerNet: two layers, ReLU, softmax and cross-entropy only")
    net = TwoLayerNet(weights[0].shape[0], weights[0].shape[1], weights[1].shape[1])
    net.params = {"W1": weights[0], "b1": biases[0][0], "W2": weights[1], "b2": biases[1][0]}
    _, grads = net.loss(activations[0], targets.argmax(axis=1), reg=REG)
    return [grads["W1"], grads["W2"]], [grads["b1"], grads["b2"]]
