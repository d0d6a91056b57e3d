"""Attack: let torch's autograd do the work."""
import torch  # noqa: F401


def backward(weights, biases, activations, targets):
    raise ValueError("autograd would go here")
