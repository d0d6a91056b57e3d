"""The grader itself killed outright (SIGKILL: an OOM kill, a CI timeout) or interrupted (SIGTERM): every
judge it forked and every submission process ends within 2 s, and the judges' temporary folders go with them.
Fast enough for the mutation map of `compare/grading/grade.py` (the judge's parent-death signal, the sweep of
its folders); `tests/test_sandbox.py` covers the same under bubblewrap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_grading import ROOT, RUBRIC
from tests.test_sandbox import settle

SLEEPER = """
import time


def backward(weights, biases, activations, targets):
    time.sleep(120)
"""
DEADLINE_S = 2.0


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` now (from /proc's parent links)."""
    parent_of: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent_of[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent_of.items() if pp == p]
        found.update(kids)
        todo.extend(kids)
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for p in pids:
        try:
            if Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                alive.add(p)
        except OSError:
            pass
    return alive


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_the_grader_killed_takes_every_judge_and_submission_along(tmp_path: Path, sig: int) -> None:
    for k in range(2):
        (tmp_path / f"s{k}.py").write_text(SLEEPER)
    rubric = tmp_path / "r.toml"
    rubric.write_text(RUBRIC)
    before_tmp = set(str(p) for p in Path("/tmp").glob("grade-*"))
    proc = subprocess.Popen([sys.executable, "-m", "compare", "grade", str(tmp_path), "--rubric", str(rubric),
                             "--jobs", "2", "--sandbox", "none", "--timeout", "60"],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        below: set[int] = set()
        ends = time.monotonic() + 60
        while len(below) < 4 and time.monotonic() < ends:     # two judges, each with its submission's process
            time.sleep(0.1)
            below = _descendants(proc.pid)
        assert len(below) >= 4, below
        time.sleep(0.5)
        below = _descendants(proc.pid)
        proc.send_signal(sig)
        proc.wait(timeout=30)
        gone_by = time.monotonic() + DEADLINE_S
        while _alive(below) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert _alive(below) == set()
        assert settle(before_tmp, seconds=5.0)["tmp"] == []
    finally:
        for p in _alive(_descendants(proc.pid)):
            os.kill(p, signal.SIGKILL)
        proc.kill()


def _children(pid: int) -> set[int]:
    return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc's children lists are Linux's")
def test_judges_that_cannot_end_on_sigterm_are_killed_and_their_folders_swept(tmp_path: Path) -> None:
    """Judges stopped (SIGSTOP) cannot clean up on the grader's SIGTERM: after its grace (5 s) the grader
    kills them, and then removes what they left, their temporary folders (`grade-<judge pid>-*`)."""
    for k in range(2):
        (tmp_path / f"s{k}.py").write_text(SLEEPER)
    rubric = tmp_path / "r.toml"
    rubric.write_text(RUBRIC)
    proc = subprocess.Popen([sys.executable, "-m", "compare", "grade", str(tmp_path), "--rubric", str(rubric),
                             "--jobs", "2", "--sandbox", "none", "--timeout", "60"],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ends = time.monotonic() + 60
        folders: list[Path] = []
        while len(folders) < 2 and time.monotonic() < ends:   # each judge has made its folder and started
            time.sleep(0.1)
            judges = _children(proc.pid)
            folders = [f for j in judges for f in Path("/tmp").glob(f"grade-{j}-*")]
        assert len(folders) >= 2, (judges, folders)
        time.sleep(0.5)
        below = _descendants(proc.pid)
        for j in judges:
            os.kill(j, signal.SIGSTOP)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 143
        assert [f for f in folders if f.exists()] == []
        gone_by = time.monotonic() + DEADLINE_S
        while _alive(below) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert _alive(below) == set()
    finally:
        for p in _alive(_descendants(proc.pid)):
            os.kill(p, signal.SIGKILL)
        proc.kill()
