"""Correct, in the style of deeplearning.ai's "Building your Deep Neural Network: Step by Step": parameters in
a dict, the (n_l, m) column layout (one sample per COLUMN), caches kept by the forward pass, `L_model_backward`
from dAL. ReLU hidden layers, a sigmoid output and binary cross-entropy, as there; the cost is
-1/m sum(Y log AL + (1 - Y) log(1 - AL)): summed over the outputs (one output there), so with several outputs
it is checked with `--bce-outputs sum`. Written by us in that style."""

import numpy as np


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


def relu(Z):
    return np.maximum(0, Z), Z


def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    return Z, (A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = sigmoid(Z) if activation == "sigmoid" else relu(Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def sigmoid_backward(dA, cache):
    Z = cache
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    else:
        dZ = sigmoid_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L - 1]
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = \
        linear_activation_backward(dAL, current_cache, "sigmoid")
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 1)], current_cache, "relu")
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads


# --- the adapter: (n_l, m) columns in and out; the settings it does not support raise NotImplementedError ---
def backward(weights, biases, activations, targets, hidden_activation="sigmoid", output_activation="sigmoid",
             loss="sum"):
    if (hidden_activation, output_activation, loss) != ("relu", "sigmoid", "bce"):
        raise NotImplementedError("L_model: ReLU hidden layers, a sigmoid output and binary cross-entropy only")
    L = len(weights)
    parameters = {}
    for l in range(L):
        parameters["W" + str(l + 1)], parameters["b" + str(l + 1)] = weights[l].T, biases[l].T
    AL, caches = L_model_forward(activations[0].T, parameters)
    grads = L_model_backward(AL, targets.T, caches)
    return [grads["dW" + str(l + 1)].T for l in range(L)], [grads["db" + str(l + 1)].T for l in range(L)]
