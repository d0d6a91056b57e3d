"""Correct, in the style of Nielsen's `network.py` (neural-networks-and-deep-learning, chapter 1): a Network
class with column vectors, weights (n_out, n_in), `backprop(x, y)` per sample returning (nabla_b, nabla_w),
summed over the mini-batch and divided by its length in the update. Written by us in that style."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    """Derivative of the sigmoid function."""
    return sigmoid(z) * (1 - sigmoid(z))


class Network:
    def __init__(self, sizes):
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.biases = [np.zeros((y, 1)) for y in sizes[1:]]
        self.weights = [np.zeros((y, x)) for x, y in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def backprop(self, x, y):
        """Return a tuple (nabla_b, nabla_w) representing the gradient for the cost function C_x."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)

    def cost_derivative(self, output_activations, y):
        return output_activations - y


# --- the adapter: the seed layout in, Nielsen's column vectors per sample, the batch average out ---
def backward(weights, biases, activations, targets):
    net = Network([W.shape[0] for W in weights] + [weights[-1].shape[1]])
    net.weights = [W.T for W in weights]                        # (n_out, n_in)
    net.biases = [b.reshape(-1, 1) for b in biases]             # column vectors
    nabla_w = [np.zeros(W.shape) for W in weights]
    nabla_b = [np.zeros(b.shape) for b in biases]
    for x, y in zip(activations[0], targets):                   # update_mini_batch: sum over the samples
        delta_nabla_b, delta_nabla_w = net.backprop(x.reshape(-1, 1), y.reshape(-1, 1))
        nabla_w = [nw + dnw.T for nw, dnw in zip(nabla_w, delta_nabla_w)]
        nabla_b = [nb + dnb.T for nb, dnb in zip(nabla_b, delta_nabla_b)]
    B = len(targets)                                            # ... then eta / len(mini_batch)
    return [nw / B for nw in nabla_w], [nb / B for nb in nabla_b]
