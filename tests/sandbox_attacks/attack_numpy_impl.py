"""Attack: use the course's own NumPy backprop."""
from numpy_impl import network  # noqa: F401


def backward(weights, biases, activations, targets):
    raise ValueError("the reference would go here")
