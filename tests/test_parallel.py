"""`compare.running.parallel.map_jobs`: the results of a serial loop, in input order, whatever the job count."""

import os

import numpy as np
import pytest

from compare.errors import ExperimentError
from compare.running.parallel import available_cores, map_jobs, resolve_jobs


def _pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def _train_like(seed: int) -> bytes:
    # a computation whose result depends on every step, so a mixed-up order or a shared RNG would show
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((8, 8))
    for _ in range(50):
        W = np.tanh(W @ W.T / 8 + rng.standard_normal((8, 8)) * 0.01)
    return W.tobytes()


def _fails_on_three(x: int) -> int:
    if x == 3:
        raise ValueError(f"job {x} failed")
    return x


def test_results_in_input_order_and_bit_identical_to_serial():
    serial = map_jobs(_train_like, range(6), jobs=1)
    parallel = map_jobs(_train_like, range(6), jobs=2)
    assert serial == parallel == [_train_like(s) for s in range(6)]


def test_jobs_2_uses_other_processes_and_jobs_1_this_one():
    assert {pid for pid, _ in map_jobs(_pid_and_square, range(4), jobs=1)} == {os.getpid()}
    results = map_jobs(_pid_and_square, range(4), jobs=2)
    assert [sq for _, sq in results] == [0, 1, 4, 9]
    assert os.getpid() not in {pid for pid, _ in results}


def test_an_exception_in_a_job_reaches_the_caller():
    with pytest.raises(ValueError, match="job 3 failed"):
        map_jobs(_fails_on_three, range(5), jobs=2)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_job_counts_are_refused(bad):
    with pytest.raises(ExperimentError, match="--jobs"):
        resolve_jobs(bad)


def test_default_is_the_cores_this_process_may_use():
    assert resolve_jobs(None) == available_cores() == len(os.sched_getaffinity(0))
