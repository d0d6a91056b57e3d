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
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLASS = Path(__file__).with_name("grading_class")
MARK = "h12-stray-marker"


def _sandboxed() -> bool:
    """True where `grade --sandbox auto` runs each submission in bubblewrap (as CI does, root on Linux)."""
    from compare.sandbox.bwrap import problem
    from compare.sandbox.policy import interpreter
    return sys.platform.startswith("linux") and not problem(interpreter())


SANDBOXED = _sandboxed()

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
    ("hostile_loop.py", "timeout", "ran past its time limit (4 s"),
    ("hostile_memory.py", "memory", "ran out of memory (512 MB)"),
    ("not_utf8.py", "error", "is not UTF-8 text"),
    ("broken_syntax.py", "error", "does not import (SyntaxError"),
    ("no_backward.py", "error", "defines no function `backward"),
    ("raises.py", "error", "backward raised ValueError: shapes are hard"),
    # in a sandbox its parent is the sandbox's pid 1, which it may not signal; without one, the judge dies
    ("hostile_kill_grader.py", "error", "Operation not permitted" if SANDBOXED else
     "its judge process was killed by SIGKILL"),
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
    assert set(results) == {"score", "execution_time", "output", "output_format", "test_output_format",
                            "test_name_format", "tests"}
    assert isinstance(results["execution_time"], (int, float)) and results["execution_time"] > 0
    assert len(results["tests"]) == 5
    for t in results["tests"]:
        assert set(t) == {"name", "score", "max_score", "output", "output_format", "visibility"}
        assert t["visibility"] == "visible" and isinstance(t["output"], str) and t["output"]
    # by hand, from the rubric (tomllib, not ours) and the file: each check is worth its `points`; wrong_batch.py
    # sums over the batch instead of averaging, right exactly where every update has one sample: hiring and
    # exercise 1 (one sample each) pass, exercise 2 in batch mode (2 samples), exercise 3 in batches of 3 and
    # 4 fail. Total 2 + 2 = 4 of 5 x 2 = 10.
    rubric = tomllib.loads((root / "source" / "rubric.toml").read_text())["check"]
    assert [t["name"] for t in results["tests"]] == [c["name"] for c in rubric]
    assert [t["max_score"] for t in results["tests"]] == [c["points"] for c in rubric] == [2, 2, 2, 2, 2]
    passes = [True, True, False, False, False]
    assert [t["score"] for t in results["tests"]] == [c["points"] if ok else 0 for c, ok in zip(rubric, passes)]
    assert results["score"] == 4 and "batch size" in results["tests"][2]["output"]
    assert results["output"].startswith("fail: 4/10")
    assert results["tests"][4]["output"] == "disagrees with the reference at update 1"   # feedback = "verdict"
    # no gradable file: still a results.json, 0 points, the reason
    (root / "submission" / "backward.py").unlink()
    run = subprocess.run(["bash", str(ROOT / "examples" / "gradescope" / "run_autograder")], env=env,
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "backward.py" in results["output"]
