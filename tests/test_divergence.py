"""A run that overflows stops at the first NaN/inf with one line naming it and exit 3, in every training
command; no NumPy warning leaks; the sigmoid is stable for large |z|.

`tests/data/diverge.toml` (ReLU hidden, identity output, lr 1) really diverges: the oracle below, a plain
torch loop written here, finds the first update after which the loss, an activation or a weight is not
finite, and the commands must stop exactly there.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from compare import load_experiment
from compare.cli.main import main as compare_main
from numpy_impl.__main__ import main as numpy_main
from numpy_impl.activations import sigmoid, sigmoid_prime
from torch_impl.__main__ import main as torch_main

ROOT = Path(__file__).resolve().parents[1]
DIVERGE = ROOT / "tests" / "data" / "diverge.toml"
MAINS = {"compare": compare_main, "numpy_impl": numpy_main, "torch_impl": torch_main}


def first_nonfinite_update_oracle() -> int:
    """Batch mode by hand in torch: the first update after which anything (weights, activations on the
    whole data set, the logged loss) is NaN or inf."""
    e = load_experiment(DIVERGE)
    W = [torch.tensor(w, requires_grad=True) for w in e.init_weights]
    b = [torch.tensor(v, requires_grad=True) for v in e.init_biases]
    X, T = torch.tensor(e.inputs), torch.tensor(e.targets)

    def forward():
        A1 = torch.relu(X @ W[0] + b[0])
        return [A1, A1 @ W[1] + b[1]]
    for update in range(1, 1000):
        loss = ((forward()[-1] - T) ** 2).sum() / 2 / len(X)
        for p in W + b:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in W + b:
                p -= e.lr * p.grad
            activations = forward()
            logged = ((activations[-1] - T) ** 2 / 2).mean()
            if not all(torch.isfinite(t).all() for t in W + b + activations + [logged]):
                return update
    raise AssertionError("diverge.toml did not diverge")


def test_the_test_experiment_really_diverges_within_a_few_hundred_updates():
    assert 2 <= first_nonfinite_update_oracle() <= 300


@pytest.mark.parametrize("command", sorted(MAINS))
def test_batch_mode_stops_at_the_first_nonfinite_update(command, capsys):
    code = MAINS[command]([str(DIVERGE), "--mode", "batch"])
    out, err = capsys.readouterr()
    assert code == 3
    assert err.count("\n") == 1 and err.startswith("error: training diverged at ")
    update = first_nonfinite_update_oracle()
    # batch mode: one update per epoch, epoch e ends with update e + 1
    assert f"(update {update})" in err or f"at update {update} " in err, (update, err)
    assert "inf" in err or "nan" in err
    loss_lines = [line for line in out.splitlines() if line.startswith("epoch")]
    assert len(loss_lines) == update - 1          # every finite loss, and not one line more
    assert not any("nan" in line or "inf" in line for line in loss_lines)


@pytest.mark.parametrize("command", sorted(MAINS))
@pytest.mark.parametrize("mode, order", [("stochastic", "sequential"), ("stochastic", "shuffle"),
                                         ("minibatch", "shuffle"), ("stochastic", "replacement")])
def test_every_mode_ends_in_exit_3_with_one_line(command, mode, order, capsys):
    code = MAINS[command]([str(DIVERGE), "--mode", mode, "--order", order, "--json"])
    out, err = capsys.readouterr()
    assert code == 3, err
    assert err.count("\n") == 1 and err.startswith("error: training diverged at ")
    assert "the learning rate (lr 1)" in err
    assert out == ""   # no JSON for a run that has no result


def test_the_harness_calls_a_one_sided_overflow_a_divergence(capsys):
    """In this case NumPy reaches NaN one update before torch (rounding decides): exit 3, not a parity
    failure (exit 1), and the message shows both sides."""
    code = compare_main([str(DIVERGE), "--mode", "stochastic", "--order", "replacement", "--seed", "0",
                         "--report-every", "1000"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert err.startswith("error: training diverged at update 17 ") and err.count("\n") == 1
    assert "numpy W1[0, 0] = nan, torch finite (but huge)" in err


@pytest.mark.parametrize("command", sorted(MAINS))
def test_no_warning_leaks_from_a_real_process(command):
    """`-W error` turns any warning (NumPy's overflow RuntimeWarning, torch's UserWarning) into a crash."""
    proc = subprocess.run([sys.executable, "-W", "error", "-m", command, str(DIVERGE), "--mode", "minibatch"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr and "Warning" not in proc.stderr


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_is_stable_for_large_z(dtype):
    Z = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="warn", invalid="warn", divide="warn"):
        warnings.simplefilter("error")   # an overflow warning would now fail the test
        A = sigmoid(Z)
        dA = sigmoid_prime(Z, A)
    assert A.dtype == dtype
    expected = torch.sigmoid(torch.tensor(Z)).numpy()
    np.testing.assert_allclose(A, expected, rtol=1e-6 if dtype == np.float32 else 1e-15, atol=0)
    assert A[0, 0] == 0.0 and A[0, -1] == 1.0 and A[0, 2] == 0.5
    assert np.all(np.isfinite(dA)) and dA[0, 0] == 0.0 and dA[0, -1] == 0.0


@pytest.mark.parametrize("args", [["record", str(DIVERGE), "--out", "trace.npz"],
                                  ["gradcheck", str(DIVERGE)],
                                  ["check", str(ROOT / "examples" / "backprop_solution.py"), str(DIVERGE)],
                                  ["explain", str(DIVERGE), "--update", "20"]],
                         ids=["record", "gradcheck", "check", "explain"])
def test_the_subcommands_stop_at_the_divergence_too(args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = compare_main(args)
    out, err = capsys.readouterr()
    assert code == 3, err
    assert err.count("\n") == 1 and err.startswith("error: training diverged at ")
    update = first_nonfinite_update_oracle()
    assert f"update {update})" in err or f"update {update} " in err, (update, err)
    assert not any("nan" in line or "inf" in line for line in out.splitlines() if line.startswith("epoch"))
    assert list(tmp_path.iterdir()) == []      # nothing recorded
