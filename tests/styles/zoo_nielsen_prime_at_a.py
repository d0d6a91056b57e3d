"""Bug zoo in Nielsen's style: the output delta multiplies by sigmoid_prime of the activation, not of z."""
import nielsen_style
import numpy as np
from nielsen_style import Network, sigmoid_prime


class WrongNetwork(Network):
    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activations, zs = [x], []
        for b, w in zip(self.biases, self.weights):
            zs.append(np.dot(w, activations[-1]) + b)
            activations.append(1.0 / (1.0 + np.exp(-zs[-1])))
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(activations[-1])   # the mistake
        nabla_b[-1], nabla_w[-1] = delta, np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sigmoid_prime(zs[-l])
            nabla_b[-l], nabla_w[-l] = delta, np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)


def backward(weights, biases, activations, targets):
    nielsen_style.Network = WrongNetwork          # the same adapter, on the wrong network
    return nielsen_style.backward(weights, biases, activations, targets)
