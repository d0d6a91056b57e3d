def forward(weights, biases, X):
    return [X]
