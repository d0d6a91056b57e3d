"""What `compare grade` writes is bounded and inert, as docs/grading.md promises ("Names are printed with
control characters and line breaks as escapes ...; in the CSV a cell starting with `=`, `+`, `-`, `@`, a tab
or a carriage return is preceded by `'` ... A check's message is cut at 2,000 characters and a reason at 500
(saying how much was cut), the output at 4,000 bytes"). The numbers are parsed from that sentence.

By hand: LOUD prints 100,000 "y" and a line break (100,001 bytes) and raises ValueError with 10,000 "x" in
every call: 4,000 bytes kept, "96001 more bytes" said; each check's message 2,000 characters and the count of
the rest; the reason 500 and the count of the rest.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = " ".join((ROOT / "docs" / "grading.md").read_text(encoding="utf-8").split())
BOUNDS = re.search(r"A check's message is cut at ([\d,]+) characters and a reason at ([\d,]+) \(saying how much "
                   r"was cut\), the output at ([\d,]+) bytes", DOC)
LOUD = '''
print("y" * 100000)

def backward(weights, biases, activations, targets):
    raise ValueError("x" * 10000)
'''
RIGHT = '''
def backward(weights, biases, activations, targets):
    B = targets.shape[0]
    A = activations[-1]
    delta = (A - targets) * A * (1 - A)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = activations[l].T @ delta / B
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l:
            delta = delta @ weights[l].T * activations[l] * (1 - activations[l])
    return dW, db
'''


def grade(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    run = subprocess.run([sys.executable, "-m", "compare", "grade", *args, "--reference", "numpy", "--seed", "3"],
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=tmp,
                         stdin=subprocess.DEVNULL, timeout=300)
    assert run.returncode == 0, run.stderr
    return run


def test_the_doc_states_the_bounds():
    assert BOUNDS, "docs/grading.md no longer states the message, reason and output bounds in one sentence"
    assert [int(x.replace(",", "")) for x in BOUNDS.groups()] == [2000, 500, 4000]


MESSAGE, REASON, OUTPUT = ([int(x.replace(",", "")) for x in BOUNDS.groups()] if BOUNDS else [0, 0, 0])


def _cut(text: str, cap: int) -> tuple[str, int]:
    """(the kept part, how many characters the text says were cut), asserting the kept part is `cap` long."""
    found = re.fullmatch(r"(.*) \[\.\.\. (\d+) more characters\]", text, flags=re.S)
    assert found, text[-80:]
    assert len(found.group(1)) == cap
    return found.group(1), int(found.group(2))


@pytest.fixture(scope="module")
def loud(tmp_path_factory) -> tuple[dict, dict]:
    tmp = tmp_path_factory.mktemp("loud")
    (tmp / "loud.py").write_text(LOUD)
    grade(tmp, str(tmp / "loud.py"), "--json", str(tmp / "o.json"), "--gradescope", str(tmp / "g.json"), "--quiet")
    return (json.loads((tmp / "o.json").read_text())["submissions"][0], json.loads((tmp / "g.json").read_text()))


def test_the_output_keeps_its_first_bytes_and_says_how_many_more(loud):
    sub, _ = loud
    assert sub["output"] == "y" * OUTPUT + f"\n[... {100001 - OUTPUT} more bytes of output not kept]"


def test_each_message_is_cut_and_says_how_much(loud):
    sub, _ = loud
    assert len(sub["checks"]) == 3 and all(c["verdict"] == "error" for c in sub["checks"])
    for check in sub["checks"]:
        kept, more = _cut(check["message"], MESSAGE)
        head = "loud.py: backward raised ValueError: "
        assert kept.startswith(head + "x" * (MESSAGE - len(head) - 1))
        assert more >= len(head) + 10000 - MESSAGE          # the 10,000 x at least, and whatever followed


def test_the_reason_is_cut_and_says_how_much(loud):
    sub, _ = loud
    kept, more = _cut(sub["reason"], REASON)
    head = "batches: loud.py: backward raised ValueError: "    # the first check's name, its message's first line
    assert kept == head + "x" * (REASON - len(head))
    assert more >= len(head) + 2000 - REASON                 # at least the first 2,000 x the child sent back
    assert sub["verdict"] == "error" and sub["score"] == 0


def test_a_text_is_cut_to_its_cap_and_says_exactly_how_much():
    from compare.grading.judge import bounded
    assert bounded("x" * 2500, 2000) == "x" * 2000 + " [... 500 more characters]"
    assert bounded("x" * 2000, 2000) == "x" * 2000
    assert bounded("ab" * 300, 500) == ("ab" * 300)[:500] + " [... 100 more characters]"


def test_gradescopes_file_stays_short(loud):
    _, results = loud
    size = len(json.dumps(results))
    # three checks' messages, the output and the summary, each bounded: far below the 10,000 x a call raised
    assert size < 3 * (MESSAGE + 100) + OUTPUT + REASON + 2000, size
    assert [len(t["output"]) for t in results["tests"]] == [MESSAGE + len(f" [... {_cut(t['output'], MESSAGE)[1]} "
                                                                         "more characters]") for t in results["tests"]]


NAMES = ["=1+1.py", "+cmd.py", "-2.py", "@SUM(A1).py", "\tx.py", "\rr.py", "a=b.py"]


def test_names_starting_a_formula_are_text_in_the_csv_and_escaped_in_the_table(tmp_path):
    cls = tmp_path / "class"
    cls.mkdir()
    for name in NAMES:
        (cls / name).write_text(RIGHT)
    rubric = tmp_path / "r.toml"
    rubric.write_text('[[check]]\nname = "one"\nexperiment = "hiring"\nepochs = 2\n')
    run = grade(tmp_path, str(cls), "--rubric", str(rubric), "--csv", str(tmp_path / "o.csv"))
    with open(tmp_path / "o.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][:4] == ["file", "score", "max_score", "verdict"] and len(rows) == 1 + len(NAMES)
    files = sorted(row[0] for row in rows[1:])
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows[1:] for cell in row)
    for name in ("=1+1.py", "+cmd.py", "-2.py", "@SUM(A1).py"):
        assert "'" + name in files, files                   # the name kept, preceded by a quote
    assert "a=b.py" in files                                # nothing to neutralise in the middle of a cell
    assert all(row[1:4] == ["1", "1", "pass"] for row in rows[1:]), rows
    table = run.stdout.splitlines()
    assert len(table) == 1 + len(NAMES) and "\t" not in run.stdout and "\r" not in run.stdout
    assert sum("\\x09x.py" in line for line in table) == 1 and sum("\\x0dr.py" in line for line in table) == 1
