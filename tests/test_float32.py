"""dtype = "float32" on both sides, its tolerances (compare.running.tolerances, figures measured over whole preset
runs), and `--resync`: per-update error told apart from accumulated drift."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from compare.cli.main import main as compare_main
from compare.errors import ParityError
from compare.experiment.sources import PRESET_DIR, load_experiment
from compare.lockstep.harness import run_parity
from compare.lockstep.pair import Lockstep
from numpy_impl.optimizer import SGD
from numpy_impl.trainer import NumpyTrainer

EPS32 = float(np.finfo(np.float32).eps)
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_both_sides_really_run_in_float32():
    run = Lockstep(load_experiment("xor", {"dtype": "float32"}))
    assert run.numpy.theta.dtype == np.float32 and run.numpy.X.dtype == np.float32
    assert run.torch.flat.dtype == torch.float32 and run.torch.X.dtype == torch.float32
    assert all(p.dtype == torch.float32 for p in run.torch.model.parameters())
    Zs, activations, dW, db = run.numpy.step(np.arange(4))
    assert all(a.dtype == np.float32 for a in Zs + activations + dW + db)


def _flat(history) -> list[np.ndarray]:
    """Every parameter a run ended with, as float64 (the seed layout: W1, W2, ..., b1, b2, ...)."""
    return [np.asarray(p, dtype=np.float64) for p in history.final_weights + history.final_biases]


def _max_gap(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.abs(x - y.reshape(x.shape)).max()) for x, y in zip(a, b, strict=True))


def _readme_float32_atol() -> float:
    found = re.search(r"float32: `atol ([0-9.e-]+), rtol", README)
    assert found, "the README no longer states the float32 tolerance as `atol X, rtol Y`"
    return float(found.group(1))


# The bound, derived (never taken from compare.running.tolerances): the float64 run is the exact trajectory
# to within 1e-14, so E = |torch32 - float64| is how far float32 rounding alone carries torch from it over the
# run. NumPy in float32 computes the same formulas in another order, so its own distance from the exact
# trajectory is of the same size; allowing it 2 E (floor: one ulp of the largest weight, eps |w|, for a run
# too short to drift) gives |numpy32 - torch32| <= |numpy32 - exact| + |torch32 - exact| <= 3 max(E, eps |w|).
# Measured on these runs: |numpy32 - exact| <= 1.14 E, |numpy32 - torch32| <= 0.65 max(E, eps |w|) (xor batch).
# A real float32 mistake (a factor, a sign, a damped first momentum step) moves a weight by lr |g| ~ 1e-3.
DRIFT_FACTOR = 3.0


@pytest.mark.parametrize("preset,modes,epochs", [("exercise3", ["batch", "stochastic", "minibatch"], 300),
                                                  ("xor", ["batch", "stochastic", "minibatch"], 300),
                                                  ("exercise2", ["batch", "stochastic"], 300),
                                                  ("blobs", ["minibatch"], 3)])
def test_float32_parity_on_presets(preset, modes, epochs):
    for mode in modes:
        e = load_experiment(preset, {"dtype": "float32", "mode": mode, "epochs": epochs, "momentum": 0.5})
        report = run_parity(e)
        assert report.ok, (preset, mode)
        exact = _flat(run_parity(load_experiment(preset, {"mode": mode, "epochs": epochs, "momentum": 0.5})).numpy)
        numpy32, torch32 = _flat(report.numpy), _flat(report.torch)
        largest = max(float(np.abs(p).max()) for p in exact)
        E = _max_gap(torch32, exact)
        floor = max(E, EPS32 * largest)
        assert E > 1e3 * 1e-14                                  # float32 really rounds: far from float64...
        assert E / 4 <= _max_gap(numpy32, exact) <= 2 * floor, (preset, mode)   # NumPy as far as torch (1.0x
        # measured, 0.88-1.25x), not less: it rounds in float32 too, not in float64 cast down at the end
        gap = _max_gap(numpy32, torch32)
        assert gap <= DRIFT_FACTOR * floor, (preset, mode, gap, floor)
        assert gap < _readme_float32_atol() / 2, (preset, mode)  # the README's bound holds with 2x margin
        # the harness's own figure is the largest gap it saw over every update, the last one included
        assert report.max_abs_diff >= gap


def _torch_exercise3_batch(dtype: torch.dtype, epochs: int, momentum: float) -> list[np.ndarray]:
    """Exercise 3 in batch mode written directly in torch (autograd, torch.optim.SGD), sharing nothing with the
    harness: the seed's weights (its layout, X @ W + b), sigmoid layers, the seed's loss summed over the
    output and averaged over the batch, lr 0.1."""
    weights = [[[0.8, 0.2], [0.2, 0.8]], [[0.5, 0.0], [0.5, 1.0]], [[0.5], [0.5]]]    # the seed's exercise 3
    biases = [[[-1, 0.3]], [[0.1, -0.1]], [[-0.6]]]
    Ws = [torch.tensor(w, dtype=dtype, requires_grad=True) for w in weights]
    bs = [torch.tensor(b, dtype=dtype, requires_grad=True) for b in biases]
    X = torch.tensor([[1, 0.1], [0.1, 1], [0.1, 0.1], [1, 1]], dtype=dtype)
    T = torch.tensor([[1], [0], [0], [1]], dtype=dtype)
    optimizer = torch.optim.SGD(Ws + bs, lr=0.1, momentum=momentum)
    for _ in range(epochs):
        A = X
        for W, b in zip(Ws, bs):
            A = torch.sigmoid(A @ W + b)
        loss = 0.5 * ((A - T) ** 2).sum() / X.shape[0]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return [p.detach().numpy().astype(np.float64) for p in Ws + bs]


def test_float32_numpy_against_a_torch_run_of_its_own():
    """NumPy's float32 exercise 3 against torch float32 written here: within the derived bound, and far nearer
    to it than to float64 (measured: 6.0e-8 apart, both 4.5e-7 from float64)."""
    report = run_parity(load_experiment("exercise3", {"dtype": "float32", "mode": "batch", "epochs": 300,
                                                      "momentum": 0.5}))
    numpy32 = _flat(report.numpy)
    torch32 = _torch_exercise3_batch(torch.float32, 300, 0.5)
    exact = _torch_exercise3_batch(torch.float64, 300, 0.5)
    E = _max_gap(torch32, exact)
    assert 1e-8 < E < 1e-4                            # float32's drift over 300 updates, measured 4.5e-7
    assert E / 4 <= _max_gap(numpy32, exact) <= 2 * E
    assert _max_gap(numpy32, torch32) <= DRIFT_FACTOR * max(E, EPS32)
    assert _max_gap(numpy32, torch32) < _max_gap(numpy32, exact)


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
