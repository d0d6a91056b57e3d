"""dtype = "float32" on both sides, its tolerances (compare.running.tolerances, figures measured over whole preset
runs), and `--resync`: per-update error told apart from accumulated drift."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from compare.cli.main import main as compare_main
from compare.errors import ParityError
from compare.experiment.sources import PRESET_DIR, load_experiment
from compare.lockstep.harness import run_parity
from compare.lockstep.pair import Lockstep
from compare.running.tolerances import TOLERANCES
from numpy_impl.optimizer import SGD
from numpy_impl.trainer import NumpyTrainer

EPS32 = float(np.finfo(np.float32).eps)


def test_both_sides_really_run_in_float32():
    run = Lockstep(load_experiment("xor", {"dtype": "float32"}))
    assert run.numpy.theta.dtype == np.float32 and run.numpy.X.dtype == np.float32
    assert run.torch.flat.dtype == torch.float32 and run.torch.X.dtype == torch.float32
    assert all(p.dtype == torch.float32 for p in run.torch.model.parameters())
    Zs, activations, dW, db = run.numpy.step(np.arange(4))
    assert all(a.dtype == np.float32 for a in Zs + activations + dW + db)


@pytest.mark.parametrize("preset,modes,epochs", [("exercise3", ["batch", "stochastic", "minibatch"], 300),
                                                  ("xor", ["batch", "stochastic", "minibatch"], 300),
                                                  ("exercise2", ["batch", "stochastic"], 300),
                                                  ("blobs", ["minibatch"], 3)])
def test_float32_parity_on_presets(preset, modes, epochs):
    for mode in modes:
        e = load_experiment(preset, {"dtype": "float32", "mode": mode, "epochs": epochs, "momentum": 0.5})
        report = run_parity(e)
        assert report.ok, (preset, mode)
        assert report.max_abs_diff < TOLERANCES["float32"].atol
        assert report.max_abs_diff > 0          # float32 really rounds differently from float64...
        f64 = run_parity(load_experiment(preset, {"mode": mode, "epochs": epochs, "momentum": 0.5}))
        assert f64.max_abs_diff < 1e-6 * report.max_abs_diff or f64.max_abs_diff == 0   # ...and much more


def test_float32_tolerance_in_eps():
    """The figures behind the numbers (compare/running/tolerances.py): one update differs by <= 4 eps |w|; free
    runs drift up to 3.8e-6 (32 eps) on the presets; atol 1e-5 is 84 eps."""
    tol = TOLERANCES["float32"]
    assert 50 * EPS32 < tol.atol < 200 * EPS32
    assert tol.rtol <= 1e-4


def first_step_bug(experiment, weights, biases):
    """A classic mistake: damping the first momentum step (torch starts the buffer at g itself)."""
    trainer = NumpyTrainer(experiment, weights, biases)

    class DampedFirstStep(SGD):
        def step(self, grads):
            first = [b is None for b in self.buffers]
            super().step(grads)
            for i, is_first in enumerate(first):
                if is_first and self.momentum:
                    # undo p -= lr * g, redo with the buffer (1 - dampening) g
                    self.params[i] += self.lr * self.dampening * self.buffers[i]
                    self.buffers[i] *= 1 - self.dampening
    e = experiment
    trainer.optimizer = DampedFirstStep(trainer.optimizer.params, lr=e.lr, momentum=e.momentum,
                                        dampening=e.dampening, weight_decay=e.weight_decay)
    return trainer


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tolerance_still_catches_an_optimizer_bug_at_its_first_update(dtype):
    e = load_experiment("exercise3", {"dtype": dtype, "mode": "batch", "epochs": 5, "momentum": 0.9,
                                      "dampening": 0.5})
    with pytest.raises(ParityError) as failure:
        run_parity(e, numpy_factory=first_step_bug)
    assert "at update 1 " in str(failure.value)


def chaotic_toml(tmp_path):
    """Two-class XOR with softmax, lr 0.5 and momentum 0.9 (an effective step of 5): the loss oscillates and
    the run amplifies last-bit differences exponentially (measured: 1e-16 at update 1, 1e-10 by update 200,
    1e-7 by 400) while each single update agrees to 1e-15."""
    text = (PRESET_DIR / "xor.toml").read_text()
    for old, new in [("sizes = [2, 3, 1]", "sizes = [2, 4, 2]"),
                     ('output_activation = "sigmoid"', 'output_activation = "softmax"'),
                     ("targets = [[0], [1], [1], [0]]", "targets = [[1, 0], [0, 1], [0, 1], [1, 0]]"),
                     ('loss = "bce"', 'loss = "cross_entropy"'),
                     ('mode = "batch"', 'mode = "stochastic"\nmomentum = 0.9'), ("epochs = 2000", "epochs = 150")]:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "chaotic.toml"
    path.write_text(text)
    return path


def test_resync_tells_per_update_error_from_drift(capsys, tmp_path):
    path = chaotic_toml(tmp_path)
    assert compare_main([str(path), "--json"]) == 1                    # free-running: the drift breaks parity
    free = json.loads(capsys.readouterr().out)["parity"]
    assert not free["ok"] and free["resync"] is False
    assert compare_main([str(path), "--json", "--resync"]) == 0         # every single update agrees
    synced = json.loads(capsys.readouterr().out)["parity"]
    assert synced["ok"] and synced["resync"] is True and synced["updates_checked"] == 600
    assert synced["max_abs_diff"] < 1e-14
    assert compare_main([str(path), "--resync", "--quiet"]) == 0
    assert "per-update error: NumPy resynced to torch before every update (--resync)" in capsys.readouterr().out
    assert compare_main(["exercise3", "--epochs", "3", "--quiet"]) == 0
    assert "accumulated drift, both sides running free" in capsys.readouterr().out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_resync_copies_weights_and_momentum_buffers(dtype):
    """With resync each check sees one update's error: a few ulp of the weights, never more; and the
    momentum buffers are synced too (else their drift would leak into the 'per-update' figure)."""
    e = load_experiment("blobs", {"dtype": dtype, "mode": "stochastic", "epochs": 1, "momentum": 0.9})
    synced = run_parity(e, resync=True)
    eps = float(np.finfo(dtype).eps)
    weights = max(float(np.abs(w).max()) for w in synced.torch.final_weights)
    assert synced.ok and synced.resync and synced.max_abs_diff <= 8 * eps * weights
    free = run_parity(e)
    assert not free.resync and free.max_abs_diff > synced.max_abs_diff
    run = Lockstep(e)
    for X, T, indices in list(run.torch.loader)[:3]:
        run.torch.step(X, T)
        run.numpy.step(indices.numpy())
        run.max_abs_diff()
        run.resync()
        assert np.array_equal(run.numpy.theta, run.theirs)
        params = [p for lin in run.torch.model.linears for p in (lin.weight, lin.bias)]
        W1_buf = run.torch.optimizer.state[params[0]]["momentum_buffer"].numpy()
        assert np.array_equal(run.numpy.optimizer.buffers[0], W1_buf.T)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_float32_on_cuda():
    report = run_parity(load_experiment("xor", {"dtype": "float32", "device": "cuda", "epochs": 200,
                                                "momentum": 0.9, "nesterov": True}))
    assert report.ok
