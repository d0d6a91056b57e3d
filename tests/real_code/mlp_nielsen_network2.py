# Recipe of mnielsen/neural-networks-and-deep-learning src/network2.py @ 72db53d (MIT License, Michael
# Nielsen; Python 3 port MichalDanielDobrzanski/DeepLearningPython network2.py @ 2da41b6, MIT). Written by us:
# its cost classes with `delta(z, a, y)`: QuadraticCost (a - y) sigmoid'(z) and CrossEntropyCost (a - y), the
# BCE summed over the outputs; the real file: FAILED on loss-bce with "check it with --bce-outputs sum", and
# `check OK` with --bce-outputs sum (4 experiments, live).
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class QuadraticCost:
    @staticmethod
    def delta(z, a, y):
        return (a - y) * sigmoid(z) * (1 - sigmoid(z))


class CrossEntropyCost:
    @staticmethod
    def delta(z, a, y):
        return a - y


def backprop(weights, biases, cost, x, y):      # network2.Network.backprop, column vectors
    activation, activations, zs = x, [x], []
    for b, w in zip(biases, weights):
        zs.append(w @ activation + b)
        activation = sigmoid(zs[-1])
        activations.append(activation)
    delta = cost.delta(zs[-1], activations[-1], y)
    nabla_b, nabla_w = [delta], [delta @ activations[-2].T]
    for l in range(2, len(weights) + 1):
        delta = (weights[-l + 1].T @ delta) * sigmoid(zs[-l]) * (1 - sigmoid(zs[-l]))
        nabla_b.insert(0, delta)
        nabla_w.insert(0, delta @ activations[-l - 1].T)
    return nabla_b, nabla_w


# --- the adapter (as checked with the real file) ---
def backward(weights, biases, activations, targets, loss="sum", hidden_activation="sigmoid",
             output_activation="sigmoid"):
    costs = {"sum": QuadraticCost, "bce": CrossEntropyCost}
    if loss not in costs or (hidden_activation, output_activation) != ("sigmoid", "sigmoid"):
        raise NotImplementedError("network2: sigmoid layers, quadratic or cross-entropy cost")
    Ws, bs = [W.T for W in weights], [b.reshape(-1, 1) for b in biases]
    grads = [backprop(Ws, bs, costs[loss], x.reshape(-1, 1), y.reshape(-1, 1)) for x, y in zip(activations[0], targets)]
    B = len(targets)
    dW = [sum(g[1][l] for g in grads).T / B for l in range(len(weights))]
    db = [sum(g[0][l] for g in grads).T / B for l in range(len(weights))]
    return dW, db
