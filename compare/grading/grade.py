"""A class graded: every submission judged in parallel (`--jobs`), results in the order given.

Each submission is judged by `compare.grading.judge.grade_submission` in a judge process of its own, forked
from this one (milliseconds: the judge is already imported), at most `jobs` at a time; the judge sends its
result back as JSON. A judge that dies (a submission may signal the processes of its user) or outlives its
deadline costs that submission alone: its result is an `error` saying so, and the others are graded. While
the class is graded this process is a child subreaper too, and at the end it ends every process that was
re-parented to it, so nothing outlives the grading even when a judge was killed.

Everything the judge needs is imported before the first submission runs: a submission cannot change what
the grader imports later by writing to the disk meanwhile. Where processes cannot be forked, the judging
happens here, one submission after another.

Nothing is left behind when the grader is interrupted (SIGINT, SIGTERM) or killed: its judges are asked to
end (SIGTERM: each ends its submission's sandbox, control group and temporary folder) and killed if they
do not within a few seconds, and whatever a killed judge left (`remove_leftovers`) is removed; a judge
whose grader was killed is sent SIGTERM by the kernel (parent-death signal) and cleans up the same way.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.connection import Connection, wait
from typing import Any

from compare.grading import processes
from compare.grading.judge import Prepared, Submission, grade_submission
from compare.grading.limits import Limits
from compare.running.parallel import resolve_jobs

# a judge's own time beyond its submission's limit: drawing nothing, judging (torch included) a few seconds
JUDGE_SLACK_S = 120.0


def _preload(reference: str) -> None:
    import compare.diagnosis.stagecheck  # noqa: F401
    import compare.diagnosis.stages  # noqa: F401
    import compare.grading.layers.grade  # noqa: F401
    import compare.layers.check  # noqa: F401
    import compare.lockstep.replay  # noqa: F401
    import compare.usercode.check  # noqa: F401
    import numpy_impl.trainer  # noqa: F401
    if reference == "torch":
        import torch

        import compare.lockstep.harness  # noqa: F401
        import torch_impl.trainer  # noqa: F401
        torch.set_num_threads(1)   # the jobs are the parallelism


PR_SET_PDEATHSIG = 1
STOP_GRACE_S = 5.0   # a judge asked to end, before it is killed


def _judge(conn: Connection, item: tuple[Submission, list[Prepared], Limits], parent: int) -> None:
    """The judge process: grade one submission, send the result as JSON, end."""
    code = 0
    processes.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)   # the grader killed: end (and clean up) too
    if os.getppid() != parent:   # it died before that was set
        os._exit(1)
    try:
        conn.send_bytes(json.dumps(grade_submission(*item)).encode("utf-8"))
    except BaseException:   # noqa: BLE001 - the parent reports a judge that sent nothing
        code = 1
    finally:
        conn.close()
        os._exit(code)


def _lost(sub: Submission, checks: list[Prepared], why: str) -> dict[str, Any]:
    """The result of a submission whose judge process was lost."""
    return {"file": sub.name, "path": None if sub.path is None else str(sub.path), "score": 0.0,
            "max_score": float(sum(p.check.points for p in checks)), "verdict": "error", "reason": f"{sub.name}: {why}",
            "checks": [{"name": p.check.name, "score": 0.0, "max_score": p.check.points, "verdict": "error",
                        "updates_checked": 0, "message": f"not judged: {why}", "failure": None,
                        "visibility": p.check.visibility} for p in checks], "output": "", "processes_ended": 0}


def grade_class(submissions: list[Submission], checks: list[Prepared], limits: Limits, *, reference: str,
                jobs: int | None = None, on_done: Callable[[dict[str, Any]], None] | None = None
                ) -> list[dict[str, Any]]:
    """The results of every submission, in the order of `submissions`; `on_done` is called as each ends."""
    _preload(reference)
    if limits.sandbox == "bwrap":   # the sandbox's policy (a walk of the system's folders) made once, not per judge
        from compare.sandbox.policy import build
        build(limits.imports, limits.memory_mb, limits.processes)
    workers = min(resolve_jobs(jobs), len(submissions))
    if "fork" not in get_all_start_methods():
        out = []
        for sub in submissions:
            out.append(grade_submission(sub, checks, limits))
            if on_done is not None:
                on_done(out[-1])
        return out
    context = get_context("fork")
    results: list[dict[str, Any] | None] = [None] * len(submissions)
    pending = list(range(len(submissions)))
    running: dict[Connection, tuple[int, Any, float]] = {}
    before = set(processes.children())
    # the wall-clock time a submission may take: its --timeout, or in a sandbox (CPU time) the wall bound
    own = limits.wall if limits.sandbox == "bwrap" else limits.timeout
    with processes.guarding():
        try:
            while pending or running:
                while pending and len(running) < workers:
                    k = pending.pop(0)
                    receive, send = context.Pipe(duplex=False)
                    judge = context.Process(target=_judge, args=(send, (submissions[k], checks, limits),
                                                                 os.getpid()), daemon=True)
                    judge.start()
                    send.close()
                    running[receive] = (k, judge, time.monotonic() + own + JUDGE_SLACK_S)
                soonest = min(deadline for _, _, deadline in running.values())
                for conn in wait(list(running), timeout=max(0.0, soonest - time.monotonic())):
                    k, judge, _ = running.pop(conn)
                    results[k] = _collect(conn, judge, submissions[k], checks)
                    if judge.exitcode != 0:   # its submission's processes were re-parented to us: end them now
                        _end_orphans(before | {j.pid for _, j, _ in running.values()})
                        remove_leftovers(judge.pid)
                    if on_done is not None:
                        on_done(results[k])
                for conn, (k, judge, deadline) in list(running.items()):
                    if time.monotonic() > deadline:   # stopped (SIGSTOP) or stuck: its submission is lost
                        running.pop(conn)
                        judge.kill()
                        judge.join()
                        conn.close()
                        _end_orphans(before | {j.pid for _, j, _ in running.values()})
                        remove_leftovers(judge.pid)
                        results[k] = _lost(submissions[k], checks, "its judge process did not finish in time "
                                                                   "(stopped by the submission?)")
                        if on_done is not None:
                            on_done(results[k])
        finally:
            _stop([judge for _, judge, _ in running.values()])
            _end_orphans(before)
            for _, judge, _ in running.values():
                remove_leftovers(judge.pid)
    return [r for r in results if r is not None]


def _stop(judges: list[Any]) -> None:
    """Ask the judges still running to end (each cleans up its submission), kill those that do not."""
    for judge in judges:
        if judge.is_alive():
            try:
                os.kill(judge.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    ends = time.monotonic() + STOP_GRACE_S
    for judge in judges:
        judge.join(max(0.0, ends - time.monotonic()))
        if judge.is_alive():
            judge.kill()
            judge.join()


def remove_leftovers(pid: int) -> None:
    """What a judge process `pid` that was killed could not remove: its submission's control groups and its
    temporary folders (named after it)."""
    processes.remove_groups_of(pid)
    from compare.sandbox.cgroups import sweep_all
    sweep_all()
    for folder in glob.glob(os.path.join(tempfile.gettempdir(), f"grade-{pid}-*")):
        shutil.rmtree(folder, ignore_errors=True)


def _collect(conn: Connection, judge: Any, sub: Submission, checks: list[Prepared]) -> dict[str, Any]:
    try:
        data = conn.recv_bytes()
    except (EOFError, OSError):
        data = b""
    finally:
        conn.close()
    judge.join()
    if data:
        return json.loads(data.decode("utf-8"))
    code = judge.exitcode
    how = (f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 and
           -code in signal.Signals._value2member_map_ else f"ended with status {code}")
    return _lost(sub, checks, f"its judge process was {how} before it reported (signalled by the submission?)")


def _end_orphans(before: set[int]) -> None:
    """Processes re-parented to us while grading (the strays of a submission whose judge was killed): ended.
    Our children from before the grading are left alone."""
    for _ in range(50):
        strays = [pid for pid in processes.children() if pid not in before]
        if not strays:
            return
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
