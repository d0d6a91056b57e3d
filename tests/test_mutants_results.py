"""A graded class's outputs from hand-made results (README, "Grading a class"): the table's score/max and its
first-disagreement cell, the summary's counts, the CSV's columns, Gradescope's score, tests and text. Every
expected string is written out here; `tests/test_promises_grading.py` checks the same through real grading.
"""

from __future__ import annotations

import csv
import io

from compare.grading import results


def check(name, score, max_score, verdict, message="", failure=None, visibility=None):
    c = {"name": name, "score": score, "max_score": max_score, "verdict": verdict, "message": message,
         "failure": failure}
    if visibility:
        c["visibility"] = visibility
    return c


ALICE = {"file": "alice.py", "score": 10.0, "max_score": 10.0, "verdict": "pass", "reason": "",
         "checks": [check("one", 3.0, 3.0, "pass"), check("two", 7.0, 7.0, "pass")], "output": ""}
BOB = {"file": "bob.py", "score": 3.0, "max_score": 10.0, "verdict": "fail", "reason": "",
       "checks": [check("one", 3.0, 3.0, "pass"),
                  check("two", 0.0, 7.0, "fail", "disagrees at update 2",
                        {"update": 2, "stage": "gradient", "layer": 1, "parameter": "dW1", "hint": "batch size"},
                        visibility="hidden")],
       "output": "printed 1\n"}
CAROL = {"file": "carol_has_a_long_name.py", "score": 0.0, "max_score": 10.0, "verdict": "timeout",
         "reason": "ran past its time limit (2 s)", "checks": [check("one", 0.0, 3.0, "timeout"),
                                                             check("two", 0.0, 7.0, "timeout")], "output": ""}
DAVE = {"file": "dave.py", "score": 2.5, "max_score": 10.0, "verdict": "fail", "reason": "",
        "checks": [check("one", 2.5, 3.0, "pass"),
                   check("two", 0.0, 7.0, "fail", "x", {"update": 1, "stage": "update", "layer": 2,
                                                        "parameter": "W2", "hint": None})], "output": ""}
CLASS = [ALICE, BOB, CAROL, DAVE]


def test_the_table_rows():
    lines = results.table(CLASS).splitlines()
    width = len("carol_has_a_long_name.py")
    assert lines[0] == f"{'file':<{width}}  {'score':>9}  {'verdict':<7}  first disagreement / reason"
    assert lines[1] == f"{'alice.py':<{width}}  {'10/10':>9}  pass     "
    assert lines[2] == f"{'bob.py':<{width}}  {'3/10':>9}  fail     two: update 2, gradient, dW1 (batch size)"
    assert lines[3] == f"{'carol_has_a_long_name.py':<{width}}  {'0/10':>9}  timeout  ran past its time limit (2 s)"
    assert lines[4] == f"{'dave.py':<{width}}  {'2.5/10':>9}  fail     two: update 1, update, W2"


def test_a_long_cell_is_cut_to_the_width():
    long_reason = dict(CAROL, reason="r" * 300)
    line = results.table([long_reason], width=80).splitlines()[1]
    assert len(line) == 80 and line.endswith("r...")
    short = results.table([long_reason], width=10).splitlines()[1]       # at least 20 characters of the cell
    assert short.endswith("r" * 17 + "...")


def test_the_summary_counts_each_verdict():
    assert results.summary(CLASS) == "4 submission(s) graded: 1 pass, 2 fail, 1 timeout"
    assert results.summary([]) == "0 submission(s) graded: "


def test_the_csv_columns():
    rows = list(csv.reader(io.StringIO(results.csv_text(CLASS))))
    assert rows[0] == ["file", "score", "max_score", "verdict", "one", "two", "first_disagreement_or_reason"]
    assert rows[1] == ["alice.py", "10", "10", "pass", "3", "7", ""]
    assert rows[2] == ["bob.py", "3", "10", "fail", "3", "0", "two: update 2, gradient, dW1 (batch size)"]
    assert rows[3] == ["carol_has_a_long_name.py", "0", "10", "timeout", "0", "0", "ran past its time limit (2 s)"]
    assert rows[4] == ["dave.py", "2.5", "10", "fail", "2.5", "0", "two: update 1, update, W2"]
    assert results.csv_text([]) == "file,score,max_score,verdict,first_disagreement_or_reason\n"


def test_the_json_document():
    doc = results.json_document(CLASS, seed=5, reference="numpy", rubric="r.toml", checks=[{"name": "one"}])
    assert doc == {"seed": 5, "reference": "numpy", "rubric": "r.toml", "checks": [{"name": "one"}],
                   "submissions": CLASS}


def test_gradescope_for_one_submission():
    doc = results.gradescope(BOB, 1.23456)
    assert doc["score"] == 3.0 and doc["execution_time"] == 1.235
    assert doc["tests"] == [
        {"name": "one", "score": 3.0, "max_score": 3.0, "output": "pass", "output_format": "text",
         "visibility": "visible"},
        {"name": "two", "score": 0.0, "max_score": 7.0, "output": "disagrees at update 2",
         "output_format": "text", "visibility": "hidden"}]
    assert doc["output"] == "fail: 3/10\n\nyour program's output (truncated):\nprinted 1\n"
    timeout = results.gradescope(CAROL, 0.0)
    assert timeout["score"] == 0.0 and timeout["output"] == "timeout: 0/10\nran past its time limit (2 s)"
    assert [t["output"] for t in timeout["tests"]] == ["timeout", "timeout"]
