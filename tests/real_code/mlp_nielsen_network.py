# Recipe of mnielsen/neural-networks-and-deep-learning src/network.py @ 72db53d (MIT License, Copyright (c)
# 2012-2022 Michael Nielsen), as ported to Python 3 in MichalDanielDobrzanski/DeepLearningPython network.py
# @ 2da41b6 (MIT License). Written by us: the same construction (column vectors, weights (n_out, n_in), one
# sample per backprop call, quadratic cost, sigmoid everywhere), not the file itself. The real file, checked
# beside this adapter (`from network import Network`), got `check OK` (batches, square, long).
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Network:
    def __init__(self, sizes):
        self.num_layers = len(sizes)
        self.biases = [np.random.randn(y, 1) for y in sizes[1:]]
        self.weights = [np.random.randn(y, x) for x, y in zip(sizes[:-1], sizes[1:])]

    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation, activations, zs = x, [x], []
        for b, w in zip(self.biases, self.weights):
            z = w @ activation + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = (activations[-1] - y) * sigmoid(zs[-1]) * (1 - sigmoid(zs[-1]))
        nabla_b[-1], nabla_w[-1] = delta, delta @ activations[-2].T
        for l in range(2, self.num_layers):
            sp = sigmoid(zs[-l]) * (1 - sigmoid(zs[-l]))
            delta = (self.weights[-l + 1].T @ delta) * sp
            nabla_b[-l], nabla_w[-l] = delta, delta @ activations[-l - 1].T
        return nabla_b, nabla_w


# --- the adapter (as checked with the real file): update_mini_batch's sum, then / len(mini_batch) ---
def backward(weights, biases, activations, targets):
    net = Network([W.shape[0] for W in weights] + [weights[-1].shape[1]])
    net.weights = [W.T for W in weights]
    net.biases = [b.reshape(-1, 1) for b in biases]
    nabla_w = [np.zeros(W.shape) for W in weights]
    nabla_b = [np.zeros(b.shape) for b in biases]
    for x, y in zip(activations[0], targets):
        dnb, dnw = net.backprop(x.reshape(-1, 1), y.reshape(-1, 1))
        nabla_w = [nw + d.T for nw, d in zip(nabla_w, dnw)]
        nabla_b = [nb + d.T for nb, d in zip(nabla_b, dnb)]
    return [nw / len(targets) for nw in nabla_w], [nb / len(targets) for nb in nabla_b]
