"""compare.lockstep.worker: the NumPy side in a second process checks exactly what the one-process harness checks."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from compare.errors import ParityError
from compare.experiment.sources import load_experiment
from compare.lockstep.harness import run_parity
from compare.lockstep.worker import use_worker
from numpy_impl.trainer import NumpyTrainer

pytestmark = pytest.mark.skipif(not use_worker(load_experiment("exercise3", {"epochs": 10000}), None, False),
                                reason="no worker on this machine (one core, no fork, or not x86-64)")


@pytest.mark.parametrize("preset,overrides", [
    ("exercise3", {"epochs": 300, "mode": "stochastic"}),
    ("xor", {"epochs": 100, "mode": "minibatch", "momentum": 0.9, "dtype": "float32"}),
    ("exercise3", {"epochs": 50, "mode": "minibatch", "order": "replacement", "samples_per_epoch": 5}),
])
def test_worker_run_equals_one_process_run(preset, overrides):
    """Every per-update difference, every loss line and the final weights, bit for bit (the worker runs the
    same trainer on the same indices)."""
    e = load_experiment(preset, overrides)
    alone, parallel = run_parity(e, parallel=False), run_parity(e, parallel=True)
    assert parallel.ok and parallel.updates_checked == alone.updates_checked == e.total_updates
    assert np.array_equal(parallel.per_update, alone.per_update)
    assert parallel.numpy.loss_log == alone.numpy.loss_log and parallel.torch.loss_log == alone.torch.loss_log
    for a, b in zip(parallel.numpy.final_weights + parallel.numpy.final_biases,
                    alone.numpy.final_weights + alone.numpy.final_biases):
        assert np.array_equal(a, b)
    assert not multiprocessing.active_children()


def test_a_wrong_update_in_the_worker_is_caught_at_that_update(monkeypatch):
    """A nudge of 1e-8 on one weight after update 7, made inside the worker process (forked after the
    patch), fails the run at update 7 with the same failure record as the one-process harness."""
    step = NumpyTrainer.step

    def nudged(self, indices):
        out = step(self, indices)
        if self.updates == 7:
            self.weights[1][0, 1] += 1e-8
        return out
    monkeypatch.setattr(NumpyTrainer, "step", nudged)
    e = load_experiment("exercise3", {"epochs": 20, "mode": "stochastic"})
    failures = []
    for parallel in (True, False):
        with pytest.raises(ParityError) as caught:
            run_parity(e, parallel=parallel)
        failures.append(caught.value.failure)
    assert failures[0]["update"] == 7 and failures[0]["parameter"] == "W2"
    assert failures[0] == failures[1]
    assert not multiprocessing.active_children()


def test_an_error_in_the_worker_is_raised_in_the_harness(monkeypatch):
    step = NumpyTrainer.step

    def broken(self, indices):
        if self.updates == 3:
            raise FloatingPointError("a bug at update 4")
        return step(self, indices)
    monkeypatch.setattr(NumpyTrainer, "step", broken)
    with pytest.raises(RuntimeError, match="NumPy worker process failed: FloatingPointError: a bug at update 4"):
        run_parity(load_experiment("exercise3", {"epochs": 5}), parallel=True)
    assert not multiprocessing.active_children()


def test_when_the_worker_is_used():
    long = load_experiment("exercise3", {"epochs": 5000})
    assert use_worker(long, None, False)
    assert not use_worker(long, NumpyTrainer, False)          # a user's trainer stays in-process
    assert not use_worker(long, None, True)                   # --resync writes NumPy's momentum buffers
    assert not use_worker(load_experiment("exercise3", {"epochs": 10}), None, False)   # forking costs more
    assert use_worker(long, None, False, torch_threads=2)     # torch runs tiny operations on one thread
    wide = load_experiment("blobs", {"epochs": 200})          # a 64 x 32 layer on batches of 32: above the grain
    assert use_worker(wide, None, False, torch_threads=1)
    assert not use_worker(wide, None, False, torch_threads=2)  # torch would want the worker's core


def test_no_worker_when_every_core_is_busy():
    """With every core taken by another process the worker would fight them for the CPU (a run measured 3-7x
    slower): the automatic choice must then keep the run in one process."""
    import os
    import subprocess
    import sys
    import time

    from compare.lockstep.worker import spare_core
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        time.sleep(0.3)
        assert spare_core() is False
    finally:
        for p in busy:
            p.kill()
            p.wait()
