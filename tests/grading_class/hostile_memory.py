import numpy as np


def backward(weights, biases, activations, targets):
    hog = np.ones((1 << 40,))      # 8 TB
    return hog, hog
