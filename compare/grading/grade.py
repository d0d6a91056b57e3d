"""A class graded: every submission judged in parallel (`--jobs`), results in the order given.

Each job is one submission, judged by `compare.grading.judge.grade_submission` in a worker process (forked,
so it starts in milliseconds with the judge already imported) or, with one job, in this process. Everything
the judge needs is imported before the first submission runs: a submission cannot change what the grader
imports later by writing to the disk meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_all_start_methods, get_context
from typing import Any

from compare.grading.isolate import Limits
from compare.grading.judge import Prepared, Submission, grade_submission
from compare.running.parallel import resolve_jobs


def _preload(reference: str) -> None:
    import compare.diagnosis.stagecheck  # noqa: F401
    import compare.diagnosis.stages  # noqa: F401
    import compare.lockstep.replay  # noqa: F401
    import compare.usercode.check  # noqa: F401
    import numpy_impl.trainer  # noqa: F401
    if reference == "torch":
        import torch

        import compare.lockstep.harness  # noqa: F401
        import torch_impl.trainer  # noqa: F401
        torch.set_num_threads(1)   # the jobs are the parallelism


def _job(item: tuple[Submission, list[Prepared], Limits]) -> dict[str, Any]:
    return grade_submission(*item)


def grade_class(submissions: list[Submission], checks: list[Prepared], limits: Limits, *, reference: str,
                jobs: int | None = None, on_done: Callable[[dict[str, Any]], None] | None = None
                ) -> list[dict[str, Any]]:
    """The results of every submission, in the order of `submissions`; `on_done` is called as each ends."""
    _preload(reference)
    items = [(s, checks, limits) for s in submissions]
    workers = min(resolve_jobs(jobs), len(items))
    if workers <= 1:
        out = []
        for item in items:
            out.append(_job(item))
            if on_done is not None:
                on_done(out[-1])
        return out
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    results: list[dict[str, Any] | None] = [None] * len(items)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method)) as pool:
        futures = {pool.submit(_job, item): k for k, item in enumerate(items)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if on_done is not None:
                on_done(future.result())
    return [r for r in results if r is not None]
