"""The seed's example, answered: Zhang San alone, the 2-2-2-1 hiring committee.

The seed's own program, kept in its style (the same formulas, the same order of operations, so the same
numbers to the last digit) with its rough edges removed: no global variables, the loss logged after the
updates of each reported epoch, full-precision numbers printed, and one prediction per output.

    python examples/answers/hiring.py                       # 10000 epochs, a loss line every 1000
    python examples/answers/hiring.py --epochs 200 --report-every 20

It prints what `python -m compare hiring --json` reports: the loss log, the final output, the prediction.
"""

import argparse

import numpy as np

np.set_printoptions(floatmode="unique")     # every digit: the numbers can be compared with the report's

# Zhang San: study score 1, practice score 0.1; the committee should hire him (target 1).
X = np.array([[1, 0.1]])                    # (samples, inputs)
T = np.array([[1]])                         # (samples, outputs): always one row per sample


def initial_parameters():
    """The lesson's starting weights (inputs, outputs) and biases (1, outputs), fresh copies."""
    W = [np.array([[0.8, 0.2], [0.2, 0.8]]), np.array([[0.5, 0.0], [0.5, 1.0]]), np.array([[0.5], [0.5]])]
    b = [np.array([[-1, 0.3]]), np.array([[0.1, -0.1]]), np.array([[-0.6]])]
    return W, b


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def dsigmoid(a):
    """The sigmoid's derivative, written with its output a = sigmoid(z)."""
    return a * (1 - a)


def forward(W, b, X):
    A1 = sigmoid(np.dot(X, W[0]) + b[0])    # section chiefs: IQ, EQ
    A2 = sigmoid(np.dot(A1, W[1]) + b[1])   # directors: ability, attitude
    A3 = sigmoid(np.dot(A2, W[2]) + b[2])   # the president
    return A1, A2, A3


def update(W, b, batch_X, batch_T, lr):
    """One step of gradient descent on this batch; returns the new weights and biases."""
    A1, A2, A3 = forward(W, b, batch_X)
    n = batch_X.shape[0]                    # gradients are averaged over the batch
    delta_Z3 = (batch_T - A3) * dsigmoid(A3)                 # -dL/dZ3, as the seed writes it
    delta_W3 = A2.T.dot(delta_Z3) / n
    delta_B3 = np.sum(delta_Z3, axis=0) / n
    delta_Z2 = delta_Z3.dot(W[2].T) * dsigmoid(A2)
    delta_W2 = A1.T.dot(delta_Z2) / n
    delta_B2 = np.sum(delta_Z2, axis=0) / n
    delta_Z1 = delta_Z2.dot(W[1].T) * dsigmoid(A1)
    delta_W1 = batch_X.T.dot(delta_Z1) / n
    delta_B1 = np.sum(delta_Z1, axis=0) / n
    # W + lr * delta with delta built from (t - a): the same step as W - lr * dL/dW
    W = [W[0] + lr * delta_W1, W[1] + lr * delta_W2, W[2] + lr * delta_W3]
    b = [b[0] + lr * delta_B1, b[1] + lr * delta_B2, b[2] + lr * delta_B3]
    return W, b


def loss(W, b):
    """The seed's loss line: mean of (t - a)^2 / 2 over the whole data set."""
    return np.mean(np.square(T - forward(W, b, X)[-1]) / 2)


def main():
    parser = argparse.ArgumentParser(description="The seed's example, answered.")
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--report-every", type=int, default=1000)
    args = parser.parse_args()
    lr = 0.1
    W, b = initial_parameters()
    for idx_epoch in range(args.epochs):
        W, b = update(W, b, X, T, lr)        # one sample: one update an epoch
        if idx_epoch % args.report_every == 0:
            print('epochs:', idx_epoch, 'loss:', loss(W, b))
    A3 = forward(W, b, X)[-1]
    print('output:')
    print(A3)
    print('predict:')
    print((A3 >= 0.5).astype(int))           # 1 where the output is >= 0.5, one per output


if __name__ == "__main__":
    main()
