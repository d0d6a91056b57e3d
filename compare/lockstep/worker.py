"""The NumPy side of a lockstep run in a second process, so that its step runs while torch's does.

On a machine with two cores the harness can hide the NumPy step under the torch step: the NumPy trainer's
parameters `theta` live in shared memory (`shared_array`), a forked process runs `NumpyTrainer.step` on the
indices the DataLoader yielded, and the harness, having run torch's step meanwhile, waits for it and compares
every parameter as before. Nothing about the check changes: the same trainer object (forked), the same
indices, the same comparison of every element after every update; only the two steps overlap in time.

Used by `compare.lockstep.harness.run_parity` for long runs of our own NumPy trainer on the CPU (`use_worker`); a
user's trainer (`numpy_factory`), `--resync` (which writes NumPy's momentum buffers from the harness) and
short runs stay in one process. A failure is replayed in the harness's own process (`compare.lockstep.replay`), as
always. The worker ends with the run; it ignores SIGINT (the harness handles it and closes the worker).
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import platform
import signal
import time
from typing import Any

import numpy as np

from compare.experiment.definition import Experiment

# a run whose NumPy side takes less than this (estimated) stays in one process: forking with torch loaded
# and starting the worker costs ~50 ms on this machine
WORKER_FROM_S = 0.1
STEP_S = 2e-5          # a tiny network's NumPy step (exercise3: ~30 us measured, 20 us on a quiet machine)
FLOPS = 4e9            # NumPy's matrix products on one core, roughly ([784, 512, 256, 10] batch 128: 35 ms)
TORCH_GRAIN = 32768    # torch's intra-op grain size: smaller operations run on one thread whatever the setting


def use_worker(experiment: Experiment, numpy_factory: Any, resync: bool, torch_threads: int = 1) -> bool:
    """Whether `run_parity` runs the NumPy side in a worker: our trainer, no resync, the CPU, an x86-64
    machine (see `NumpyWorker`), at least two cores for this process, `fork` available, a NumPy side long
    enough to pay for the fork, and a torch that will not want the worker's core (one thread, or operations
    below its grain size: with both busy, OpenMP threads waiting for a descheduled sibling slow torch down
    many times over)."""
    e = experiment
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:       # not Linux
        cores = os.cpu_count() or 1
    largest = max(n_in * n_out for n_in, n_out in zip(e.sizes[:-1], e.sizes[1:])) * e.effective_batch_size
    macs = sum(n_in * n_out for n_in, n_out in zip(e.sizes[:-1], e.sizes[1:])) * e.effective_batch_size
    numpy_seconds = e.total_updates * (STEP_S + 6 * macs / FLOPS)     # forward 2 flops a weight, backward 4
    return (numpy_factory is None and not resync and e.device == "cpu"
            and platform.machine().lower() in ("x86_64", "amd64") and cores >= 2
            and "fork" in multiprocessing.get_all_start_methods() and numpy_seconds >= WORKER_FROM_S
            and (torch_threads == 1 or largest < TORCH_GRAIN))


def spare_core(window_s: float = 0.05) -> bool:
    """Whether another core is idle right now: measured from /proc/stat over `window_s` (this process is
    asleep meanwhile, so its own core counts as idle too: we need 1.5 idle cores). The worker and the
    harness poll shared memory; on a machine whose cores are all taken (a CI runner, a parallel build) they
    would fight the other work and the torch step for the CPU (measured: a lockstep run 3-7x SLOWER with
    the worker than without it, with one other busy process on 2 cores), so then the run stays in one
    process. Where /proc/stat is missing, the 1-minute load average stands in."""
    def idle_and_total() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields[:8])      # idle + iowait; user..steal
    try:
        cores = len(os.sched_getaffinity(0))
        idle0, total0 = idle_and_total()
        time.sleep(window_s)
        idle1, total1 = idle_and_total()
        machine = os.cpu_count() or cores
        idle_cores = (idle1 - idle0) / max(1, total1 - total0) * machine
    except (OSError, ValueError, IndexError, AttributeError):
        try:
            return os.getloadavg()[0] <= (os.cpu_count() or 1) - 1.5
        except OSError:
            return False
    return idle_cores >= 1.5 and cores >= 2


def shared_array(size: int, dtype: np.dtype) -> np.ndarray:
    """A zeroed 1-D array in anonymous shared memory: a forked child writes, the parent reads the same bytes."""
    buffer = mmap.mmap(-1, max(1, size * np.dtype(dtype).itemsize))    # MAP_SHARED | MAP_ANONYMOUS
    return np.frombuffer(buffer, dtype=dtype, count=size)


class NumpyWorker:
    """A forked process that runs `trainer.step(indices)` when asked (`start`), and says when it is done
    (`wait`). `trainer.theta` must be a `shared_array`, or the parent never sees the updates.

    The two processes talk through a small block of shared memory, not a pipe: a pipe's write wakes the
    sleeping worker through the kernel, which on this machine (a VM) cost ~28 us per update, a tenth of
    exercise3's torch step; a store to shared memory that the worker is polling costs nothing. The worker
    polls for `SPIN_S` after each step (the next request comes within one torch step) and then sleeps
    between polls, so a pause of the harness (a loss line, a failure's replay) does not keep a core busy.
    Stores to memory become visible in program order on x86-64 (TSO), which this protocol relies on
    (`use_worker` checks the machine)."""

    def __init__(self, trainer: Any, max_batch: int):
        self._control = shared_array(_INDICES + max_batch, np.dtype(np.int64))
        self._seq = 0
        context = multiprocessing.get_context("fork")
        self._errors, outbox = context.Pipe(duplex=False)      # the worker's error text, if it fails
        self.process = context.Process(target=_serve, args=(trainer, self._control, outbox, os.getpid()),
                                       daemon=True, name="compare-numpy-worker")
        self.process.start()
        outbox.close()

    def start(self, indices: np.ndarray) -> None:
        """Begin one NumPy step on the rows `indices`."""
        control = self._control
        n = len(indices)
        control[_INDICES:_INDICES + n] = indices
        control[_LENGTH] = n
        self._seq += 1
        control[_REQUEST] = self._seq          # last: the worker reads the indices after seeing this

    def wait(self) -> None:
        """Block until the step begun by `start` is done (its parameters are then in the shared theta)."""
        control, seq = self._control, self._seq
        polls = 0
        while control[_REPLY] != seq:
            polls += 1
            if polls % 4096 == 0:
                if control[_REPLY] == _FAILED or not self.process.is_alive():
                    raise RuntimeError(self._failure())
                time.sleep(0)                  # yield the core to whoever else needs it

    def _failure(self) -> str:
        text = self._errors.recv_bytes().decode() if self._errors.poll(1) else ""
        return f"the NumPy worker process failed: {text or f'exit code {self.process.exitcode}'}"

    def close(self) -> None:
        """End the worker (it is idle between steps)."""
        self._control[_REQUEST] = _STOP
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        self._errors.close()


# the control block, int64 slots: request number, reply number, batch length, then the indices
_REQUEST, _REPLY, _LENGTH, _INDICES = 0, 1, 2, 8
_STOP, _FAILED = -1, -2
SPIN_S = 0.002


def _serve(trainer: Any, control: np.ndarray, outbox: Any, parent: int) -> None:
    """The worker's loop: poll for a new request number, step on its indices, post the same number back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # Ctrl-C reaches the whole group: the harness decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)     # not the harness's handler (compare.cli.runner.guarded)
    step = trainer.step
    seen = 0
    with np.errstate(over="ignore"):                  # the sigmoid's harmless overflow, as in run_parity
        while True:
            idle_since = time.perf_counter()
            polls = 0
            while control[_REQUEST] == seen:
                polls += 1
                if polls % 1024 == 0:
                    if os.getppid() != parent:        # the harness died without closing us
                        return
                    if time.perf_counter() - idle_since > SPIN_S:
                        time.sleep(0.0005)
            request = int(control[_REQUEST])
            if request == _STOP:
                return
            seen = request
            try:
                step(control[_INDICES:_INDICES + int(control[_LENGTH])].copy())
            except Exception as exc:  # noqa: BLE001 -- reported to the harness, which raises it
                outbox.send_bytes(f"{type(exc).__name__}: {exc}".encode())
                control[_REPLY] = _FAILED
                return
            control[_REPLY] = seen
