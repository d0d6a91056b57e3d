"""Exercise 3, answered: four candidates; batch, stochastic and mini-batch gradient descent.

The three differ only in how many samples each update sees, and in which order:
- batch: all 4 samples, one averaged update an epoch;
- stochastic: 1 sample per update, 4 updates an epoch, a new random order every epoch;
- mini-batch: 2 samples per update, 2 updates an epoch, new random pairs every epoch;
- the lesson's own SGD: ONE sample drawn at random (with replacement) per epoch, 1 update an epoch.
What the lesson's answers got wrong, fixed here: its SGD called `random.randint` on a `random` it never
imported; its mini-batch set batch_size = 2 after max_batch was computed with 1 (empty batches, then a
division by zero: NaN weights); `N // batch_size` would drop a last partial batch; no seed anywhere, and its
"random" mini-batch took the same pairs in the same order every epoch. Here the number of batches is
ceil(N / batch_size), and every random order comes from numpy.random.default_rng(seed): the same seed, the
same run; another seed, another order.

    python examples/answers/exercise3.py [--epochs 10000] [--report-every 1000] [--seed 0]

Batch prints what `python -m compare exercise3 --mode batch --json` reports. The random modes draw their
order with NumPy's generator, as `python -m numpy_impl exercise3 --mode stochastic --seed 0` does (and
`--mode minibatch`, `--order replacement --samples-per-epoch 1`); `python -m compare` takes its order from
torch's DataLoader instead, so the same seed gives other numbers there.
"""

import argparse

import numpy as np

np.set_printoptions(floatmode="unique")     # every digit: the numbers can be compared with the report's

X = np.array([[1, 0.1],                     # Zhang San
              [0.1, 1],                     # Li Si
              [0.1, 0.1],                   # Wang Wu
              [1, 1]])                      # Zhao Liu                              (samples, inputs)
T = np.array([[1], [0], [0], [1]])          #                                       (samples, outputs)


def initial_parameters():
    W = [np.array([[0.8, 0.2], [0.2, 0.8]]), np.array([[0.5, 0.0], [0.5, 1.0]]), np.array([[0.5], [0.5]])]
    b = [np.array([[-1, 0.3]]), np.array([[0.1, -0.1]]), np.array([[-0.6]])]
    return W, b


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def dsigmoid(a):
    return a * (1 - a)


def forward(W, b, X):
    A1 = sigmoid(np.dot(X, W[0]) + b[0])
    A2 = sigmoid(np.dot(A1, W[1]) + b[1])
    A3 = sigmoid(np.dot(A2, W[2]) + b[2])
    return A1, A2, A3


def update(W, b, batch_X, batch_T, lr):
    """One step of gradient descent on this batch; returns the new weights and biases."""
    A1, A2, A3 = forward(W, b, batch_X)
    n = batch_X.shape[0]                    # gradients are averaged over the batch
    delta_Z3 = (batch_T - A3) * dsigmoid(A3)
    delta_W3 = A2.T.dot(delta_Z3) / n
    delta_B3 = np.sum(delta_Z3, axis=0) / n
    delta_Z2 = delta_Z3.dot(W[2].T) * dsigmoid(A2)
    delta_W2 = A1.T.dot(delta_Z2) / n
    delta_B2 = np.sum(delta_Z2, axis=0) / n
    delta_Z1 = delta_Z2.dot(W[1].T) * dsigmoid(A1)
    delta_W1 = batch_X.T.dot(delta_Z1) / n
    delta_B1 = np.sum(delta_Z1, axis=0) / n
    W = [W[0] + lr * delta_W1, W[1] + lr * delta_W2, W[2] + lr * delta_W3]
    b = [b[0] + lr * delta_B1, b[1] + lr * delta_B2, b[2] + lr * delta_B3]
    return W, b


def loss(W, b):
    return np.mean(np.square(T - forward(W, b, X)[-1]) / 2)


def epoch_order(rng, order):
    """The sample indices of one epoch."""
    N = X.shape[0]
    if order == "sequential":
        return np.arange(N)
    if order == "shuffle":
        return rng.permutation(N)                         # a new permutation every epoch
    return rng.integers(0, N, size=1)                     # "replacement": one random sample (the lesson's SGD)


def train(batch_size, order, seed, epochs, report_every, lr=0.1):
    rng = np.random.default_rng(seed)
    W, b = initial_parameters()
    for idx_epoch in range(epochs):
        indices = epoch_order(rng, order)
        for start in range(0, len(indices), batch_size):  # ceil(N / batch_size) batches: none dropped
            batch = indices[start:start + batch_size]
            W, b = update(W, b, X[batch], T[batch], lr)
        if idx_epoch % report_every == 0:
            print('epochs:', idx_epoch, 'loss:', loss(W, b))
    A3 = forward(W, b, X)[-1]
    print('output:')
    print(A3)
    print('predict:')
    print((A3 >= 0.5).astype(int))


def main():
    parser = argparse.ArgumentParser(description="Exercise 3, answered.")
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--report-every", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    runs = [("batch: batch_size 4, 1 update an epoch", 4, "sequential"),
            ("stochastic: batch_size 1, 4 updates an epoch, shuffled", 1, "shuffle"),
            ("mini-batch: batch_size 2, 2 updates an epoch, shuffled", 2, "shuffle"),
            ("the lesson's SGD: 1 random sample an epoch, with replacement", 1, "replacement")]
    for title, batch_size, order in runs:
        print(f'== {title} (seed {args.seed})' if order != "sequential" else f'== {title}')
        train(batch_size, order, args.seed, args.epochs, args.report_every)


if __name__ == "__main__":
    main()
