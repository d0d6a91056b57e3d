"""Attack: three forked processes, each holding 300 MB (under a 512 MB limit for the whole submission)."""
import os
import time

import numpy as np


def backward(weights, biases, activations, targets):
    for _ in range(3):
        if os.fork() == 0:
            block = np.ones(300 * 2**20 // 8)
            time.sleep(60 + block[0])
            os._exit(0)
    block = np.ones(300 * 2**20 // 8)
    time.sleep(30)
    return [np.ones_like(W) * block[0] for W in weights], [np.ones_like(b) for b in biases]
