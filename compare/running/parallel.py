"""Whole runs in parallel processes: `--jobs N` for every command that runs several independent experiments.

Each job is a whole, independent computation (one run, one check, one submission), so the processes share
nothing while they work and the results are the same numbers, bit for bit, as a serial run: each process does
exactly what the serial loop would do, in its own interpreter, and only the finished results travel back
(pickled plain data). The order of the results is the order of the inputs, whatever order the jobs finish in.

`jobs=1` runs in this process, one after another (no pool, no pickling): the reference the tests hold the
parallel path to, and what a debugger wants.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

from compare.errors import ExperimentError

T = TypeVar("T")
R = TypeVar("R")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which a container or `taskset` may restrict),
    not the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:        # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_jobs(jobs: int | None) -> int:
    """`--jobs`: None means every core this process may use; otherwise at least 1."""
    if jobs is None:
        return available_cores()
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ExperimentError(f"--jobs: expected a whole number >= 1, found {jobs!r}")
    return jobs


def map_jobs(fn: Callable[[T], R], items: Iterable[T], jobs: int | None = None) -> list[R]:
    """[fn(item) for item in items], computed by up to `jobs` processes; results in the order of `items`.

    `fn` must be a module-level function and the items and results picklable. An exception raised by
    `fn` for any item is raised here, the first in input order, after the jobs in flight have finished.
    Processes are forked where the platform allows it (no re-import of the caller's modules, which keeps a
    job's start-up to milliseconds), spawned elsewhere."""
    work: Sequence[T] = list(items)
    workers = min(resolve_jobs(jobs), len(work))
    if workers <= 1:
        return [fn(item) for item in work]
    method = "fork" if "fork" in _start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method)) as pool:
        futures = [pool.submit(fn, item) for item in work]
        return [future.result() for future in futures]


def _start_methods() -> list[str]:
    import multiprocessing
    return multiprocessing.get_all_start_methods()
