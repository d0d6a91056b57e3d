"""What a submission may use (compare/grading/limits.py), as docs/grading.md states it: 60 s in all, 1024 MB,
16 more processes, the wall clock bounded at 3 x the timeout + 10 s where the timeout counts CPU seconds; the
command that starts its process (its CPU rlimit the timeout rounded up + 1 s, its process limit the user's own
processes + 16, or 1 + 16 under a user id of its own); an environment with nothing of the grader's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from compare.grading import limits as limits_module
from compare.grading import processes
from compare.grading.limits import Limits, SubmissionEnded, child_command, child_environment
from compare.sandbox import jail as jail_module
from compare.sandbox import policy as policy_module


def test_the_documented_defaults_and_the_wall_bound():
    d = Limits()
    assert (d.timeout, d.memory_mb, d.processes, d.sandbox, d.imports) == (60.0, 1024, 16, "none", ("numpy",))
    assert d.output_bytes == 4000
    assert d.wall == 190.0 and Limits(timeout=2.5).wall == 17.5 and Limits(timeout=0.5).wall == 11.5
    assert limits_module.MIN_MEMORY_MB == 256


def test_a_submission_ended_says_how_and_why():
    exc = SubmissionEnded("memory", "ran out of memory (1024 MB)")
    assert (exc.kind, exc.reason, str(exc)) == ("memory", "ran out of memory (1024 MB)", "ran out of memory (1024 MB)")


def test_the_environment_holds_nothing_of_the_graders():
    assert child_environment("/tmp/x") == {"PATH": os.defpath, "HOME": "/tmp/x", "TMPDIR": "/tmp/x",
                                           "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                                           "MKL_NUM_THREADS": "1"}


@pytest.mark.parametrize("timeout, cpu", [(2.0, "3"), (2.2, "4"), (0.5, "2"), (60.0, "61")])
def test_the_plain_command(monkeypatch, timeout, cpu):
    monkeypatch.setattr(processes, "user_processes", lambda: 7)
    argv, home, jail = child_command(Limits(timeout=timeout, memory_mb=700, processes=5), 11, 12, "/tmp/w")
    child = str(Path(limits_module.__file__).parent / "child.py")
    assert argv == [sys.executable, "-I", "-B", "-u", child, "11", "12", "700", cpu, "12", "-1", ""]
    assert (home, jail) == ("/tmp/w", None)
    other = Path("/x/layers/child.py")
    assert child_command(Limits(), 1, 2, "/t", other)[0][4] == str(other)


class _Jail:
    made: list = []

    def __init__(self, policy):
        self.policy, self.closed, self.own_uid = policy, False, _Jail.own_uid
        _Jail.made.append(self)

    def command(self, here, args, script):
        if _Jail.fail:
            raise OSError("no bwrap")
        return ["bwrap", str(here), *args, script]

    def close(self):
        self.closed = True


@pytest.mark.parametrize("own_uid, nproc", [(True, "6"), (False, "12")])
def test_the_sandboxed_command(monkeypatch, own_uid, nproc):
    monkeypatch.setattr(processes, "user_processes", lambda: 7)
    monkeypatch.setattr(jail_module, "Jail", _Jail)
    monkeypatch.setattr(policy_module, "build", lambda imports, memory, procs: SimpleNamespace(
        work="/tmp", built=(imports, memory, procs)))
    _Jail.own_uid, _Jail.fail, _Jail.made = own_uid, False, []
    here = Path(limits_module.__file__).parent
    limits = Limits(timeout=2.2, memory_mb=700, processes=5, sandbox="bwrap", imports=("numpy", "scipy"))
    argv, home, jail = child_command(limits, 3, 4, "/ignored")
    assert argv == ["bwrap", str(here), "3", "4", "700", "4", nproc, "child.py"]
    assert home == "/tmp" and jail is _Jail.made[0] and jail.policy.built == (("numpy", "scipy"), 700, 5)
    assert child_command(limits, 3, 4, "/x", here / "layers" / "child.py")[0][-1] == "layers/child.py"
    _Jail.fail = True
    with pytest.raises(OSError):
        child_command(limits, 3, 4, "/ignored")
    assert _Jail.made[-1].closed and not _Jail.made[0].closed

