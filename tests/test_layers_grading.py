"""Layer files graded (`compare grade --rubric` with layer checks) and checked in their own process
(`check LAYERS.py --isolate`): the same verdicts and words as the in-process check, points per layer or per
gradient, a submission that ends itself or runs forever costs itself only, and nothing it does in its own
process changes a verdict."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OWN = ROOT / "tests" / "layers_own" / "correct.py"
ZOO = ROOT / "tests" / "layers_zoo"

RUBRIC = """
reference = "numpy"
[[check]]
name = "affine"
layer = "affine"
points = 2
[[check]]
name = "batchnorm"
layer = "batchnorm"
points = 3
points_per = "gradient"
[[check]]
name = "dropout"
layer = "dropout_forward"
feedback = "verdict"
"""

HOSTILE = '''
import numpy as np
np.array_equal = lambda *a, **k: True          # in its own process: the grader's numbers are elsewhere
np.abs = lambda x: 0 * x

def affine_forward(x, w, b):
    return x.reshape(len(x), -1) @ w + b, (x, w, b)

def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.mean(0)
'''


def compare(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "compare", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("layers")
    shutil.copy(OWN, tmp / "right.py")
    shutil.copy(ZOO / "batchnorm_no_mean_term.py", tmp / "no_mean_term.py")
    (tmp / "hostile.py").write_text(HOSTILE)
    (tmp / "exits.py").write_text("import sys\ndef affine_forward(x, w, b):\n    sys.exit(0)\n"
                                  "def affine_backward(dout, cache):\n    return dout\n")
    (tmp / "loops.py").write_text("def affine_forward(x, w, b):\n    while True:\n        pass\n"
                                  "def affine_backward(dout, cache):\n    return dout\n")
    (tmp / "rubric.toml").write_text(RUBRIC)
    files = [str(tmp / f"{n}.py") for n in ("right", "no_mean_term", "hostile", "exits", "loops")]
    run = compare("grade", *files, "--rubric", str(tmp / "rubric.toml"), "--timeout", "5", "--json",
                  str(tmp / "out.json"))
    assert run.returncode == 0, run.stderr
    doc = json.loads((tmp / "out.json").read_text())
    return {s["file"].rsplit("/", 1)[-1]: s for s in doc["submissions"]}


def test_a_right_file_scores_every_point(graded):
    right = graded["right.py"]
    assert (right["score"], right["max_score"], right["verdict"]) == (6.0, 6.0, "pass")


def test_points_per_gradient_and_the_checks_words(graded):
    bad = {c["name"]: c for c in graded["no_mean_term.py"]["checks"]}
    # batchnorm: out, running_mean, running_var, dgamma, dbeta agree; dx does not: 5 of 6 items of 3 points
    assert bad["batchnorm"]["score"] == pytest.approx(2.5)
    assert "the mean term is missing from dx" in bad["batchnorm"]["message"]
    assert bad["batchnorm"]["layer_failure"]["item"] == "dx"
    assert bad["affine"]["verdict"] == "fail" and "not checked" in bad["affine"]["message"]


def test_tricks_in_the_submissions_process_change_nothing(graded):
    hostile = {c["name"]: c for c in graded["hostile.py"]["checks"]}
    assert hostile["affine"]["score"] == 0 and hostile["affine"]["layer_failure"]["item"] == "db"


def test_ending_itself_or_running_forever_costs_that_submission_only(graded):
    assert graded["exits.py"]["verdict"] == "error" and "sys.exit" in graded["exits.py"]["reason"]
    assert graded["loops.py"]["verdict"] == "timeout"
    assert graded["right.py"]["verdict"] == "pass"


def test_check_isolate_gives_the_in_process_verdicts(tmp_path):
    inside = compare("check", str(ZOO / "conv_kernel_flipped.py"), "--json")
    isolated = compare("check", str(ZOO / "conv_kernel_flipped.py"), "--json", "--isolate")
    assert inside.returncode == isolated.returncode == 1
    a, b = json.loads(inside.stdout)["layers"], json.loads(isolated.stdout)["layers"]
    assert a == b


def test_isolated_cache_and_input_changed_in_place_are_said(tmp_path):
    path = tmp_path / "mutating.py"
    path.write_text("import numpy as np\n"
                    "def relu_forward(x):\n    return np.maximum(x, 0), x\n"
                    "def relu_backward(dout, cache):\n    dx = dout * (cache > 0)\n    cache[...] = 0\n    return dx\n"
                    "def affine_forward(x, w, b):\n    out = x.reshape(len(x), -1) @ w + b\n    x *= 2\n"
                    "    return out, (x / 2, w)\n"
                    "def affine_backward(dout, cache):\n    x, w = cache\n"
                    "    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.sum(0)\n")
    run = compare("check", str(path), "--isolate", "--json")
    layers = {d["layer"]: d for d in json.loads(run.stdout)["layers"]}
    assert "relu_backward changed cache in place" in layers["relu"]["failure"]["message"]
    assert layers["affine"]["status"] == "error"
    assert "affine_forward changed its argument x in place" in layers["affine"]["failure"]["message"]
    assert run.returncode == 2


@pytest.mark.parametrize("rubric, words", [
    ('[[check]]\nname = "a"\nlayer = "nope"\n', "unknown layer 'nope'"),
    ('[[check]]\nname = "a"\nlayer = "affine"\n[[check]]\nname = "b"\nexperiment = "hiring"\n', "layer checks and"),
    ('[[check]]\nname = "a"\nlayer = "affine"\nepochs = 3\n', "'epochs' does not apply to a layer check"),
    ('[[check]]\nname = "a"\nlayer = "affine"\npoints_per = "element"\n', "points_per: expected one of"),
])
def test_bad_layer_rubrics_are_one_line_exit_2(tmp_path, rubric, words):
    (tmp_path / "r.toml").write_text(rubric)
    run = compare("grade", str(OWN), "--rubric", str(tmp_path / "r.toml"))
    assert run.returncode == 2 and words in run.stderr and len(run.stderr.strip().splitlines()) == 1
