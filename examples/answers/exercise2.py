"""Exercise 2, answered: Li Si added; one update per sample, or one for both together?

Only X and T change (two rows each). Then batch_size decides:
- batch_size = 1 (the lesson's value): each sample gets its own gradient and its own update, Zhang San then
  Li Si: two updates an epoch.
- batch_size = 2: both samples go through the network together, their gradients are averaged, one update
  an epoch (batch gradient descent).
The number of batches is ceil(N / batch_size), computed from the batch size in effect (a last partial batch
is kept, never dropped).

    python examples/answers/exercise2.py [--epochs 10000] [--report-every 1000]

It prints both runs; they equal `python -m compare exercise2 --mode stochastic --order sequential --json`
and `python -m compare exercise2 --mode batch --json`.
"""

import argparse

import numpy as np

np.set_printoptions(floatmode="unique")     # every digit: the numbers can be compared with the report's

X = np.array([[1, 0.1],                     # Zhang San
              [0.1, 1]])                    # Li Si                                 (samples, inputs)
T = np.array([[1],
              [0]])                         #                                       (samples, outputs)


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


def train(batch_size, epochs, report_every, lr=0.1):
    W, b = initial_parameters()
    max_batch = -(-X.shape[0] // batch_size)              # ceil(N / batch_size), from the size in effect
    for idx_epoch in range(epochs):
        for idx_batch in range(max_batch):                # in order: Zhang San, then Li Si
            batch_X = X[idx_batch * batch_size:(idx_batch + 1) * batch_size, :]
            batch_T = T[idx_batch * batch_size:(idx_batch + 1) * batch_size, :]
            W, b = update(W, b, batch_X, batch_T, lr)
        if idx_epoch % report_every == 0:
            print('epochs:', idx_epoch, 'loss:', loss(W, b))
    A3 = forward(W, b, X)[-1]
    print('output:')
    print(A3)
    print('predict:')
    print((A3 >= 0.5).astype(int))


def main():
    parser = argparse.ArgumentParser(description="Exercise 2, answered.")
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--report-every", type=int, default=1000)
    args = parser.parse_args()
    print('== batch_size 1: one update per sample, 2 an epoch (stochastic, in order)')
    train(1, args.epochs, args.report_every)
    print('== batch_size 2: one averaged update for both, 1 an epoch (batch)')
    train(2, args.epochs, args.report_every)


if __name__ == "__main__":
    main()
