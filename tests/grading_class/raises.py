def backward(weights, biases, activations, targets):
    raise ValueError("shapes are hard")
