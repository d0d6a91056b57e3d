"""The seed lesson's own training script, transcribed as a function: the oracle for its numbers.

Kept as the seed wrote it (deltas from T - A, `W + lr * delta_W`, `dsigmoid(A)`, division by the batch size,
its loss line `np.mean(np.square(T - A) / 2)`), only with the globals turned into local state and the layers
in a loop. It shares no code with numpy_impl.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def dsigmoid(x):
    return x * (1 - x)


def seed_train(X, T, Ws, bs, lr=0.1, epochs=10000, report=1000, batch_size=1, full_batch=False,
               T_loss=None):
    """Returns (loss log [(epoch, loss)], final output A_L). `T_loss` lets exercise 1 keep the seed's
    2x1 target column for its loss line while training on the row it actually sliced."""
    Ws = [np.array(w, dtype=float) for w in Ws]
    bs = [np.array(b, dtype=float).reshape(1, -1) for b in bs]
    T_loss = T if T_loss is None else T_loss

    def update(batch_X, batch_T):
        As = [batch_X]
        for W, b in zip(Ws, bs):
            As.append(sigmoid(np.dot(As[-1], W) + b))
        delta_A = batch_T - As[-1]
        delta_Z = delta_A * dsigmoid(As[-1])
        new = []
        for l in range(len(Ws) - 1, -1, -1):
            delta_W = As[l].T.dot(delta_Z) / batch_X.shape[0]
            delta_B = np.sum(delta_Z, axis=0) / batch_X.shape[0]
            new.append((l, delta_W, delta_B))
            if l > 0:
                delta_A = delta_Z.dot(Ws[l].T)
                delta_Z = delta_A * dsigmoid(As[l])
        for l, delta_W, delta_B in new:
            Ws[l] = Ws[l] + lr * delta_W
            bs[l] = bs[l] + lr * delta_B

    def output():
        A = X
        for W, b in zip(Ws, bs):
            A = sigmoid(np.dot(A, W) + b)
        return A

    log = []
    max_batch = X.shape[0] // batch_size
    for idx_epoch in range(epochs):
        if full_batch:
            update(X, T)
        else:
            for idx_batch in range(max_batch):
                update(X[idx_batch * batch_size:(idx_batch + 1) * batch_size, :],
                       T[idx_batch * batch_size:(idx_batch + 1) * batch_size, :])
        if idx_epoch % report == 0:
            log.append((idx_epoch, np.mean(np.square(T_loss - output()) / 2)))
    return log, output()
