"""`compare grade`'s arithmetic in every output, and its limits in their units and in total per submission.

The rubric below gives its checks 3, 2 and 5 points (10 in all). A backward that sums over the batch instead
of averaging is right when B = 1 only: the one-sample check, 3 of 10. Every figure asserted here is that hand
computation: the table's "3/10", the CSV's row, the JSON's scores, Gradescope's score and its tests.

Limits (README, "How a submission runs"): `--timeout` counts the submission's own time in total, every call
included, so a right submission sleeping 0.4 s in every call, each call well under a 2 s limit, is stopped
once the calls add up past it (the first check alone has 2 epochs x 4 samples = 8 calls: 3.2 s);
`--memory` is in MB: a 1000 MB array under `--memory 512` is refused, a 50 MB one is not.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLASS = ROOT / "tests" / "grading_class"

RUBRIC = """
reference = "numpy"
seed = 5

[[check]]
name = "one sample"
experiment = "exercise3"
mode = "stochastic"
epochs = 2
points = 3

[[check]]
name = "whole batch"
experiment = "exercise3"
mode = "batch"
epochs = 2
points = 2

[[check]]
name = "mini-batches"
experiment = "exercise3"
mode = "minibatch"
batch_size = 3
epochs = 2
points = 5
"""
POINTS = {"one sample": 3, "whole batch": 2, "mini-batches": 5}

ARRAY = '''
import time
import numpy as np

def backward(weights, biases, activations, targets):
    held = np.empty({mb} << 20, dtype=np.uint8)     # address space, never touched
    until = time.process_time() + {sleep}      # CPU time: the sandbox's limit counts it, not sleep
    while time.process_time() < until:
        pass
    B = targets.shape[0]
    A = activations[-1]
    delta = (A - targets) * A * (1 - A)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = activations[l].T @ delta / B
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l > 0:
            delta = delta @ weights[l].T * activations[l] * (1 - activations[l])
    del held
    return dW, db
'''


def grade(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "compare", "grade", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("promises")
    folder = tmp / "class"
    folder.mkdir()
    shutil.copy(CLASS / "right.py", folder / "right.py")
    shutil.copy(CLASS / "wrong_batch.py", folder / "wrong_batch.py")
    (folder / "sleepy.py").write_text(ARRAY.format(mb=1, sleep=0.4))
    (folder / "big_array.py").write_text(ARRAY.format(mb=1000, sleep=0))
    (folder / "small_array.py").write_text(ARRAY.format(mb=50, sleep=0))
    (tmp / "rubric.toml").write_text(RUBRIC)
    out = {k: tmp / f"out.{k}" for k in ("json", "csv")}
    run = grade(str(folder), "--rubric", str(tmp / "rubric.toml"), "--timeout", "2", "--memory", "512",
                "--jobs", "2", "--json", str(out["json"]), "--csv", str(out["csv"]))
    assert run.returncode == 0, run.stderr
    doc = json.loads(out["json"].read_text())
    return {"run": run, "doc": doc, "by": {s["file"]: s for s in doc["submissions"]},
            "csv": {row["file"]: row for row in csv.DictReader(out["csv"].open())}, "tmp": tmp}


EXPECTED = {"right.py": (10, "pass"), "wrong_batch.py": (3, "fail"), "small_array.py": (10, "pass"),
            "sleepy.py": (0, "timeout"), "big_array.py": (0, "memory")}


def test_json_scores_are_the_sum_of_the_points_of_the_checks_passed(graded):
    by = graded["by"]
    assert [c["name"] for c in graded["doc"]["checks"]] == list(POINTS)
    assert [c["points"] for c in graded["doc"]["checks"]] == list(POINTS.values())
    for name, (score, verdict) in EXPECTED.items():
        s = by[name]
        assert (s["score"], s["max_score"], s["verdict"]) == (score, 10, verdict), (name, s)
        for c in s["checks"]:
            assert c["max_score"] == POINTS[c["name"]]
            assert c["score"] == (POINTS[c["name"]] if c["verdict"] == "pass" else 0)
    assert [c["verdict"] for c in by["wrong_batch.py"]["checks"]] == ["pass", "fail", "fail"]


def test_the_csv_row_of_each_submission(graded):
    rows = graded["csv"]
    for name, (score, verdict) in EXPECTED.items():
        row = rows[name]
        assert (float(row["score"]), float(row["max_score"]), row["verdict"]) == (score, 10, verdict)
    assert [float(rows["wrong_batch.py"][n]) for n in POINTS] == [3, 0, 0]
    assert [float(rows["right.py"][n]) for n in POINTS] == [3, 2, 5]


def test_the_table_shows_score_over_max(graded):
    lines = graded["run"].stdout.splitlines()
    for name, (score, verdict) in EXPECTED.items():
        line = next(x for x in lines if x.startswith(name + " "))
        assert f" {score}/10 " in line and verdict in line, line
    assert "5 submission(s) graded: " in graded["run"].stdout + graded["run"].stderr


def test_the_time_limit_counts_every_call_of_a_submission_in_total(graded):
    s = graded["by"]["sleepy.py"]
    assert s["verdict"] == "timeout" and "time limit (2 s" in s["reason"] + json.dumps(s["checks"])


def test_the_memory_limit_is_in_megabytes(graded):
    assert graded["by"]["big_array.py"]["verdict"] == "memory"
    assert "512 MB" in json.dumps(graded["by"]["big_array.py"])
    assert graded["by"]["small_array.py"]["verdict"] == "pass"


def test_gradescope_results_for_a_partly_right_submission(graded):
    tmp = graded["tmp"]
    out = tmp / "results.json"
    run = grade(str(CLASS / "wrong_batch.py"), "--rubric", str(tmp / "rubric.toml"), "--gradescope", str(out))
    assert run.returncode == 0, run.stderr
    doc = json.loads(out.read_text())
    assert doc["score"] == 3
    assert [(t["name"], t["score"], t["max_score"]) for t in doc["tests"]] == [
        ("one sample", 3, 3), ("whole batch", 0, 2), ("mini-batches", 0, 5)]
    assert doc["output"].startswith("fail: 3/10")
    assert doc["execution_time"] >= 0
