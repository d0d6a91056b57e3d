"""A right backward for the seed's network (sigmoid everywhere, loss "sum")."""


def backward(weights, biases, activations, targets):
    B = targets.shape[0]
    A = activations[-1]
    delta = (A - targets) * A * (1 - A)                      # (B, n_L)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        dW[l] = activations[l].T @ delta / B
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l:
            delta = (delta @ weights[l].T) * activations[l] * (1 - activations[l])
    print("debug: backward called")                          # a student's own output is fine
    return dW, db
