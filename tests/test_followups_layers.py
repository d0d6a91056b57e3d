"""Layer files in grading and in the check's edges: a template body not written yet, the default rubric of a
class of layer files, a folder of layer files (grade and check --isolate), a file mixing backward and layer
functions, and the import advice for a package.

References: the in-process layer check's verdicts on the same file (themselves tested against torch), and
torch through the recordings drawn at grade time (the reference solutions score full marks on fresh inputs)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compare.grading.layers.rubric import templates

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
HALF_DONE = ROOT / "tests" / "layers_own" / "audit" / "template_style.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "compare", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)


def _grade(tmp_path: Path, paths: list[Path], *options: str) -> tuple[dict, dict[str, dict]]:
    out = tmp_path / "grades.json"
    done = _run("grade", *map(str, paths), "--json", str(out), "--seed", "3", "--quiet", "--sandbox", "none",
                *options)
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    return document, {Path(s["file"]).stem: s for s in document["submissions"]}


def _sandboxes() -> list[str]:
    from compare.errors import ExperimentError
    from compare.sandbox.choose import resolve
    try:
        return ["none", resolve("bwrap", quiet=True)]
    except ExperimentError:
        return ["none"]


def _check_statuses(path: Path) -> dict[str, str]:
    done = _run("check", str(path), "--json")
    return {r["layer"]: r["status"] for r in json.loads(done.stdout)["layers"]}


def test_the_templates_cover_the_table_once():
    from compare.layers.table import LAYERS
    names = [layer for _, layers in templates() for layer in layers]
    assert sorted(names) == sorted(LAYERS) and len(names) == len(set(names))
    for name, layers in templates():   # each template file asks for exactly its layers' functions
        text = (EXAMPLES / name).read_text()
        for layer in layers:
            assert all(f"def {fn}(" in text for fn in LAYERS[layer].functions), (name, layer)


def test_default_grade_of_layer_files_grades_each_template_they_fill_in(tmp_path):
    pytest.importorskip("torch")
    dense, conv = tmp_path / "dense_solution.py", tmp_path / "conv_solution.py"
    shutil.copy(EXAMPLES / "layers_solution.py", dense)
    shutil.copy(EXAMPLES / "layers_conv_solution.py", conv)
    half = tmp_path / "half_done.py"
    shutil.copy(HALF_DONE, half)
    document, grades = _grade(tmp_path, [dense, conv, half])
    dense_layers = dict(templates())["layers_template.py"]
    conv_layers = dict(templates())["layers_conv_template.py"]
    assert [c["name"] for c in document["checks"]] == list(dense_layers + conv_layers)   # rnn: nobody fills it in
    assert (grades["dense_solution"]["score"], grades["dense_solution"]["max_score"]) == (8.0, 8.0)
    assert (grades["conv_solution"]["score"], grades["conv_solution"]["max_score"]) == (4.0, 4.0)
    assert all(c["verdict"] == "skipped" and c["max_score"] == 0 for c in grades["conv_solution"]["checks"][:8])
    # the half-done template: graded as the in-process check judges it, a body not written yet says so
    statuses = _check_statuses(half)
    g = grades["half_done"]
    by_name = {c["name"]: c for c in g["checks"]}
    assert g["max_score"] == 8.0 and g["verdict"] == "fail"
    for layer, status in statuses.items():
        expected = {"ok": "pass", "failed": "fail", "not checked": "fail", "error": "error"}[status]
        assert by_name[layer]["verdict"] == expected, layer
        if status == "not checked":
            assert "not written yet" in by_name[layer]["message"] and "error" not in by_name[layer]["message"]
    assert g["score"] == sum(1.0 for s in statuses.values() if s == "ok") == 1.0
    for layer in set(dense_layers) - set(statuses):   # the template's layers the file does not define
        assert by_name[layer]["verdict"] == "fail" and by_name[layer]["score"] == 0


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "class" / "alice"
    folder.mkdir(parents=True)
    (folder / "helpers.py").write_text("import numpy as np\n\n\ndef same(x):\n    return np.asarray(x)\n")
    (folder / "my_layers.py").write_text("from helpers import same  # noqa: F401\n"
                                         + (EXAMPLES / "layers_solution.py").read_text())
    return folder


def test_a_folder_of_layer_files_in_grade_and_check(tmp_path):
    pytest.importorskip("torch")
    folder = _folder(tmp_path)
    _, grades = _grade(tmp_path, [folder.parent])        # a class folder: one folder per student
    assert (grades["alice"]["score"], grades["alice"]["max_score"], grades["alice"]["verdict"]) == (8.0, 8.0, "pass")
    plain = _check_statuses(folder / "my_layers.py")
    assert set(plain.values()) == {"ok"}
    for extra in ([], *(["--isolate", "--sandbox", level] for level in _sandboxes())):
        done = _run("check", str(folder), "--json", *extra)
        assert done.returncode == 0, done.stderr
        assert {r["layer"]: r["status"] for r in json.loads(done.stdout)["layers"]} == plain
    shutil.copy(EXAMPLES / "layers_conv_solution.py", folder / "conv.py")
    for extra in ([], ["--isolate", "--sandbox", "none"]):
        done = _run("check", str(folder), *extra)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "2 files define layer functions (conv.py, my_layers.py)" in done.stderr.strip().splitlines()[-1]
    _, grades = _grade(tmp_path, [folder.parent], "--rubric", str(_layer_rubric(tmp_path)))
    assert grades["alice"]["verdict"] == "error" and "conv.py, my_layers.py" in grades["alice"]["reason"]


def _layer_rubric(tmp_path: Path) -> Path:
    rubric = tmp_path / "layers.toml"
    rubric.write_text('[[check]]\nname = "affine"\nlayer = "affine"\n')
    return rubric


def test_a_file_with_backward_and_layer_functions_says_its_layers_are_not_checked(tmp_path):
    mixed = tmp_path / "mixed.py"
    mixed.write_text((ROOT / "tests" / "styles" / "minimal.py").read_text()
                     + "\n\ndef affine_forward(x, w, b):\n    return x @ w + b, (x, w)\n")
    done = _run("check", str(mixed), "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["suite"]["ok"]
    notes = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "affine_forward" in notes[0] and "checked as a backward file" in notes[0]
    plain = _run("check", str(ROOT / "tests" / "styles" / "minimal.py"))
    assert "note:" not in plain.stderr


def test_the_import_advice_names_the_package_folder(tmp_path):
    user = tmp_path / "work"
    user.mkdir()
    (user / "net.py").write_text("from cs231n.layers import affine_forward\n\n\ndef backward(w, b, a, t):\n"
                                 "    return affine_forward\n")
    last = _run("check", str(user / "net.py")).stderr.strip().splitlines()[-1]
    assert "put the folder cs231n/ (its __init__.py and layers.py) in the same folder as net.py" in last
    assert "cs231n.py" not in last
    inside = tmp_path / "proj" / "cs231n" / "classifiers"
    inside.mkdir(parents=True)
    (inside.parent / "__init__.py").write_text("")
    (inside / "fc_net.py").write_text((user / "net.py").read_text())
    last = _run("check", str(inside / "fc_net.py")).stderr.strip().splitlines()[-1]
    assert "the package it is itself inside" in last and "cs231n.py" not in last
    # a plain helper module keeps its advice: its file
    (user / "mine.py").write_text("import network\n\n\ndef backward(w, b, a, t):\n    return network\n")
    assert "put network.py in the same folder as mine.py" in _run("check", str(user / "mine.py")).stderr
