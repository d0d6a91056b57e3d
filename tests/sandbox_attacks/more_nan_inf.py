"""Attack: gradients that compare oddly: NaN (every comparison with NaN is False), inf, and -0.0."""
import numpy as np

calls = 0


def backward(weights, biases, activations, targets):
    global calls
    calls += 1
    fill = [np.nan, np.inf, -0.0][calls % 3]
    return [np.full_like(W, fill) for W in weights], [np.full_like(b, fill) for b in biases]
