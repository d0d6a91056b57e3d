"""Correct, cs231n's `TwoLayerNet` (beside this file, in cs231n_style.py: a sibling module, imported the way
Python would) with its L2 regularisation on: the loss adds reg * sum(W*W) = (2 reg)/2 * sum(W*W), so it is
checked with `python -m compare check cs231n_regularised.py --l2 0.1` (reg = 0.05)."""

from cs231n_style import TwoLayerNet

REG = 0.05


def backward(weights, biases, activations, targets, hidden_activation="sigmoid", output_activation="sigmoid",
             loss="sum"):
    if (hidden_activation, output_activation, loss) != ("relu", "softmax", "cross_entropy") or len(weights) != 2:
        raise NotImplementedError("TwoLayerNet: two layers, ReLU, softmax and cross-entropy only")
    net = TwoLayerNet(weights[0].shape[0], weights[0].shape[1], weights[1].shape[1])
    net.params = {"W1": weights[0], "b1": biases[0][0], "W2": weights[1], "b2": biases[1][0]}
    _, grads = net.loss(activations[0], targets.argmax(axis=1), reg=REG)
    return [grads["W1"], grads["W2"]], [grads["b1"], grads["b2"]]
