"""Commands with worker processes (`--jobs`: `--mode all`, `report`, the check suite) stop when told and never
outlive their parent: SIGTERM / SIGINT / SIGHUP to the command ends every worker within 2 s, exit 143 / 130 /
129, nothing written; the command killed outright (SIGKILL) leaves no worker alive 2 s later; a worker itself
dies on SIGTERM. The processes are counted from /proc (Linux)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compare.running.parallel import map_jobs

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="counts processes in /proc (Linux)")
DEADLINE_S = 2.0
STATUS = {signal.SIGTERM: (143, "terminated (SIGTERM)"), signal.SIGINT: (130, "interrupted (SIGINT)"),
          signal.SIGHUP: (129, "hung up (SIGHUP)")}
SLOW_BACKWARD = '''
import time

def backward(weights, biases, activations, targets):
    time.sleep(0.05)          # slow enough that the suite's jobs are still running when the signal comes
    B = targets.shape[0]
    A = activations[-1]
    delta = (A - targets) * A * (1 - A)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        dW[l] = activations[l].T @ delta / B
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l:
            delta = (delta @ weights[l].T) * activations[l] * (1 - activations[l])
    return dW, db
'''


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat's fields from the state on (state, ppid, ...), or None for a process that is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")     # a zombie has ended: only its entry is left


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                found.append(int(entry.name))
    return found


def start_with_workers(args: list[str], workers: int = 2, **kwargs) -> tuple[subprocess.Popen, list[int]]:
    """Start `python ARGS` and wait until it has `workers` worker processes working (a moment after they
    appear). SIGINT is reset to its default in the child: a test runner started in the background may ignore
    it, and Python installs its handler only when SIGINT is not ignored."""
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kwargs)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = children(proc.pid)
        if len(found) >= workers:
            time.sleep(0.5)
            return proc, children(proc.pid)
        if proc.poll() is not None:
            raise AssertionError(f"exited ({proc.returncode}) before its workers started: {proc.stderr.read()}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"never had {workers} workers")


def gone_within(pids: list[int], seconds: float) -> list[int]:
    """The pids still alive after `seconds` (polling)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return []
        time.sleep(0.02)
    return [p for p in pids if alive(p)]


def stop(proc: subprocess.Popen, sig: int, workers: list[int]) -> tuple[int, str]:
    """Send `sig` to the command; its exit status and stderr. Fails unless the workers are gone and the
    command has ended within DEADLINE_S (whatever is left is killed, so that a failure leaves nothing)."""
    proc.send_signal(sig)
    left = gone_within(workers, DEADLINE_S)
    try:
        proc.wait(timeout=DEADLINE_S - 0.5 if not left else 0.1)
        ended = True
    except subprocess.TimeoutExpired:
        ended = False
    cleanup(proc, workers)
    _, err = proc.communicate()
    assert left == [], f"workers {left} still alive {DEADLINE_S} s after {signal.Signals(sig).name}"
    assert ended, f"the command still ran {DEADLINE_S} s after {signal.Signals(sig).name}"
    return proc.returncode, err


def cleanup(proc: subprocess.Popen, workers: list[int]) -> None:
    """Kill what a failing check left running (the workers first: they hold the command's pipes)."""
    for pid in workers:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()


def killed(proc: subprocess.Popen, workers: list[int]) -> list[int]:
    """SIGKILL to the command: the workers still alive DEADLINE_S later."""
    proc.kill()
    proc.wait()
    left = gone_within(workers, DEADLINE_S)
    cleanup(proc, workers)
    proc.communicate()
    return left


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_ends_mode_all_and_every_worker(sig):
    proc, workers = start_with_workers(["-m", "compare", "exercise3", "--mode", "all", "--epochs", "200000",
                                        "--jobs", "2"])
    assert len(workers) == 2
    code, err = stop(proc, sig, workers)
    status, words = STATUS[sig]
    assert code == status, err
    assert err.splitlines()[-1] == f"{words}: nothing half-written was left behind", err
    assert "Traceback" not in err
    assert children(proc.pid) == []


def test_sigkill_to_the_command_takes_its_workers_along():
    proc, workers = start_with_workers(["-m", "compare", "exercise3", "--mode", "all", "--epochs", "200000",
                                        "--jobs", "2"])
    left = killed(proc, workers)
    assert left == [], f"workers {left} outlived their killed parent by {DEADLINE_S} s"


def test_sigterm_ends_the_report_and_writes_nothing(tmp_path):
    out = tmp_path / "report"
    proc, workers = start_with_workers(["-m", "compare", "report", "--jobs", "2", "--seeds", "3", "--epochs",
                                        "200000", "--out", str(out)])
    code, err = stop(proc, signal.SIGTERM, workers)
    assert code == 143, err
    assert list(tmp_path.iterdir()) == []          # no report, no temporary folder


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_ends_the_check_suite_and_its_workers(tmp_path, sig):
    mine = tmp_path / "mine.py"
    mine.write_text(SLOW_BACKWARD)
    proc, workers = start_with_workers(["-m", "compare", "check", str(mine), "--jobs", "2"])
    code, err = stop(proc, sig, workers)
    assert code == STATUS[sig][0], err
    assert "Traceback" not in err


def test_sigkill_to_the_check_suite_takes_its_workers_along(tmp_path):
    mine = tmp_path / "mine.py"
    mine.write_text(SLOW_BACKWARD)
    proc, workers = start_with_workers(["-m", "compare", "check", str(mine), "--jobs", "2"])
    assert killed(proc, workers) == []


def test_a_worker_does_not_ignore_sigterm():
    proc, workers = start_with_workers(["-m", "compare", "exercise3", "--mode", "all", "--epochs", "200000",
                                        "--jobs", "2"])
    os.kill(workers[0], signal.SIGTERM)
    ignored = gone_within(workers[:1], DEADLINE_S)
    try:
        # the command cannot finish without it: it says so and ends, taking the other worker along
        proc.wait(timeout=30)
        left = gone_within(workers, DEADLINE_S)
    except subprocess.TimeoutExpired:
        left = workers
    cleanup(proc, workers)
    _, err = proc.communicate()
    assert ignored == [], "a worker ignored SIGTERM"
    assert left == [] and proc.returncode == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def _threads(_: int) -> tuple[int, list[int]]:
    import torch
    from threadpoolctl import threadpool_info
    return torch.get_num_threads(), [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_each_worker_computes_on_one_thread_and_the_caller_keeps_its_own():
    torch = pytest.importorskip("torch")
    threadpoolctl = pytest.importorskip("threadpoolctl")
    threads = torch.get_num_threads()
    torch.set_num_threads(2)                           # the caller with two threads in each library
    try:
        with threadpoolctl.threadpool_limits(2, user_api="blas"):
            before = _threads(0)
            results = map_jobs(_threads, range(2), jobs=2)
            after = _threads(0)
    finally:
        torch.set_num_threads(threads)
    assert before == after == (2, [2] * len(before[1])) and before[1], before
    assert results == [(1, [1] * len(before[1]))] * 2, results
