"""Layer checks in `grade` are "drawn fresh at grade time like the rest" (docs/layers.md, "Grading layer
files"): with torch as the reference, every layer's designed inputs are drawn anew from the grading's seed
(the same shapes and designs) and recorded with torch; `fresh = false` keeps the shipped recordings.

By hand: a file averaging `db` over the batch gives yours = torch's / N at every element, N = 4 in the affine
case's design; so on whatever inputs were drawn, the values the message shows satisfy yours x 4 = torch,
which only holds if torch's numbers were computed for the inputs the file was given. Two seeds draw two
inputs; one seed twice draws the same; `fresh = false` shows the shipped recording's own numbers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]
DB_MEAN = '''
def affine_forward(x, w, b):
    return x.reshape(len(x), -1) @ w + b, (x, w, b)

def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.mean(0)
'''
RUBRIC = """
reference = "auto"
feedback = "hints"
[[check]]
name = "affine"
layer = "affine"
{fresh}
"""
SHOWN = re.compile(r"at db\[(\d)\] \(db: \(M,\)\): yours (\S+), torch (\S+),")


def shown(tmp: Path, seed: str, fresh: str = "") -> tuple[int, float, float]:
    """(element, yours, torch) as the check's message shows them."""
    (tmp / "rubric.toml").write_text(RUBRIC.format(fresh=fresh))
    (tmp / "db_mean.py").write_text(DB_MEAN)
    out = tmp / f"{seed}{fresh[:5]}.json"
    run = subprocess.run([sys.executable, "-m", "compare", "grade", str(tmp / "db_mean.py"), "--rubric",
                          str(tmp / "rubric.toml"), "--seed", seed, "--json", str(out), "--quiet"],
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=tmp,
                         stdin=subprocess.DEVNULL, timeout=300)
    assert run.returncode == 0, run.stderr
    doc = json.loads(out.read_text())
    assert doc["reference"] == "torch"
    (check,) = doc["submissions"][0]["checks"]
    assert check["verdict"] == "fail" and check["layer_failure"]["item"] == "db"
    found = SHOWN.search(check["message"])
    assert found, check["message"]
    return int(found.group(1)), float(found.group(2)), float(found.group(3))


def test_each_seed_draws_its_own_inputs_and_torchs_numbers_are_for_them(tmp_path):
    one, two, again = shown(tmp_path, "1"), shown(tmp_path, "2"), shown(tmp_path, "1")
    assert one == again                                    # the same seed: the same draw
    assert one[1:] != two[1:]                              # another seed: other inputs
    for _, yours, torch_ in (one, two):
        assert yours * 4 == pytest.approx(torch_, rel=1e-13)
    d = np.load(ROOT / "compare" / "layers" / "data" / "affine.npz")
    assert not np.isclose(d["0/ref/db"], one[2], rtol=1e-12, atol=0).any()   # not the shipped recording's


def test_fresh_false_grades_on_the_shipped_recording(tmp_path):
    element, yours, torch_ = shown(tmp_path, "1", "fresh = false")
    d = np.load(ROOT / "compare" / "layers" / "data" / "affine.npz")
    assert torch_ == pytest.approx(d["0/ref/db"][element], rel=1e-16)
    assert yours == pytest.approx(d["0/up/dout"].mean(0)[element], rel=1e-16)
