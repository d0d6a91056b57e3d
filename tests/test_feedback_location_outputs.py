"""`feedback = "location"` shows no formula, no value and no hint sentence in any output a class is graded
into: the terminal table, CSV, JSON (the check's message and its `failure` summary) and Gradescope's
results.json; for backward submissions (tests/zoo) and for layer files (tests/layers_zoo). The hint sentences
each submission's mistake produces are read from the same grade at `feedback = "hints"`, so the test knows
what must not appear."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ZOO, LAYERS = ROOT / "tests" / "zoo", ROOT / "tests" / "layers_zoo"
MLP = {"negated": "a sign", "no_batch_average": "a factor", "transposed_dw": "a transpose"}
LAYER_FILES = {"batchnorm_no_mean_term": "a missing term", "affine_db_averaged": "a factor",
               "conv_kernel_flipped": "the kernel's orientation", "softmax_dx_not_averaged": "a factor"}
MLP_RUBRIC = """
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
[[check]]
name = "batchnorm"
layer = "batchnorm"
[[check]]
name = "softmax"
layer = "softmax_loss"
[[check]]
name = "conv"
layer = "conv"
"""
# a formula or a value: a product, NumPy, a transpose, a division by the batch, a long decimal, an equation
FORMULA = re.compile(r"@|\bnp\.|\.T\b|/ ?B\b|/ ?N\b|keepdims|axis=|\d\.\d{3,}|A - T|T - A|\(a - t\)| = |yours -?\d"
                     r"|torch -?\d|sqrt|\+=")


def grade(tmp: Path, rubric: str, level: str, files: list[Path], *extra: str) -> subprocess.CompletedProcess:
    path = tmp / f"rubric_{level}.toml"
    path.write_text(rubric.format(level=level))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "compare", "grade", *map(str, files), "--rubric", str(path),
                           *extra], capture_output=True, text=True, env=env, cwd=tmp, stdin=subprocess.DEVNULL,
                          timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return done


def outputs(tmp: Path, rubric: str, level: str, files: list[Path]) -> dict[str, str]:
    """{"table": stdout, "csv": ..., "json": ..., "gradescope": results.json of the first file}."""
    table = grade(tmp, rubric, level, files, "--csv", str(tmp / f"{level}.csv"), "--json", str(tmp / f"{level}.json"))
    grade(tmp, rubric, level, files[:1], "--gradescope", str(tmp / f"{level}_gs.json"), "--quiet")
    return {"table": table.stdout, "csv": (tmp / f"{level}.csv").read_text(),
            "json": (tmp / f"{level}.json").read_text(), "gradescope": (tmp / f"{level}_gs.json").read_text()}


def strings(doc) -> str:
    """Every text of a JSON document a student or an instructor reads (not its file names), joined."""
    if isinstance(doc, dict):
        return " ".join(strings(v) for k, v in doc.items() if k not in ("file", "rubric"))
    if isinstance(doc, list):
        return " ".join(strings(v) for v in doc)
    return doc if isinstance(doc, str) else ""


def hint_sentences(doc: dict) -> list[str]:
    """Every hint the `hints` level gives (its lines starting with "hint")."""
    found = []
    for sub in doc["submissions"]:
        for check in sub["checks"]:
            found += [line.split(":", 1)[1].strip() for line in check["message"].splitlines()
                      if line.strip().startswith("hint")]
    return found


@pytest.fixture(scope="module", params=["mlp", "layers"])
def graded(request, tmp_path_factory) -> tuple[str, dict[str, str], dict[str, str]]:
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "mlp":
        rubric, files = MLP_RUBRIC, [ZOO / f"{n}.py" for n in MLP]
    else:
        rubric, files = LAYER_RUBRIC, [LAYERS / f"{n}.py" for n in LAYER_FILES]
    return request.param, outputs(tmp, rubric, "hints", files), outputs(tmp, rubric, "location", files)


def test_no_output_shows_a_formula_a_value_or_a_hint(graded):
    kind, hints, location = graded
    sentences = hint_sentences(json.loads(hints["json"]))
    assert len(sentences) >= 3, hints["json"]
    assert any(FORMULA.search(s) for s in sentences)          # what is hidden is there at the hints level
    for name, text in location.items():
        flat = " ".join((strings(json.loads(text)) if name in ("json", "gradescope") else text).split())
        assert not FORMULA.search(flat), (kind, name, FORMULA.search(flat), flat[:3000])
        leaked = [s for s in sentences if s[:40] in flat]
        assert not leaked, (kind, name, leaked)


def test_every_output_names_the_place_and_the_kind(graded):
    kind, _, location = graded
    doc = json.loads(location["json"])
    expected = MLP if kind == "mlp" else LAYER_FILES
    for sub in doc["submissions"]:
        stem = Path(sub["file"]).stem
        messages = " ".join(c["message"] for c in sub["checks"])
        assert f"the kind of mistake: {expected[stem]}" in messages, (stem, messages)
        if kind == "mlp":
            assert "update 1, stage gradient, layer 2, dW2" in messages
            assert sub["checks"][0]["failure"]["hint"] == f"the kind of mistake: {expected[stem]}"
            assert f"{stem}.py" in location["table"] and expected[stem] in location["table"]
        else:
            assert re.search(r"disagrees with torch \(case \"[^\"]+\"\) at d?\w+\[\d+(, \d+)*\]", messages)
    gradescope = json.loads(location["gradescope"])
    assert "the kind of mistake" in " ".join(t["output"] for t in gradescope["tests"])


def test_the_verdict_level_summarises_with_no_hint(tmp_path):
    grade(tmp_path, MLP_RUBRIC, "verdict", [ZOO / "negated.py"], "--json", str(tmp_path / "v.json"))
    check = json.loads((tmp_path / "v.json").read_text())["submissions"][0]["checks"][0]
    assert check["message"] == "disagrees with the reference at update 1"
    assert check["failure"]["hint"] == "" and check["failure"]["parameter"] == "dW2"


def test_every_mistake_of_the_layer_table_has_a_kind_and_dropout_has_no_empty_element():
    """A mistake added to the layer table without a kind would be shown as "matches no mistake we know"."""
    from compare.layers.location import KIND_OF, layer_location
    from compare.layers.results import Failure, ItemResult, LayerResult
    from compare.layers.table import LAYERS, layer_named
    ids = {m.id for layer in LAYERS.values() for m in layer.mistakes}
    assert len(ids) >= 50 and ids <= set(KIND_OF), sorted(ids - set(KIND_OF))
    dropout = layer_named("dropout")
    hint = dropout.mistake("drop-probability").hint
    result = LayerResult("dropout", "failed", [ItemResult("out", ok=False)],
                         Failure("dropout_forward", "out", "train, p=0.8", "keeps 20.9%", (hint,)))
    assert layer_location(dropout, result) == ('dropout_forward: out disagrees with torch (case "train, p=0.8"); '
                                               "the kind of mistake: " + KIND_OF["drop-probability"])
