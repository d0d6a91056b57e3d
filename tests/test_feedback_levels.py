"""A rubric's three feedback levels, on submissions with known mistakes (tests/zoo), graded against our NumPy
reference: "hints" names the pattern, "location" the update, stage, layer, parameter and the kind of mistake
with no formula, no value and no hint sentence, "verdict" pass or fail only. The Gradescope file declares
every output "text" (shown as written, in a monospace block), so the element table of a hint stays aligned."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ZOO = Path(__file__).with_name("zoo")
# (file, the kind of mistake "location" must name, the layer and parameter of the first disagreement)
CASES = [("negated", "a sign", "layer 2, dW2"), ("transposed_dw", "a transpose", "layer 2, dW2"),
         ("no_derivative", "a missing derivative", "layer 2, dW2"), ("no_batch_average", "a factor", "layer 2, dW2")]
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
FORMULA = re.compile(r"@|\bnp\.|\.T\b|/ ?B\b|keepdims|axis=|\d\.\d{3,}|A - T|T - A|\(a - t\)")


def grade(tmp_path: Path, level: str, *files: Path, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    rubric = tmp_path / f"{level}.toml"
    rubric.write_text(RUBRIC.format(level=level))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "compare", "grade", *map(str, files), "--rubric", str(rubric),
                           "--quiet", *extra], capture_output=True, text=True, env=env, cwd=tmp_path,
                          stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture(scope="module")
def messages(tmp_path_factory) -> dict[str, dict[str, str]]:
    """{level: {file: the check's message}} for every case."""
    tmp = tmp_path_factory.mktemp("feedback")
    found = {}
    for level in ("hints", "location", "verdict"):
        out = tmp / f"{level}.json"
        done = grade(tmp, level, *(ZOO / f"{name}.py" for name, _, _ in CASES), extra=("--json", str(out)))
        assert done.returncode in (0, 1), done.stderr
        subs = json.loads(out.read_text())["submissions"]
        found[level] = {Path(s["file"]).stem: s["checks"][0]["message"] for s in subs}
        assert all(s["verdict"] == "fail" for s in subs), subs
    return found


@pytest.mark.parametrize("name, kind, where", CASES)
def test_location_names_place_and_kind_and_no_formula(messages, name, kind, where):
    hints, location, verdict = (messages[level][name] for level in ("hints", "location", "verdict"))
    assert "update 1, stage gradient, " + where in location, location
    assert f"the kind of mistake: {kind}" in location, location
    assert not FORMULA.search(location), location
    assert "\n" not in location and len(location) < len(hints)
    hint_sentences = [line for line in hints.splitlines() if line.strip().startswith("hint")]
    assert hint_sentences and not any(h.split(":", 1)[-1].strip()[:40] in location for h in hint_sentences)
    assert verdict == "disagrees with the reference at update 1"


def test_hints_do_not_give_the_fix_away(messages):
    """The hints point at the mistake; the formula that fixes it is the student's to write."""
    for name, text in messages["hints"].items():
        hints = " ".join(line for line in text.splitlines() if line.strip().startswith("hint"))
        assert hints, (name, text)
        for fix in ("A_prev.T @ delta", "np.sum(delta", "divide the sums", "built from A - T", "keepdims",
                    "divide by B"):
            assert fix not in hints, (name, fix, hints)


def test_gradescope_file_declares_text_and_keeps_the_table_aligned(tmp_path):
    out = tmp_path / "results.json"
    done = grade(tmp_path, "hints", ZOO / "negated.py", extra=("--gradescope", str(out)))
    assert done.returncode in (0, 1), done.stderr
    results = json.loads(out.read_text())
    assert results["output_format"] == results["test_output_format"] == results["test_name_format"] == "text"
    assert all(t["output_format"] == "text" for t in results["tests"])
    table = [line for line in results["tests"][0]["output"].splitlines() if re.match(r"\s+\[\d+, \d+\]", line)]
    assert len(table) >= 2
    columns = {tuple(m.end() for m in re.finditer(r"\S+", line))[:3] for line in table}
    assert len(columns) == 1, table          # every row's columns end at the same place: aligned in monospace
