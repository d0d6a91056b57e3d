"""numpy_impl reproduces the seed lesson: its printed check values, and its own script's numbers."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from compare import load_experiment, train_numpy
from tests.seed_oracle import seed_train

SEED_LOSS_0 = 0.11673740506651809
SEED_LOSS_9000 = 0.0001174237438809849
SEED_OUTPUT = 0.98551454  # printed with 8 digits


def test_hiring_reproduces_the_seed_check_values():
    history = train_numpy("hiring")
    log = dict(history.loss_log)
    assert sorted(log) == list(range(0, 10000, 1000))
    assert log[0] == pytest.approx(SEED_LOSS_0, rel=1e-12, abs=0)
    assert log[9000] == pytest.approx(SEED_LOSS_9000, rel=1e-12, abs=0)
    assert history.outputs.shape == (1, 1)
    assert history.outputs[0, 0] == pytest.approx(SEED_OUTPUT, abs=5e-9)
    assert history.predictions.tolist() == [[1]]
    assert history.updates == 10000


def _seed_case(name):
    e = load_experiment(name)
    X, T = np.array(e.inputs), np.array(e.targets)
    Ws, bs = [np.array(w) for w in e.init_weights], [np.array(b) for b in e.init_biases]
    if name == "exercise1":
        # the seed's answer: T written as a 2x1 column; it trains on T[0:1] = [[1]], broadcast to both outputs
        T_seed = np.array([[1], [1]])
        return seed_train(X, T_seed[0:1], Ws, bs, T_loss=T_seed)
    return seed_train(X, T, Ws, bs)


@pytest.mark.parametrize("name", ["hiring", "exercise1", "exercise2"])
def test_numpy_impl_matches_the_seed_script(name):
    """exercise2 as the seed runs it: batch_size 1, Zhang San then Li Si (our preset: stochastic, sequential)."""
    seed_log, seed_out = _seed_case(name)
    history = train_numpy(name)
    ours = np.array([v for _, v in history.loss_log])
    theirs = np.array([v for _, v in seed_log])
    assert [e for e, _ in history.loss_log] == [e for e, _ in seed_log]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    np.testing.assert_allclose(history.outputs, seed_out, rtol=1e-12, atol=0)


def test_batch_mode_matches_the_seed_full_batch_answer():
    e = load_experiment("exercise3", {"mode": "batch", "epochs": 2000, "report_every": 100})
    seed_log, seed_out = seed_train(np.array(e.inputs), np.array(e.targets), list(e.init_weights),
                                    list(e.init_biases), epochs=2000, report=100, full_batch=True)
    history = train_numpy(e)
    np.testing.assert_allclose([v for _, v in history.loss_log], [v for _, v in seed_log], rtol=1e-12, atol=0)
    np.testing.assert_allclose(history.outputs, seed_out, rtol=1e-12, atol=0)


def test_exercise1_seed_targets_only_worked_by_broadcasting():
    """The seed's 2x1 target column against a 1x2 output broadcasts to 2x2: our loader refuses that shape."""
    from compare.errors import ExperimentError
    from compare.experiment.sources import read_toml, resolve
    from compare.experiment.validate import Where, build

    doc = read_toml(resolve("exercise1"))
    doc["data"]["targets"] = [[1], [1]]
    with pytest.raises(ExperimentError, match=r"data\.targets: expected shape 1x2, found shape 2x1"):
        build(doc, Where("exercise1.toml", {}))


def test_numpy_impl_cli_prints_the_seed_log():
    out = subprocess.run([sys.executable, "-m", "numpy_impl", "hiring"], capture_output=True, text=True,
                         check=True).stdout
    losses = [float(line.split("loss")[1]) for line in out.splitlines() if line.startswith("epoch")]
    assert len(losses) == 10
    assert losses[0] == pytest.approx(SEED_LOSS_0, rel=1e-12, abs=0)
    assert losses[-1] == pytest.approx(SEED_LOSS_9000, rel=1e-12, abs=0)
    assert "[0.98551454]" in out
    probe = subprocess.run([sys.executable, "-c", "import sys, numpy_impl.__main__ as m; m.main(['hiring', "
                            "'--epochs', '3', '--quiet']); print('torch' in sys.modules)"],
                           capture_output=True, text=True, check=True).stdout
    assert probe.strip().endswith("False")
