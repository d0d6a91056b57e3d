"""Whole runs in parallel processes: `--jobs N` for every command that runs several independent experiments.

Each job is a whole, independent computation (one run, one check), so the processes share nothing while they
work, and only the finished results travel back (pickled plain data). The order of the results is the order of
the inputs, whatever order the jobs finish in. Each process does exactly what the serial loop would do, in its
own interpreter, on one thread: the jobs are the parallelism. torch's intra-op pool and NumPy's BLAS pool are
pinned to one thread in every worker (two workers on two cores never queue four threads that spin while they
wait for a core: measured, that halves the CPU time of `compare blobs --mode all` on a busy machine), and in
the serial loop of several jobs too (`one_thread_each`), so the numbers are the same, bit for bit, whatever
`--jobs` says (tests/test_jobs.py, tests/test_kernels.py).

A worker never outlives the command, however the command ends:
- a signal to the command (SIGINT, SIGTERM, SIGHUP: `compare.exits` raises it as `Interrupted` in the main
  thread, which waits here) ends every worker before the exception goes on (SIGTERM, then SIGKILL for one
  that is still there after a second), so the command exits 130 / 143 / 129 at once; nothing is written by a
  worker, so nothing is half-written;
- SIGTERM or SIGHUP sent to a worker itself ends it (the default action; a worker never ignores them); SIGINT
  is ignored there, because Ctrl-C reaches the whole process group and the command, which gets it too, ends
  its workers itself and says so;
- the command killed outright (SIGKILL, the kernel's OOM killer, a CI timeout) takes its workers with it: each
  asks Linux for SIGKILL when its parent dies (`prctl(PR_SET_PDEATHSIG)`); elsewhere a thread in each worker
  watches for the parent's end (its parent pid changing) and ends the worker within a fraction of a second.

`jobs=1` runs in this process, one after another (no pool, no pickling): the reference the tests hold the
parallel path to, and what a debugger wants.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import TypeVar

from compare.errors import ExperimentError

T = TypeVar("T")
R = TypeVar("R")

PR_SET_PDEATHSIG = 1          # <linux/prctl.h>
GRACE_S = 1.0                 # SIGTERM, then this long, then SIGKILL for a worker still there


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

    `fn` must be a module-level function and the items and results picklable. An exception raised by `fn`
    for any item is raised here, the first in input order; the jobs still in flight are then ended, as they
    are when anything else (our signal) interrupts the wait. Processes are forked where the platform allows
    it (no re-import of the caller's modules, which keeps a job's start-up to milliseconds), spawned
    elsewhere."""
    work: Sequence[T] = list(items)
    workers = min(resolve_jobs(jobs), len(work))
    if workers <= 1:
        with one_thread_each(len(work)):
            return [fn(item) for item in work]
    method = "fork" if "fork" in _start_methods() else "spawn"
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method), initializer=worker_start,
                               initargs=(os.getpid(),))
    try:
        futures = [pool.submit(fn, item) for item in work]
        results = [future.result() for future in futures]
    except BaseException:
        end_workers(pool)
        raise
    pool.shutdown(wait=True)
    return results


def end_workers(pool: ProcessPoolExecutor) -> None:
    """End every worker of `pool` now: SIGTERM, SIGKILL for one still alive after `GRACE_S`, each reaped.
    (The executor has no public way to stop a running job: its `shutdown` waits for them.)"""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + GRACE_S
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(GRACE_S)


def worker_start(parent: int) -> None:
    """Run first in every worker: its signals, its tie to the parent, its one thread."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)    # a fork inherits the command's handlers; a worker dies
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # the command gets Ctrl-C too, and ends us
    die_with_parent(parent)
    one_thread()


def die_with_parent(parent: int) -> None:
    """SIGKILL for this process when `parent` ends (Linux: PR_SET_PDEATHSIG; elsewhere a watching thread). For
    any process we fork that must not outlive us; call it first thing in the child, with the parent's pid
    taken before the fork."""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:       # the parent ended before the request took effect
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch, args=(parent,), name="watch-parent", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def one_thread() -> None:
    """torch's intra-op threads and NumPy's BLAS pool to one thread in this process (a worker: the jobs are
    the parallelism), for good. A torch imported later starts with one thread too (OMP_NUM_THREADS)."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = "1"
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:      # NumPy's pool then keeps its size (threadpoolctl is in requirements.txt)
        return
    threadpool_limits(1, user_api="blas")


@contextmanager
def one_thread_each(jobs: int) -> Iterator[None]:
    """Around the serial loop of a command that runs `jobs` independent jobs in this process (`--jobs 1`):
    with several, each computes on one thread here too, as it would in a worker, so that `--jobs 1` and
    `--jobs N` give the same numbers bit for bit (a network wide enough for torch or the BLAS to split an
    operation across threads rounds differently on one: `blobs`' full batch does). Restored afterwards. A
    single job keeps the libraries' own settings."""
    torch = sys.modules.get("torch") if jobs > 1 else None
    before = torch.get_num_threads() if torch is not None else None
    limiter = None
    if jobs > 1:
        if torch is not None:
            torch.set_num_threads(1)
        try:
            from threadpoolctl import threadpool_limits
            limiter = threadpool_limits(1, user_api="blas")
        except ImportError:
            pass
    try:
        yield
    finally:
        if before is not None:
            torch.set_num_threads(before)
        if limiter is not None:
            limiter.restore_original_limits()


def _start_methods() -> list[str]:
    import multiprocessing
    return multiprocessing.get_all_start_methods()
