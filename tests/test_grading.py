"""`compare grade`: a class of right, wrong and hostile submissions, each in its own limited process.

Right ones full marks, wrong ones less, hostile ones 0 with the reason, no process left behind; bad input
exit 2 with nothing written; the framing refuses what is not ours; the Gradescope autograder runs against a
fake /autograder tree. The class is graded against our NumPy reference (short runs, small limits), once
against torch.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from compare.grading import wire

ROOT = Path(__file__).resolve().parents[1]
CLASS = Path(__file__).with_name("grading_class")
MARK = "h12-stray-marker"

RUBRIC = """
reference = "numpy"
seed = 11
[[check]]
name = "one sample"
experiment = "hiring"
mode = "stochastic"
epochs = 5
[[check]]
name = "batch"
experiment = "exercise2"
mode = "batch"
epochs = 5
points = 2
[[check]]
name = "minibatch"
experiment = "exercise3"
mode = "minibatch"
batch_size = 3
epochs = 3
sizes = [3, 4, 2]
samples = 5
feedback = "verdict"
"""


def grade(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "compare", "grade", *args], capture_output=True, text=True,
                          env=env, cwd=cwd or ROOT, stdin=subprocess.DEVNULL, timeout=300)


def strays() -> list[str]:
    """Command lines of live processes carrying the hostile file's marker."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if MARK in cmd and "pytest" not in cmd and state != "Z":
                found.append(cmd)
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("class")
    folder = tmp / "class"
    shutil.copytree(CLASS, folder)
    (folder / "not_utf8.py").write_bytes(b"def backward(w, b, a, t):\n    return 'caf\xe9'\n")
    (folder / "broken_syntax.py").write_text("def backward(w, b, a, t)\n    return 1\n")
    (folder / "carol").mkdir()
    shutil.copy(CLASS / "right.py", folder / "carol" / "mine.py")     # a folder per student works too
    (tmp / "rubric.toml").write_text(RUBRIC)
    out = {k: tmp / f"out.{k}" for k in ("json", "csv")}
    run = grade(str(folder), "--rubric", str(tmp / "rubric.toml"), "--timeout", "4", "--memory", "512",
                "--jobs", "2", "--json", str(out["json"]), "--csv", str(out["csv"]))
    assert run.returncode == 0, run.stderr
    doc = json.loads(out["json"].read_text())
    return {"run": run, "doc": doc, "by": {s["file"]: s for s in doc["submissions"]},
            "csv": list(csv.DictReader(out["csv"].open())), "strays": strays()}


def test_right_full_marks_wrong_less_hostile_zero(graded: dict) -> None:
    by = graded["by"]
    assert graded["doc"]["seed"] == 11 and graded["doc"]["reference"] == "numpy"
    for name in ("right.py", "right_forward.py", "carol"):
        assert (by[name]["score"], by[name]["max_score"], by[name]["verdict"]) == (4.0, 4.0, "pass"), by[name]
        assert [c["verdict"] for c in by[name]["checks"]] == ["pass"] * 3
    assert by["wrong_sign.py"]["score"] == 0 and by["wrong_sign.py"]["verdict"] == "fail"
    # right for one sample, wrong for batches: partial credit, the first disagreement named
    assert by["wrong_batch.py"]["score"] == 1.0 and by["wrong_batch.py"]["verdict"] == "fail"
    batch = by["wrong_batch.py"]["checks"][1]
    assert batch["failure"]["stage"] == "gradient" and batch["failure"]["parameter"] == "dW3"
    assert "batch size" in batch["message"] and "torch" not in batch["message"]
    assert by["wrong_batch.py"]["checks"][2]["message"] == "disagrees with the reference at update 1"  # verdict only
    # ended in the middle of the second check: the first keeps its point, the second is the error, the third not run
    late = by["crashes_late.py"]
    assert (late["score"], late["verdict"]) == (1.0, "error")
    assert [c["verdict"] for c in late["checks"]] == ["pass", "error", "error"]
    assert "exited with status 3 in backward" in late["checks"][1]["message"]
    assert late["checks"][2]["message"].startswith("not run: the submission's process had ended")
    hostile = [n for n in by if n.startswith("hostile_")]
    assert len(hostile) == 15
    for name in hostile:
        assert by[name]["score"] == 0, (name, by[name])
        assert by[name]["verdict"] != "pass"


@pytest.mark.parametrize("name, verdict, words", [
    ("hostile_exit.py", "error", "called sys.exit(0) in backward"),
    ("hostile_import_exit.py", "error", "called sys.exit(0) while importing"),
    ("hostile_os_exit.py", "error", "exited with status 0 in backward"),
    ("hostile_kill_self.py", "error", "killed by SIGSEGV"),
    ("hostile_loop.py", "timeout", "ran past its time limit (4 s)"),
    ("hostile_memory.py", "memory", "ran out of memory (512 MB)"),
    ("not_utf8.py", "error", "is not UTF-8 text"),
    ("broken_syntax.py", "error", "does not import (SyntaxError"),
    ("no_backward.py", "error", "defines no function `backward"),
    ("raises.py", "error", "backward raised ValueError: shapes are hard"),
    ("hostile_kill_grader.py", "error", "its judge process was killed by SIGKILL"),
    ("hostile_huge_answer.py", "error", "sent the grader what it refuses in backward (arrays of more than"),
])
def test_each_failure_has_its_verdict_and_reason(graded: dict, name: str, verdict: str, words: str) -> None:
    result = graded["by"][name]
    assert result["verdict"] == verdict and result["score"] == 0
    assert words in result["reason"] or words in result["checks"][0]["message"], result


def test_hostile_tricks_change_nothing(graded: dict) -> None:
    by = graded["by"]
    # patching our modules, scribbling through gc, lying subclasses: judged by the grader's process, unaffected
    for name in ("hostile_patch.py", "hostile_gc.py", "hostile_liar.py"):
        assert by[name]["verdict"] == "fail" and by[name]["checks"][0]["failure"]["update"] == 1
    # forged output is only shown, never read
    assert by["hostile_forged.py"]["verdict"] == "fail"
    assert '"verdict": "pass"' in by["hostile_forged.py"]["output"]
    assert "debug: backward called" in by["right.py"]["output"]
    # threads and processes left behind, one escaped into its own session: all ended, none outlives grading
    assert by["hostile_strays.py"]["processes_ended"] >= 1     # the escaped one; the rest went with the group
    assert graded["strays"] == []
    # the grader's memory and environment stay unreadable, the limits cannot be lifted, forks stop at the limit
    bomb = by["hostile_fork_bomb.py"]["output"]
    assert "grader's mem: PermissionError" in bomb and "grader's environ: PermissionError" in bomb, bomb
    assert "memory limit: ValueError" in bomb and "forks refused after" in bomb
    assert int(bomb.split("forks refused after ")[1].split(":")[0]) <= 16


def test_csv_and_table(graded: dict) -> None:
    rows = {r["file"]: r for r in graded["csv"]}
    assert rows["wrong_batch.py"]["score"] == "1" and rows["wrong_batch.py"]["batch"] == "0"
    assert rows["right.py"]["minibatch"] == "1" and rows["hostile_loop.py"]["verdict"] == "timeout"
    table = graded["run"].stdout
    assert "wrong_batch.py" in table and "1/4" in table and "update 1, gradient, dW3" in table


def test_torch_reference_gives_the_same_verdicts(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    rubric = tmp_path / "r.toml"
    rubric.write_text(RUBRIC.replace('reference = "numpy"', 'reference = "torch"'))
    out = tmp_path / "out.json"
    files = [str(CLASS / n) for n in ("right.py", "wrong_batch.py", "hostile_exit.py")]
    run = grade(*files, "--rubric", str(rubric), "--jobs", "1", "--json", str(out), "--quiet")
    assert run.returncode == 0, run.stderr
    doc = json.loads(out.read_text())
    assert doc["reference"] == "torch"
    assert [(s["score"], s["verdict"]) for s in doc["submissions"]] == [(4, "pass"), (1, "fail"), (0, "error")]
    assert "torch's x 2" in doc["submissions"][1]["checks"][1]["message"]


def test_seed_pins_the_draw(tmp_path: Path) -> None:
    rubric = tmp_path / "r.toml"
    rubric.write_text(RUBRIC.replace("seed = 11", ""))
    outs = []
    for k in range(2):
        out = tmp_path / f"{k}.json"
        run = grade(str(CLASS / "wrong_sign.py"), "--seed", "7", "--json", str(out), "--quiet", "--jobs", "1",
                    "--rubric", str(rubric))
        assert run.returncode == 0, run.stderr
        outs.append(json.loads(out.read_text()))
    assert outs[0] == outs[1] and outs[0]["seed"] == 7
    messages = [c["message"] for c in outs[0]["submissions"][0]["checks"]]
    run = grade(str(CLASS / "wrong_sign.py"), "--seed", "8", "--json", str(tmp_path / "8.json"), "--quiet",
                "--rubric", str(rubric))
    assert run.returncode == 0, run.stderr
    assert [c["message"] for c in json.loads((tmp_path / "8.json").read_text())["submissions"][0]["checks"]] != messages


@pytest.mark.parametrize("case, args, words", [
    ("missing", ["nowhere.py"], "no such file or folder"),
    ("empty folder", ["{empty}"], "no .py files"),
    ("same name", ["{a}/x.py", "{b}/x.py"], "two submissions named 'x.py'"),
    ("not toml", ["{a}", "--rubric", "{bad_toml}"], "not valid TOML"),
    ("unknown check", ["{a}", "--rubric", "{unknown}"], "check 'u'"),
    ("negative points", ["{a}", "--rubric", "{negative}"], "points: expected a number >= 0"),
    ("jobs 0", ["{a}", "--jobs", "0"], "--jobs"),
    ("timeout 0", ["{a}", "--timeout", "0"], "--timeout"),
    ("timeout nan", ["{a}", "--timeout", "nan"], "--timeout"),
    ("memory", ["{a}", "--memory", "64"], "NumPy needs"),
    ("gradescope many", ["{a}", "{b}/y.py", "--gradescope", "{out}"], "one submission"),
])
def test_bad_input_one_line_exit_2_nothing_written(tmp_path: Path, case: str, args: list[str], words: str) -> None:
    for d in ("a", "b", "empty"):
        (tmp_path / d).mkdir()
    (tmp_path / "a" / "x.py").write_text("def backward(w, b, a, t):\n    return None\n")
    (tmp_path / "b" / "x.py").write_text("def backward(w, b, a, t):\n    return None\n")
    (tmp_path / "b" / "y.py").write_text("def backward(w, b, a, t):\n    return None\n")
    (tmp_path / "bad.toml").write_text("[[check]\nname=")
    (tmp_path / "unknown.toml").write_text('[[check]]\nname = "u"\nexperiment = "no-such-preset"\n')
    (tmp_path / "negative.toml").write_text('[[check]]\nname = "n"\npoints = -1\n')
    names = {"empty": tmp_path / "empty", "a": tmp_path / "a", "b": tmp_path / "b", "bad_toml": tmp_path / "bad.toml",
             "unknown": tmp_path / "unknown.toml", "negative": tmp_path / "negative.toml", "out": tmp_path / "gs.json"}
    argv = [a.format(**names) for a in args] + ["--json", str(tmp_path / "out.json")]
    run = grade(*argv)
    assert run.returncode == 2, (case, run.stdout, run.stderr)
    assert run.stdout == "" and len(run.stderr.strip().splitlines()) == 1 and words in run.stderr, run.stderr
    assert not (tmp_path / "out.json").exists() and not (tmp_path / "gs.json").exists()


def test_gradescope_autograder_against_a_fake_tree(tmp_path: Path) -> None:
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "source").mkdir()
    shutil.copy(CLASS / "wrong_batch.py", root / "submission" / "backward.py")
    shutil.copy(ROOT / "examples" / "gradescope" / "rubric.toml", root / "source" / "rubric.toml")
    (root / "source" / "rubric.toml").write_text((root / "source" / "rubric.toml").read_text()
                                                 .replace('reference = "auto"', 'reference = "numpy"'))
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), PYTHON=sys.executable, PYTHONPATH=str(ROOT))
    run = subprocess.run(["bash", str(ROOT / "examples" / "gradescope" / "run_autograder")], env=env,
                         capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    # Gradescope's shape: score, execution_time, output, tests[name, score, max_score, output, visibility]
    assert set(results) == {"score", "execution_time", "output", "tests"}
    assert isinstance(results["execution_time"], (int, float)) and results["execution_time"] > 0
    assert len(results["tests"]) == 5
    for t in results["tests"]:
        assert set(t) == {"name", "score", "max_score", "output", "visibility"}
        assert t["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
        assert 0 <= t["score"] <= t["max_score"] and isinstance(t["output"], str) and t["output"]
    assert [t["score"] for t in results["tests"]] == [2, 2, 0, 0, 0]
    assert results["score"] == 4 and "batch size" in results["tests"][2]["output"]
    assert results["tests"][4]["output"] == "disagrees with the reference at update 1"   # feedback = "verdict"
    # no gradable file: still a results.json, 0 points, the reason
    (root / "submission" / "backward.py").unlink()
    run = subprocess.run(["bash", str(ROOT / "examples" / "gradescope" / "run_autograder")], env=env,
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "backward.py" in results["output"]


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
    cases = [([str(CLASS / "hostile_loop.py"), "--timeout", "1", "--isolate"], "ran past its time limit (1 s)"),
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
    from compare.grading.isolate import Limits
    from compare.grading.judge import Submission, prepare
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
