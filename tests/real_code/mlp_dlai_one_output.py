# Recipe of david-d-an/Chapter1Week4 model.py @ b9175dc (no licence file: not copied), a student's "Building
# your Deep Neural Network: Step by Step". Written by us: as mlp_dlai_utils.py, plus the course's
# `assert(AL.shape == (1, X.shape[1]))` in L_model_forward: one output only. The real file behind the adapter
# without the guard: exit 2, its AssertionError with the traceback, "run in hidden relu, output sigmoid, loss
# bce, 3 layers"; with the guard (NotImplementedError for other than one output): exit 2, "raised
# NotImplementedError on every network of the check suite", and the `--sizes 3,5,4,1 --hidden-activation relu
# --loss bce` command, which gets check OK.
import numpy as np


def linear_activation_forward(A_prev, W, b, activation):
    Z = W @ A_prev + b
    A = 1 / (1 + np.exp(-Z)) if activation == "sigmoid" else np.maximum(0, Z)
    return A, ((A_prev, W, b), Z)


def L_model_forward(X, parameters):
    L, caches, A = len(parameters) // 2, [], X
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    assert AL.shape == (1, X.shape[1])
    return AL, caches + [cache]


def linear_activation_backward(dA, cache, activation):
    (A_prev, W, b), Z = cache
    if activation == "relu":
        dZ = np.array(dA, copy=True)
        dZ[Z <= 0] = 0
    else:
        s = 1 / (1 + np.exp(-Z))
        dZ = dA * s * (1 - s)
    m = dZ.shape[1]
    return W.T @ dZ, dZ @ A_prev.T * (1 / m), np.sum(dZ, axis=1, keepdims=True) * (1 / m)


def L_model_backward(AL, Y, caches):
    grads, L = {}, len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = \
        linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    for l in range(L - 1, 0, -1):
        grads["dA" + str(l - 1)], grads["dW" + str(l)], grads["db" + str(l)] = \
            linear_activation_backward(grads["dA" + str(l)], caches[l - 1], "relu")
    return grads


GUARD = True


# --- the adapter (docs/check-interface.md's deeplearning.ai recipe) ---
def backward(weights, biases, activations, targets, hidden_activation="sigmoid", output_activation="sigmoid",
             loss="sum"):
    if (hidden_activation, output_activation, loss) != ("relu", "sigmoid", "bce"):
        raise NotImplementedError("L_model: ReLU hidden layers, a sigmoid output and binary cross-entropy only")
    if GUARD and weights[-1].shape[1] != 1:
        raise NotImplementedError("L_model: one output (its assert AL.shape == (1, m))")
    L = len(weights)
    parameters = {}
    for l in range(L):
        parameters["W" + str(l + 1)], parameters["b" + str(l + 1)] = weights[l].T, biases[l].T
    AL, caches = L_model_forward(activations[0].T, parameters)
    grads = L_model_backward(AL, targets.T, caches)
    return [grads["dW" + str(l + 1)].T for l in range(L)], [grads["db" + str(l + 1)].T for l in range(L)]
