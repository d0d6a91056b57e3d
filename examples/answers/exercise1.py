"""Exercise 1, answered: the president removed; Zhang San's targets are ability and attitude.

The directors become the output layer: a 2-2-2 network, W1, b1, W2, b2 as in the lesson, W3 and b3 gone.
What the lesson's answer got wrong, fixed here:
- its targets were a 2x1 column, T = [[1], [1]] (two samples with one output each). They trained only by
  broadcasting, and only because both targets are 1. The targets of one sample with two outputs are ONE
  row: T = [[1.0, 1.0]], shape (samples, outputs).
- its predict used `x.all() >= 0.5`, which is True for any row without a zero (every sigmoid output):
  it predicted 1 whatever the outputs. Here every output gets its own prediction.

    python examples/answers/exercise1.py [--epochs 10000] [--report-every 1000]

It prints what `python -m compare exercise1 --json` reports.
"""

import argparse

import numpy as np

np.set_printoptions(floatmode="unique")     # every digit: the numbers can be compared with the report's

X = np.array([[1, 0.1]])                    # Zhang San: study, practice            (samples, inputs)
T = np.array([[1.0, 1.0]])                  # his ability and attitude targets      (samples, outputs)


def initial_parameters():
    W = [np.array([[0.8, 0.2], [0.2, 0.8]]), np.array([[0.5, 0.0], [0.5, 1.0]])]
    b = [np.array([[-1, 0.3]]), np.array([[0.1, -0.1]])]
    return W, b


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def dsigmoid(a):
    """The sigmoid's derivative, written with its output a = sigmoid(z)."""
    return a * (1 - a)


def forward(W, b, X):
    A1 = sigmoid(np.dot(X, W[0]) + b[0])    # section chiefs: IQ, EQ
    A2 = sigmoid(np.dot(A1, W[1]) + b[1])   # directors, now the output: ability, attitude
    return A1, A2


def update(W, b, batch_X, batch_T, lr):
    """One step of gradient descent on this batch; returns the new weights and biases."""
    A1, A2 = forward(W, b, batch_X)
    n = batch_X.shape[0]
    delta_Z2 = (batch_T - A2) * dsigmoid(A2)                 # (samples, 2): one column per output
    delta_W2 = A1.T.dot(delta_Z2) / n
    delta_B2 = np.sum(delta_Z2, axis=0) / n
    delta_Z1 = delta_Z2.dot(W[1].T) * dsigmoid(A1)
    delta_W1 = batch_X.T.dot(delta_Z1) / n
    delta_B1 = np.sum(delta_Z1, axis=0) / n
    W = [W[0] + lr * delta_W1, W[1] + lr * delta_W2]
    b = [b[0] + lr * delta_B1, b[1] + lr * delta_B2]
    return W, b


def loss(W, b):
    """Mean of (t - a)^2 / 2 over every sample and every output."""
    return np.mean(np.square(T - forward(W, b, X)[-1]) / 2)


def main():
    parser = argparse.ArgumentParser(description="Exercise 1, answered.")
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--report-every", type=int, default=1000)
    args = parser.parse_args()
    lr = 0.1
    W, b = initial_parameters()
    for idx_epoch in range(args.epochs):
        W, b = update(W, b, X, T, lr)
        if idx_epoch % args.report_every == 0:
            print('epochs:', idx_epoch, 'loss:', loss(W, b))
    A2 = forward(W, b, X)[-1]
    print('output:')
    print(A2)                                # ability, attitude
    print('predict:')
    print((A2 >= 0.5).astype(int))           # one prediction per output, not x.all()


if __name__ == "__main__":
    main()
