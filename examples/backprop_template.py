"""Your backprop: fill in the formulas, then check them against torch at every update:

    python -m compare check backprop_template.py            # the check suite (about a second)
    python -m compare check backprop_template.py exercise3 --mode all     # one experiment, live

(run from the folder that holds this file; in the project's repository that is examples/).

The suite's verdict says which batch sizes, outputs, depths, activations and losses it covered, and what
it did not cover (this template takes no `loss` or activation keywords: sigmoid and loss "sum" only).

Layout (the seed's): W[l] has shape (inputs, outputs) and a layer computes Z = A_prev @ W + b, with
b of shape (1, outputs). A batch holds B samples, one per row. All sigmoid, as in the lesson.

Until `backward` is filled in, `check` stops with exit 2 and a "not implemented" line.
"""

import numpy as np  # noqa: F401  (you will need it)


def backward(weights, biases, activations, targets):
    """dL/dW[l] and dL/db[l] of every layer, for the loss
        L = (1/B) sum over samples of  sum over outputs of (t - a)^2 / 2      (loss = "sum", the seed's)

    weights[l]:  (n_l, n_{l+1})          biases[l]: (1, n_{l+1})
    activations: [X, A1, ..., AL]        activations[l] is the INPUT of layer l (activations[0] = X)
    targets:     (B, n_L)
    Return (dW, db): two lists, layer 1 first, each array the same shape as its W or b.
    """
    B = targets.shape[0]                      # samples in this batch
    A_L = activations[-1]                     # the network's output, (B, n_L)
    dW = [None] * len(weights)
    db = [None] * len(weights)

    # 1. The output layer's delta: dL_i/dZ_L for each sample i, shape (B, n_L).
    #    dL_i/dA_L = ?   and the sigmoid's derivative, from its output A_L: dA/dZ = ?
    delta = None  # TODO: from A_L and targets

    for l in reversed(range(len(weights))):   # output layer first: the chain rule goes backwards
        A_prev = activations[l]               # (B, n_l), the input of this layer
        # 2. This layer's gradients, averaged over the batch (divide by B once):
        dW[l] = None  # TODO: (n_l, n_{l+1}), from A_prev and delta
        db[l] = None  # TODO: (1, n_{l+1}), from delta: every row of the batch counts
        if l > 0:
            # 3. delta one layer down, (B, n_l): back through weights[l] (which way round?),
            #    then times the sigmoid's derivative at this layer's input A_prev.
            delta = None  # TODO

    if delta is None or any(g is None for g in dW + db):
        raise NotImplementedError("fill in delta, dW[l], db[l] and the delta one layer down (the TODO lines)")
    del B, A_L, A_prev   # (your formulas will use these)
    return dW, db
