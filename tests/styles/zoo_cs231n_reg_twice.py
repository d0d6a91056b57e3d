"""Bug zoo in cs231n's style, checked with --l2 0.05: the loss adds 0.5 * reg * sum(W*W) (that is --l2 reg)
but the gradients add 2 * reg * W, the gradient of reg * sum(W*W): the L2 term counted twice."""
import cs231n_style
import numpy as np
from cs231n_style import TwoLayerNet


class WrongNet(TwoLayerNet):
    def loss(self, X, y=None, reg=0.0):
        W1, W2 = self.params["W1"], self.params["W2"]
        loss, grads = TwoLayerNet.loss(self, X, y, reg=0.0)
        loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        grads["W1"] = grads["W1"] + 2 * reg * W1                      # the mistake: 2 where the loss has 0.5
        grads["W2"] = grads["W2"] + 2 * reg * W2
        return loss, grads


def backward(weights, biases, activations, targets, **settings):
    cs231n_style.TwoLayerNet, cs231n_style.REG = WrongNet, 0.05
    return cs231n_style.backward(weights, biases, activations, targets, **settings)
