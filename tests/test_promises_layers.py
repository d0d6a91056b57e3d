"""The layer check's promises (docs/layers.md), each against numbers computed here.

- `--json`: per item `max_abs_diff` = max |yours - torch|, `max_rel_diff` = max |yours - torch| / |torch| over
  the elements where torch's is not 0, `ok` = every element within atol 1e-12 + rtol 1e-9 |torch| (the
  float64 tolerance of docs/check-interface.md); recomputed from the shipped designed inputs, the functions
  below called here, and torch's autograd run here.
- exit 0 when every layer checked agrees, 1 when one disagrees, 2 when a layer cannot be used or nothing
  could be checked or an option is bad; `--layer NAME` checks that one layer alone.
- grading: `points_per = "gradient"` gives an equal share per item that agrees, `"layer"` all or nothing; the
  same figures in the table, the CSV, the JSON and Gradescope's file (by hand below).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "compare" / "layers" / "data"

AFFINE_RELU = '''
import numpy as np

def affine_forward(x, w, b):
    return x.reshape(len(x), -1) @ w + b, (x, w, b)

def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout{dw_extra}, dout.{db}(0)

def relu_forward(x):
    return np.maximum(x, 0), x

def relu_backward(dout, cache):
    return dout * (cache > 0)
'''
RIGHT = AFFINE_RELU.format(dw_extra="", db="sum")
DB_MEAN = AFFINE_RELU.format(dw_extra="", db="mean")              # db = torch's / N: 0.75 relative everywhere
TWO_WRONG = AFFINE_RELU.format(dw_extra=" + 0.01", db="mean")     # dw off by 0.01, a relative error that varies
ATOL, RTOL = 1e-12, 1e-9


def compare(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "compare", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, stdin=subprocess.DEVNULL, timeout=300)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _affine_by_hand(db: str, dw_extra: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{item: (yours, torch)} on the shipped affine case: yours computed as the file above does, torch's by
    autograd of out = x.reshape(N, -1) @ w + b with the designed upstream gradient."""
    torch = pytest.importorskip("torch")
    d = np.load(DATA / "affine.npz")
    x, w, b, dout = (d[k] for k in ("0/in/x", "0/in/w", "0/in/b", "0/up/dout"))
    tx, tw, tb = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w, b))
    out = tx.reshape(len(x), -1) @ tw + tb
    out.backward(torch.tensor(dout, dtype=torch.float64))
    flat = x.reshape(len(x), -1)
    yours = {"out": flat @ w + b, "dx": (dout @ w.T).reshape(x.shape), "dw": flat.T @ dout + dw_extra,
             "db": getattr(dout, db)(0)}
    theirs = {"out": out.detach().numpy(), "dx": tx.grad.numpy(), "dw": tw.grad.numpy(), "db": tb.grad.numpy()}
    return {k: (yours[k], theirs[k]) for k in ("out", "dx", "dw", "db")}


def test_json_fields_are_the_differences_recomputed_from_the_arrays(tmp_path):
    run = compare("check", str(_write(tmp_path, "two_wrong.py", TWO_WRONG)), "--json")
    assert run.returncode == 1, run.stderr
    layers = {layer["layer"]: layer for layer in json.loads(run.stdout)["layers"]}
    assert [layer["status"] for layer in layers.values()] == ["failed", "ok"]
    got = {g["name"]: g for g in layers["affine"]["gradients"]}
    assert list(got) == ["out", "dx", "dw", "db"]
    for item, (yours, torch_) in _affine_by_hand("mean", 0.01).items():
        diff = np.abs(yours - torch_)
        nonzero = torch_ != 0
        max_abs, max_rel = diff.max(), (diff[nonzero] / np.abs(torch_[nonzero])).max()
        ok = bool((diff <= ATOL + RTOL * np.abs(torch_)).all())
        assert got[item]["ok"] is ok, item
        if ok:     # rounding: a few ulp, never more
            assert got[item]["max_abs_diff"] <= 8 * np.finfo(float).eps * np.abs(torch_).max() + 1e-300
            assert got[item]["max_rel_diff"] < 1e-13
        else:
            assert got[item]["max_abs_diff"] == pytest.approx(max_abs, rel=1e-9), item
            assert got[item]["max_rel_diff"] == pytest.approx(max_rel, rel=1e-9), item
    assert [item for item, g in got.items() if not g["ok"]] == ["dw", "db"]
    assert got["db"]["max_rel_diff"] == pytest.approx(0.75, rel=1e-12)      # 1 - 1/N, N = 4
    assert got["dw"]["max_abs_diff"] == pytest.approx(0.01, rel=1e-9)
    failure = layers["affine"]["failure"]
    assert (failure["function"], failure["item"]) == ("affine_backward", "dw")   # the first item that disagrees
    yours, torch_ = _affine_by_hand("mean", 0.01)["dw"]
    i, j = (int(k) for k in failure["index"][len("dw["):-1].split(", "))
    assert failure["yours"] == pytest.approx(yours[i, j], rel=1e-12)
    assert failure["torch"] == pytest.approx(torch_[i, j], rel=1e-12)
    relu = {g["name"]: g for g in layers["relu"]["gradients"]}
    assert list(relu) == ["out", "dx"] and all(g["ok"] and g["max_abs_diff"] == 0 for g in relu.values())


SOFTMAX_OFF = """
import numpy as np

def softmax_loss(x, y):
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = len(x)
    dx = np.exp(log_p)
    dx[np.arange(N), y] -= 1
    off = 0.01 if np.abs(x).max() < 100 else 0.0     # wrong on ordinary logits only, right where they overflow
    return -log_p[np.arange(N), y].mean(), dx / N + off
"""


def test_the_largest_difference_is_over_every_case(tmp_path):
    """softmax_loss has two designed cases (ordinary logits, then logits that overflow a naive exp); dx off by
    0.01 in the first only: the JSON's figures are the first case's, not the last one's."""
    torch = pytest.importorskip("torch")
    run = compare("check", str(_write(tmp_path, "soft.py", SOFTMAX_OFF)), "--json")
    assert run.returncode == 1, run.stderr
    got = {g["name"]: g for g in json.loads(run.stdout)["layers"][0]["gradients"]}
    d = np.load(DATA / "softmax_loss.npz")
    per_case = []
    for case in ("0", "1"):
        x = torch.tensor(d[f"{case}/in/x"], dtype=torch.float64, requires_grad=True)
        torch.nn.functional.cross_entropy(x, torch.tensor(d[f"{case}/in/y"]).long()).backward()
        dx = x.grad.numpy()
        assert np.allclose(dx, d[f"{case}/ref/dx"], rtol=1e-13, atol=1e-16)    # the recording is torch's
        per_case.append(float((0.01 / np.abs(dx[dx != 0])).max()))
    assert got["dx"]["ok"] is False and got["loss"]["ok"] is True
    assert got["dx"]["max_rel_diff"] == pytest.approx(per_case[0], rel=1e-6)
    assert got["dx"]["max_abs_diff"] == pytest.approx(0.01, rel=1e-9)


@pytest.mark.parametrize("text, extra, status, words", [
    (RIGHT, [], 0, ": 2 layers agree with torch, every output and gradient element within atol 1e-12 + rtol 1e-09"),
    (DB_MEAN, [], 1, "affine_backward: db disagrees with torch"),
    (DB_MEAN, ["--layer", "relu"], 0, "1 layer agrees"),            # the wrong layer is not checked
    (DB_MEAN, ["--layer", "affine"], 1, "affine_backward: db disagrees with torch"),
    (RIGHT, ["--layer", "batchnorm"], 2, "error: --layer batchnorm: the file defines no batchnorm_forward"),
    (RIGHT, ["--layer", "nope"], 2, "error: --layer nope: no such layer"),
    (RIGHT.replace("return dout * (cache > 0)", "raise ValueError('mine')"), [], 2,
     "relu: relu_backward raised ValueError: mine"),                # a layer that raises; affine still checked
    (RIGHT.replace("def relu_backward(dout, cache)", "def relu_backward(dout)"), [], 2,
     "expected relu_backward(dout, cache) -> dx"),                  # another signature; affine still checked
    ("def relu_forward(x):\n    return x, x\n", [], 2, "no layer could be checked"),   # no backward
])
def test_exit_statuses(tmp_path, text, extra, status, words):
    run = compare("check", str(_write(tmp_path, "layers.py", text)), *extra)
    assert run.returncode == status, (extra, run.stdout, run.stderr)
    assert words in run.stdout + run.stderr, (run.stdout, run.stderr)
    frames = re.findall(r'File "([^"]+)"', run.stderr)
    assert all(Path(f).parent == tmp_path for f in frames), run.stderr    # a traceback shown is the file's own
    if extra and status == 2:                                   # a bad option: one line, nothing on stdout
        assert run.stdout == "" and run.stderr.count("\n") == 1 and run.stderr.startswith("error: "), run.stderr
    if extra and extra[1] == "relu":
        assert "1 layer agrees" in run.stdout and "affine" not in run.stdout
    if not extra and status == 2 and "affine_forward" in text:
        assert re.search(r"affine +OK", run.stdout), run.stdout     # the other layer is checked all the same


def test_layer_limits_the_json_to_that_layer(tmp_path):
    run = compare("check", str(_write(tmp_path, "layers.py", DB_MEAN)), "--layer", "affine", "--json")
    assert run.returncode == 1
    assert [layer["layer"] for layer in json.loads(run.stdout)["layers"]] == ["affine"]


RUBRIC = """
reference = "numpy"
[[check]]
name = "affine by gradient"
layer = "affine"
points = 3
points_per = "gradient"
fresh = false
[[check]]
name = "relu"
layer = "relu"
points = 2
fresh = false
[[check]]
name = "affine whole"
layer = "affine"
points = 4
fresh = false
"""
# by hand: DB_MEAN's affine has 4 items (out, dx, dw, db), 3 agree: 3 x 3/4 = 2.25 per gradient, 0 of 4 as a
# whole layer; relu agrees: 2. Total 4.25 of 9. RIGHT: 9 of 9.
HAND = {"db_mean.py": ([2.25, 2.0, 0.0], 4.25, "fail"), "right.py": ([3.0, 2.0, 4.0], 9.0, "pass")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("layer_grades")
    _write(tmp, "db_mean.py", DB_MEAN)
    _write(tmp, "right.py", RIGHT)
    _write(tmp, "rubric.toml", RUBRIC)
    run = compare("grade", str(tmp / "db_mean.py"), str(tmp / "right.py"), "--rubric", str(tmp / "rubric.toml"),
                  "--csv", str(tmp / "out.csv"), "--json", str(tmp / "out.json"), cwd=tmp)
    assert run.returncode == 0, run.stderr
    (tmp / "table.txt").write_text(run.stdout)
    gs = compare("grade", str(tmp / "db_mean.py"), "--rubric", str(tmp / "rubric.toml"), "--gradescope",
                 str(tmp / "results.json"), "--quiet", cwd=tmp)
    assert gs.returncode == 0, gs.stderr
    return tmp


def test_layer_grades_in_the_json(graded):
    for sub in json.loads((graded / "out.json").read_text())["submissions"]:
        scores, total, verdict = HAND[sub["file"]]
        assert [c["score"] for c in sub["checks"]] == scores
        assert [c["max_score"] for c in sub["checks"]] == [3.0, 2.0, 4.0]
        assert (sub["score"], sub["max_score"], sub["verdict"]) == (total, 9.0, verdict)
    bad = next(s for s in json.loads((graded / "out.json").read_text())["submissions"] if s["file"] == "db_mean.py")
    assert [c["verdict"] for c in bad["checks"]] == ["fail", "pass", "fail"]
    assert bad["checks"][0]["layer_failure"]["item"] == "db"


def test_layer_grades_in_the_csv_and_the_table(graded):
    with open(graded / "out.csv", newline="", encoding="utf-8") as f:
        rows = {r["file"]: r for r in csv.DictReader(f)}
    assert [rows["db_mean.py"][k] for k in ("score", "max_score", "verdict", "affine by gradient", "relu",
                                            "affine whole")] == ["4.25", "9", "fail", "2.25", "2", "0"]
    assert [rows["right.py"][k] for k in ("score", "max_score", "verdict", "affine by gradient", "relu",
                                          "affine whole")] == ["9", "9", "pass", "3", "2", "4"]
    table = (graded / "table.txt").read_text().splitlines()
    assert [line.split()[:3] for line in table[1:3]] == [["db_mean.py", "4.25/9", "fail"], ["right.py", "9/9", "pass"]]


def test_layer_grades_in_gradescopes_file(graded):
    results = json.loads((graded / "results.json").read_text())
    assert results["score"] == 4.25 and results["output"].startswith("fail: 4.25/9")
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [
        ("affine by gradient", 2.25, 3.0), ("relu", 2.0, 2.0), ("affine whole", 0.0, 4.0)]
    assert results["output_format"] == "text" and all(t["output_format"] == "text" for t in results["tests"])


def test_timeout_limits_a_layer_files_code_in_all(tmp_path):
    """`--timeout SECONDS` (docs/layers.md: as for backward files): a forward that never returns is stopped
    past 1 s, exit 2, one line naming the function; never the 600 s default, nor 10x the limit."""
    import time
    path = _write(tmp_path, "loop.py", "def relu_forward(x):\n    while True:\n        pass\n\n"
                                      "def relu_backward(dout, cache):\n    return dout\n")
    start = time.monotonic()
    run = compare("check", str(path), "--timeout", "1")
    elapsed = time.monotonic() - start
    assert run.returncode == 2 and run.stdout == "", run.stderr
    assert run.stderr.strip().splitlines() == [f"error: {path}: ran past its time limit (--timeout 1 s) in "
                                               "relu_forward"]
    assert 1 <= elapsed < 8, elapsed


@pytest.mark.parametrize("factor, hinted", [(1 + 1e-8, True), (1 + 1e-6, False)])
def test_a_hint_only_where_the_numbers_are_the_mistakes_to_rounding(tmp_path, factor, hinted):
    """docs/layers.md: a hint is said only when your numbers equal what the mistake computes "to rounding: 1e-7
    of the array's scale". db averaged over the batch (the factor-N mistake) times 1 + 1e-8 is that mistake;
    times 1 + 1e-6 it is not, and nothing is guessed."""
    text = DB_MEAN.replace("dout.mean(0)", f"dout.mean(0) * {factor!r}")
    run = compare("check", str(_write(tmp_path, "near.py", text)), "--json")
    assert run.returncode == 1, run.stderr
    failure = json.loads(run.stdout)["layers"][0]["failure"]
    assert failure["item"] == "db"
    assert failure["hints"] == (["a factor N: averaged over the batch where the interface sums (yours = torch's / N)"]
                                if hinted else [])


def test_the_ok_lines_figure_is_the_largest_relative_difference_of_the_json(tmp_path):
    path = _write(tmp_path, "right.py", RIGHT)
    text, data = compare("check", str(path)), compare("check", str(path), "--json")
    assert text.returncode == data.returncode == 0
    worst = {layer["layer"]: max(g["max_rel_diff"] for g in layer["gradients"])
             for layer in json.loads(data.stdout)["layers"]}
    assert worst["affine"] > 0                    # rounding in the matrix products: the figure must be the max
    for name, value in worst.items():
        assert re.search(rf"^  {name} +OK +largest relative difference {value:.2g} \(", text.stdout, flags=re.M)
    assert text.stdout.rstrip().endswith(f"(largest relative difference {max(worst.values()):.2g})")
