# Recipe of Algolzw/cs231n assignment2/cs231n/classifiers/fc_net.py @ 988c82f (no licence file: not copied).
# Written by us: FullyConnectedNet's loss with 0.5 * reg * sum(W*W) on the weights, but its gradient adds reg * W
# to every dW and reg * b to every db. The real file with reg = 0.05 (float64): FAILED with "check it with --l2
# 0.05 --l2-biases" and "the same term is in every wrong gradient ... the whole difference"; with --l2 0.05,
# FAILED at db3 with "the L2 term on the biases too"; OK with --l2 0.05 --l2-biases.
import numpy as np


class FullyConnectedNet:
    def __init__(self, hidden_dims, input_dim, num_classes, reg=0.0):
        dims = [input_dim, *hidden_dims, num_classes]
        self.num_layers, self.reg, self.params = len(dims) - 1, reg, {}
        for i in range(1, len(dims)):
            self.params[f"W{i}"], self.params[f"b{i}"] = np.zeros((dims[i - 1], dims[i])), np.zeros(dims[i])

    def loss(self, X, y):
        L, caches, out = self.num_layers, [], X
        for i in range(1, L + 1):                     # affine_relu_forward ..., then affine_forward
            caches.append(out)
            out = out @ self.params[f"W{i}"] + self.params[f"b{i}"]
            if i < L:
                out = np.maximum(0, out)
        shifted = out - out.max(axis=1, keepdims=True)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        N = X.shape[0]
        loss = -np.log(probs[np.arange(N), y]).mean()
        dout = probs.copy()
        dout[np.arange(N), y] -= 1
        dout /= N
        grads = {}
        for i in range(L, 0, -1):
            loss += 0.5 * self.reg * np.sum(self.params[f"W{i}"] ** 2)
            a = caches[i - 1]
            grads[f"W{i}"], grads[f"b{i}"] = a.T @ dout, dout.sum(axis=0)
            grads[f"W{i}"] += self.reg * self.params[f"W{i}"]
            grads[f"b{i}"] += self.reg * self.params[f"b{i}"]
            dout = (dout @ self.params[f"W{i}"].T) * (a > 0) if i > 1 else None
        return loss, grads


REG = 0.05


# --- the adapter (as checked with the real file) ---
def backward(weights, biases, activations, targets, hidden_activation="sigmoid", output_activation="sigmoid",
             loss="sum"):
    if (hidden_activation, output_activation, loss) != ("relu", "softmax", "cross_entropy"):
        raise NotImplementedError("FullyConnectedNet: ReLU, softmax and cross-entropy only")
    L = len(weights)
    net = FullyConnectedNet([W.shape[1] for W in weights[:-1]], input_dim=weights[0].shape[0],
                            num_classes=weights[-1].shape[1], reg=REG)
    for l in range(L):
        net.params[f"W{l + 1}"], net.params[f"b{l + 1}"] = weights[l], biases[l][0]
    _, grads = net.loss(activations[0], targets.argmax(axis=1))
    return [grads[f"W{l + 1}"] for l in range(L)], [grads[f"b{l + 1}"] for l in range(L)]
