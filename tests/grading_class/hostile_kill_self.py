import os
import signal


def backward(weights, biases, activations, targets):
    os.kill(os.getpid(), signal.SIGSEGV)
