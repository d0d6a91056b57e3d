"""A rubric's `feedback` levels as docs/grading.md promises them, for backward files and layer files alike:
`"location"` gives the update, stage, layer, parameter, the other parameters out of tolerance and the kind of
mistake, "without any formula, value or hint sentence"; `"verdict"` pass / fail only; `"hints"` everything.
Gradescope's file shows each check's message as it is, every format `"text"`.

What each message must say is worked out by hand from the file: `negated.py` returns every gradient negated
(all four of dW1, db1, dW2, db2 wrong, the check names the last layer's dW2 first); `bias_sign.py` negates the
bias gradients only (db2 first, db1 also; both dW right); a layer file averaging `db` over the batch where the
interface sums is off by a factor N in `db` only.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "tests" / "zoo"
RUBRIC = """
reference = "numpy"
seed = 5
feedback = "{level}"
[[check]]
name = "square"
experiment = "hiring"
mode = "batch"
epochs = 2
sizes = [3, 3, 3]
samples = 4
"""
LAYER_RUBRIC = """
reference = "numpy"
feedback = "{level}"
[[check]]
name = "affine"
layer = "affine"
fresh = false
"""
DB_MEAN = '''
def affine_forward(x, w, b):
    return x.reshape(len(x), -1) @ w + b, (x, w, b)

def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.mean(0)
'''
VALUE = re.compile(r"\d\.\d{3,}|\be[+-]\d|yours|torch's =|\|difference\|")
FORMULA = re.compile(r"@|\bnp\.|\.T\b|/ ?[BN]\b|keepdims|axis|A - T|T - A|sum\(|mean\(")


def grade(tmp: Path, rubric: str, level: str, *files: Path, extra: tuple[str, ...] = ()) -> dict:
    (tmp / "rubric.toml").write_text(rubric.format(level=level))
    out = tmp / f"{level}.json"
    run = subprocess.run([sys.executable, "-m", "compare", "grade", *map(str, files), "--rubric",
                          str(tmp / "rubric.toml"), "--quiet", "--json", str(out), *extra], capture_output=True,
                         text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=tmp, stdin=subprocess.DEVNULL,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    return {Path(s["file"]).stem: s for s in json.loads(out.read_text())["submissions"]}


@pytest.fixture(scope="module")
def backward_messages(tmp_path_factory) -> dict[str, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("levels")
    return {level: {name: s["checks"][0]["message"] for name, s in
                    grade(tmp, RUBRIC, level, ZOO / "negated.py", ZOO / "bias_sign.py").items()}
            for level in ("hints", "location", "verdict")}


def test_location_is_where_the_others_out_of_tolerance_and_the_kind(backward_messages):
    assert backward_messages["location"] == {
        "negated": "disagrees with the reference at update 1, stage gradient, layer 2, dW2 (also out of tolerance: "
                   "db2, dW1, db1); the kind of mistake: a sign",
        "bias_sign": "disagrees with the reference at update 1, stage gradient, layer 2, db2 (also out of "
                     "tolerance: db1); the kind of mistake: a sign"}


def test_location_has_no_value_formula_or_hint_sentence(backward_messages):
    for name, text in backward_messages["location"].items():
        assert not VALUE.search(text) and not FORMULA.search(text), (name, text)
        assert "\n" not in text and "hint" not in text
        for sentence in re.findall(r"hint: ([^\n]{20,})", backward_messages["hints"][name]):
            assert sentence[:30] not in text


def test_verdict_is_pass_or_fail_only_and_hints_say_more(backward_messages):
    assert set(backward_messages["verdict"].values()) == {"disagrees with the reference at update 1"}
    for name in ("negated", "bias_sign"):
        assert "hint" in backward_messages["hints"][name] and "exact negative" in backward_messages["hints"][name]


@pytest.fixture(scope="module")
def layer_checks(tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("layer_levels")
    (tmp / "db_mean.py").write_text(DB_MEAN)
    return {level: grade(tmp, LAYER_RUBRIC, level, tmp / "db_mean.py")["db_mean"]["checks"][0]
            for level in ("hints", "location", "verdict")}


def test_a_layer_at_location_level_is_where_and_what_kind_no_value(layer_checks):
    text = layer_checks["location"]["message"]
    assert re.fullmatch(r'affine_backward: db disagrees with torch \(case "[^"]+"\) at db\[\d\]; '
                        r"the kind of mistake: a factor \(an average, a count or a scale\)", text), text
    assert not VALUE.search(text) and not FORMULA.search(text)
    assert "averaged over the batch" not in text              # the hint's sentence is the "hints" level's
    assert layer_checks["location"]["score"] == 0 and layer_checks["location"]["verdict"] == "fail"


def test_a_layer_at_hints_and_verdict_levels(layer_checks):
    hints = layer_checks["hints"]["message"]
    assert "a factor N: averaged over the batch where the interface sums" in hints and "db[" in hints
    assert layer_checks["verdict"]["message"] == "disagrees with torch"
    assert layer_checks["hints"]["layer_failure"]["hints"] and not layer_checks["verdict"]["layer_failure"]["hints"]


def test_gradescope_shows_the_levels_message_as_text(tmp_path):
    (tmp_path / "db_mean.py").write_text(DB_MEAN)
    grade(tmp_path, LAYER_RUBRIC, "location", tmp_path / "db_mean.py",
          extra=("--gradescope", str(tmp_path / "results.json")))
    results = json.loads((tmp_path / "results.json").read_text())
    ours = json.loads((tmp_path / "location.json").read_text())["submissions"][0]["checks"][0]["message"]
    assert [t["output"] for t in results["tests"]] == [ours]
    assert results["output_format"] == results["test_output_format"] == results["test_name_format"] == "text"
    assert [t["output_format"] for t in results["tests"]] == ["text"]
    assert (results["score"], results["tests"][0]["score"], results["tests"][0]["max_score"]) == (0, 0, 1)
