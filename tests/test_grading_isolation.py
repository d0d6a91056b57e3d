"""Isolation underneath `grade`: the pipe's framing and its refusals, `check --isolate` and `--timeout`, a
judge stopped by its submission, the pids control group."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from compare.grading import wire
from tests.test_grading import CLASS, ROOT, RUBRIC


def roundtrip(header: dict, arrays: list[np.ndarray]) -> tuple[dict, list[np.ndarray]]:
    r, w = os.pipe()
    try:
        wire.write_message(w, header, arrays)
        os.close(w)
        w = -1
        return wire.read_message(r, None)
    finally:
        os.close(r)
        if w != -1:
            os.close(w)


def raw(data: bytes) -> Exception:
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    try:
        wire.read_message(r, None)
    except Exception as exc:
        return exc
    finally:
        os.close(r)
    raise AssertionError("accepted")


def test_wire_round_trip_and_refusals() -> None:
    a = np.arange(6.0).reshape(2, 3)
    header, arrays = roundtrip({"op": "x"}, [a, np.float32([1.5]), np.zeros((0, 2))])
    assert header["op"] == "x" and type(arrays[0]) is np.ndarray and arrays[0].flags.writeable
    assert np.array_equal(arrays[0], a) and arrays[1].dtype == np.float32 and arrays[2].shape == (0, 2)
    head = b'{"arrays": [["|O", [1]]]}'
    assert "bad array description" in str(raw(wire.MAGIC + len(head).to_bytes(4, "big") + head))
    assert "bad magic" in str(raw(b"\x80\x04\x95pickle!!"))
    head = b'{"arrays": [["<f8", [1000000, 1000000]]]}'
    assert "more than" in str(raw(wire.MAGIC + len(head).to_bytes(4, "big") + head))
    head = b'{"arrays": [["<f8", [4]]]}'
    assert isinstance(raw(wire.MAGIC + len(head).to_bytes(4, "big") + head + b"\0" * 8), wire.Closed)


def test_check_isolate_and_timeout(capsys: pytest.CaptureFixture) -> None:
    from compare.cli.cmd_check import main as check

    assert check([str(CLASS / "right.py"), "exercise3", "--epochs", "20", "--isolate", "--quiet"]) == 0
    out = capsys.readouterr()
    assert "check OK" in out.out and "debug: backward called" in out.err   # its own output, from its own process
    assert check([str(CLASS / "wrong_batch.py"), "exercise2", "--mode", "batch", "--epochs", "5", "--isolate"]) == 1
    assert "yours = torch's x 2" in capsys.readouterr().err
    cases = [([str(CLASS / "hostile_loop.py"), "--timeout", "1", "--isolate"], "ran past its time limit (1 s"),
             ([str(CLASS / "hostile_exit.py"), "--isolate"], "called sys.exit(0) in backward"),
             ([str(CLASS / "hostile_exit.py")], "called sys.exit(0) in backward"),    # in-process: exit 2, not 0
             ([str(CLASS / "right.py"), "--timeout", "0"], "--timeout: expected seconds > 0"),
             ([str(CLASS / "right.py"), "--timeout", "inf"], "--timeout: expected seconds > 0"),
             ([str(CLASS / "right.py"), "--timeout", "nan"], "--timeout: expected seconds > 0")]
    for argv, words in cases:
        assert check(argv + ["--quiet"]) == 2, argv
        err = capsys.readouterr().err
        assert words in err and err.count("error:") == 1, err


def test_check_timeout_in_process_ends_a_file_that_swallows_the_interrupt() -> None:
    # hostile_loop catches every exception, the timeout's included: the watchdog ends the process, exit 2
    run = subprocess.run([sys.executable, "-m", "compare", "check", str(CLASS / "hostile_loop.py"), "--timeout", "1",
                          "--quiet"], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                         cwd=ROOT, timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == 2 and "ran past its time limit (--timeout 1 s) in backward" in run.stderr, run.stderr


def test_a_submission_that_stops_its_judge_loses_its_own_grade_only(tmp_path: Path, monkeypatch) -> None:
    from compare.grading import grade as grading
    from compare.grading.judge import Submission, prepare
    from compare.grading.limits import Limits
    from compare.grading.rubric import load_rubric

    stopper = tmp_path / "stopper.py"
    stopper.write_text("import os, signal\n\ndef backward(w, b, a, t):\n"
                       "    os.kill(os.getppid(), signal.SIGSTOP)\n    while True:\n        pass\n")
    rubric = tmp_path / "r.toml"
    rubric.write_text(RUBRIC)
    checks = prepare(load_rubric(rubric), 11, "numpy")
    monkeypatch.setattr(grading, "JUDGE_SLACK_S", 1.0)
    before = set(grading.processes.children())
    done = []
    results = grading.grade_class([Submission("stopper.py", stopper), Submission("right.py", CLASS / "right.py")],
                                  checks, Limits(timeout=2), reference="numpy", jobs=2, on_done=done.append)
    assert [(r["file"], r["score"], r["verdict"]) for r in results] == [("stopper.py", 0.0, "error"),
                                                                         ("right.py", 4.0, "pass")]
    assert "did not finish in time" in results[0]["reason"] and len(done) == 2
    assert set(grading.processes.children()) <= before      # its stopped judge and its submission: ended


def test_pids_group_binds_and_is_removed() -> None:
    from compare.grading import processes

    group = processes.PidsGroup(3)
    if group.path is None:
        pytest.skip("no pids control group can be made here (not root, or no pids controller)")
    path = group.path
    forker = ("import os, sys, time\nsys.stdin.readline()\nn = 0\ntry:\n    while n < 50:\n"
              "        if os.fork() == 0:\n            time.sleep(30)\n            os._exit(0)\n        n += 1\n"
              "except OSError:\n    pass\nprint(n, flush=True)\ntime.sleep(30)\n")
    proc = subprocess.Popen([sys.executable, "-c", forker], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert group.add(proc.pid)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "2"        # itself + 2 = pids.max 3: the third fork is refused
    finally:
        proc.kill()
        proc.wait()
        group.close()                                        # its forks, orphaned, are killed there too
    assert not path.exists()
    # a judge that was killed leaves its groups behind: removed by the grader, by the judge's pid
    left = processes.PidsGroup(2)
    assert left.path is not None and left.path.exists()
    processes.remove_groups_of(os.getpid())
    assert not left.path.exists()
