"""`compare gradcheck`: central differences in float64 as the oracle. Correct backward passes score "good"
at every checked update (late in training too), wrong ones "wrong", and where numpy (or yours) and torch
disagree the report says which side the finite differences support."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from compare import load_experiment
from compare.cli.main import main
from compare.usercode.gradcheck import GOOD, band, checkpoints, gradcheck, numerical_gradient, relative_error
from compare.usercode.load import load_user_code

ZOO = Path(__file__).resolve().parent / "zoo"


def test_central_differences_match_autograd():
    """The oracle itself, against an independent one: torch's autograd at the same weights."""
    import torch

    from compare.usercode.gradcheck import _torch_gradient
    e = load_experiment("exercise3", {"mode": "batch", "loss": "mean"})
    rng = np.random.default_rng(3)
    W = [rng.normal(size=w.shape) for w in e.init_weights]
    b = [rng.normal(size=c.shape) for c in e.init_biases]
    X, T = np.array(e.inputs), np.array(e.targets)
    nW, nb = numerical_gradient(e, W, b, X, T)
    tW, tb = _torch_gradient(e, W, b, X, T)
    for n, t in zip(nW + nb, tW + tb):
        np.testing.assert_allclose(n, t, rtol=1e-7, atol=1e-11)
    assert torch.get_default_dtype() == torch.float32   # nothing global was changed


def test_formula_and_bands():
    assert relative_error(np.array(1.0), np.array(1.0 + 1e-9), 1e-3) == pytest.approx(5e-10, rel=1e-6)
    assert relative_error(np.array(1e-9), np.array(2e-9), 1e-3) == pytest.approx(1e-6)   # the floor decides
    assert band(1e-8, False) == "good" and band(1e-5, True).startswith("acceptable")
    assert band(1e-5, False) == "too high for a smooth network"
    assert band(1e-3, False) == "suspicious" and band(0.5, False) == "wrong" and band(np.nan, False) == "wrong"
    assert checkpoints(10000) == [1, 2, 3, 5000, 9999, 10000] and checkpoints(2) == [1, 2]


# full-length runs where the margin is smallest (measured: worst 2.8e-8 on hiring, 2.5e-8 on exercise2
# batch); shorter runs elsewhere. Measured full-length worsts: exercise1 6.5e-9, exercise2 7.1e-9,
# exercise3 stochastic 5.6e-9, batch 2.0e-8, minibatch 1.2e-8, loss mean 2e-9 / 1.2e-8.
@pytest.mark.parametrize("preset, overrides", [
    ("hiring", {}), ("exercise2", {"mode": "batch"}),
    ("exercise1", {"epochs": 2000}), ("exercise1", {"epochs": 2000, "loss": "mean"}),
    ("exercise2", {"epochs": 1000}), ("exercise3", {"epochs": 1000, "mode": "minibatch"}),
    ("exercise3", {"epochs": 3000, "mode": "batch"}),
])
def test_numpy_backward_is_good_early_and_late(preset, overrides):
    e = load_experiment(preset, overrides)
    report = gradcheck(e)
    assert report.ok
    assert [c.update for c in report.checks] == checkpoints(e.total_updates)
    for c in report.checks:
        assert max(c.errors.values()) < GOOD, (c.update, c.errors)
        assert c.torch is None                          # numpy and torch agree at every checked update


def test_a_wrong_backward_is_wrong_and_torch_is_supported():
    e = load_experiment("exercise1", {"epochs": 20})
    report = gradcheck(e, load_user_code(ZOO / "other_loss_convention.py"))
    assert not report.ok
    worst = report.worst.worst
    assert worst["error"] == pytest.approx(1 / 3, rel=1e-6)     # yours = numeric / 2: |a - 2a| / 3|a|
    assert band(worst["error"], False) == "wrong"
    assert all(c.torch["supports"] == "torch" for c in report.checks)


def test_when_torch_is_the_wrong_side_the_numbers_say_so(monkeypatch):
    import compare.usercode.gradcheck as gc

    right = gc._torch_gradient

    def negated(*args):
        dW, db = right(*args)
        return [-g for g in dW], [-g for g in db]
    monkeypatch.setattr(gc, "_torch_gradient", negated)
    report = gradcheck(load_experiment("hiring", {"epochs": 5}))
    assert report.ok
    assert all(c.torch["supports"] == "numpy" for c in report.checks)


def test_cli(capsys):
    assert main(["gradcheck", "hiring", "--epochs", "30"]) == 0
    out = capsys.readouterr().out
    assert "step h = 1e-05" in out and "max(|analytic| + |numeric|, floor)" in out and "gradcheck OK" in out
    assert main(["gradcheck", "hiring", "--epochs", "5", "--backward", str(ZOO / "negated.py"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"] and report["worst"]["verdict"] == "wrong" and report["worst"]["error"] == 1.0
    assert report["checks"][0]["torch"]["supports"] == "torch"
    assert main(["gradcheck", "--backward", str(ZOO / "missing.py")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert main(["gradcheck", "exercise3", "--mode", "all", "--epochs", "5", "--quiet"]) == 0
    assert capsys.readouterr().out.count("gradcheck OK") == 3
