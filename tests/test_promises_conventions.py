"""The loss's conventions as docs/experiment-format.md and the README promise them, end to end through the
command line, against torch's autograd of the loss written out here (torch.optim.SGD; no code of ours):

- `--reduction sum` is the loss summed over the batch; `--bce-outputs sum` BCE summed over the outputs;
  `--l2 LAMBDA` adds LAMBDA/2 x the sum of squared weights to the loss (`--l2-biases`: of the biases too);
- the loss that is LOGGED is the lesson's printout whatever the conventions: mean((T - A)^2 / 2) over every
  sample and output (for bce: that loss's mean over the data set), never the penalty;
- the translation table: code whose loss has `0.5 * reg * np.sum(W * W)` is checked with `--l2 reg`,
  cs231n's `reg * np.sum(W * W)` with `--l2 2*reg`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

SEED_W = [[[0.8, 0.2], [0.2, 0.8]], [[0.5, 0.0], [0.5, 1.0]], [[0.5], [0.5]]]
SEED_B = [[[-1, 0.3]], [[0.1, -0.1]], [[-0.6]]]
EX3 = ([[1, 0.1], [0.1, 1], [0.1, 0.1], [1, 1]], [[1], [0], [0], [1]], SEED_W, SEED_B)
EX1 = ([[1, 0.1]], [[1.0, 1.0]], SEED_W[:2], SEED_B[:2])


def compare(capsys, *args: str) -> tuple[int, str, str]:
    """`python -m compare ARGS` through its own entry point, in this process: (status, stdout, stderr)."""
    from compare.cli.main import main
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def torch_batch_run(data, epochs: int, loss: str, reduction: str, bce_outputs: str, l2: float,
                    l2_biases: bool) -> np.ndarray:
    """The outputs on the data after `epochs` full-batch SGD updates (lr 0.1) of the loss written out."""
    X, T = torch.tensor(data[0], dtype=torch.float64), torch.tensor(data[1], dtype=torch.float64)
    Ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in data[2]]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in data[3]]

    def forward() -> torch.Tensor:
        A = X
        for W, b in zip(Ws, bs):
            A = torch.sigmoid(A @ W + b)
        return A

    optimizer = torch.optim.SGD(Ws + bs, lr=0.1)
    for _ in range(epochs):
        A = forward()
        if loss == "sum":                                  # the seed's: 1/2 the squared error summed over outputs
            per_sample = ((A - T) ** 2).sum(1) / 2
        else:                                              # bce, averaged or summed over the outputs
            bce = -(T * torch.log(A) + (1 - T) * torch.log(1 - A))
            per_sample = bce.sum(1) if bce_outputs == "sum" else bce.mean(1)
        total = per_sample.sum() if reduction == "sum" else per_sample.mean()
        total = total + l2 / 2 * sum((p ** 2).sum() for p in Ws + (bs if l2_biases else []))
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
    with torch.no_grad():
        return forward().numpy()


CASES = {
    "reduction sum": (EX3, ["exercise3"], "sum", "sum", "mean", 0.0, False),
    "l2": (EX3, ["exercise3"], "sum", "mean", "mean", 0.3, False),
    "l2 biases, summed": (EX3, ["exercise3"], "sum", "sum", "mean", 0.3, True),
    "bce summed over 2 outputs": (EX1, ["exercise1", "--loss", "bce"], "bce", "mean", "sum", 0.0, False),
    "bce summed, all": (EX1, ["exercise1", "--loss", "bce"], "bce", "sum", "sum", 0.2, True),
}


def _flags(reduction: str, bce_outputs: str, l2: float, l2_biases: bool) -> list[str]:
    return (["--reduction", reduction] + (["--bce-outputs", bce_outputs] if bce_outputs == "sum" else [])
            + (["--l2", str(l2)] if l2 else []) + (["--l2-biases"] if l2_biases else []))


@pytest.mark.parametrize("case", list(CASES))
def test_the_trained_numbers_are_torch_autograds_of_that_loss(case, capsys):
    data, preset, loss, reduction, bce_outputs, l2, l2_biases = CASES[case]
    code, stdout, stderr = compare(capsys, *preset, "--mode", "batch", "--epochs", "30", "--report-every", "29",
                                   "--json", *_flags(reduction, bce_outputs, l2, l2_biases))
    assert code == 0, stderr
    out = json.loads(stdout)
    assert out["conventions"] == {"reduction": reduction, "bce_outputs": bce_outputs, "l2": l2,
                                  "l2_biases": l2_biases, "mse_scale": 0.5}
    theirs = torch_batch_run(data, 30, loss, reduction, bce_outputs, l2, l2_biases)
    np.testing.assert_allclose(out["outputs"], theirs, rtol=1e-12, atol=0)
    # ...and the convention matters: the default loss trains elsewhere
    plain = torch_batch_run(data, 30, loss, "mean", "mean", 0.0, False)
    assert np.abs(theirs - plain).max() > 1e-4
    # the logged loss at the last epoch (29) is the data term's mean over samples and outputs, no penalty
    A, T = np.array(out["outputs"]), np.array(data[1])
    data_term = (np.mean((T - A) ** 2 / 2) if loss == "sum" else
                 -np.mean(T * np.log(A) + (1 - T) * np.log(1 - A)))
    assert out["loss_log"][-1][0] == 29
    assert out["loss_log"][-1][1] == pytest.approx(data_term, rel=1e-12)


HALF_REG = '''
import numpy as np
REG = 0.3


def backward(weights, biases, activations, targets):
    """The seed's backward of a loss with 0.5 * REG * np.sum(W * W) per layer: dW gains REG * W."""
    B = targets.shape[0]
    A = activations[-1]
    delta = (A - targets) * A * (1 - A)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = activations[l].T @ delta / B + {factor} * REG * weights[l]
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l:
            delta = delta @ weights[l].T * activations[l] * (1 - activations[l])
    return dW, db
'''


@pytest.mark.parametrize("factor, flag, ok", [("1", "0.3", True), ("1", "0.6", False),       # 0.5 reg: --l2 reg
                                              ("2", "0.6", True), ("2", "0.3", False)])     # cs231n: --l2 2*reg
def test_the_docs_translations_of_a_regularised_loss(tmp_path, capsys, factor, flag, ok):
    path = tmp_path / "reg.py"
    path.write_text(HALF_REG.format(factor=factor))
    code, out, err = compare(capsys, "check", str(path), "exercise3", "--mode", "minibatch", "--epochs", "3",
                             "--l2", flag, "--quiet")
    assert code == (0 if ok else 1), out + err
    if not ok:
        assert "check FAILED at update 1" in err and "dW3" in err
