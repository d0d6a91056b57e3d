"""Grading meets the check: an isolated run passes the loss's conventions a file names (as in-process), and
`grade` runs a structure experiment in the closest setting and depth a file supports, as `check` does.

References: torch (live for the conventions, the shipped torch recordings for the suite), and `check`'s own
verdicts and `ran_as` for the same file, themselves tested against torch elsewhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compare.grading.answers import signature_keywords

ROOT = Path(__file__).resolve().parents[1]
STYLES = ROOT / "tests" / "styles"
KEYWORD_FILE = ROOT / "tests" / "followups" / "conventions_by_keyword.py"
torch = pytest.importorskip("torch")


def _sandboxes() -> list[str]:
    from compare.errors import ExperimentError
    from compare.sandbox.choose import resolve
    try:
        return ["none", resolve("bwrap", quiet=True)]
    except ExperimentError:
        return ["none"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "compare", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)


def _grade(tmp_path: Path, files: list[Path], *options: str) -> dict[str, dict]:
    out = tmp_path / "grades.json"
    done = _run("grade", *map(str, files), "--json", str(out), "--seed", "5", "--quiet", *options)
    assert done.returncode == 0, done.stderr
    return {Path(s["file"]).stem: s for s in json.loads(out.read_text())["submissions"]}


def test_the_described_signature_gives_the_keywords_in_process_loading_gives():
    sig = {"binds": True, "var_keyword": False, "keywords": ["weights", "biases", "activations", "targets", "l2",
                                                            "reduction", "loss"]}
    assert signature_keywords(sig, "f.py", "backward", 4, "") == ("loss", "reduction", "l2")
    sig = {"binds": True, "var_keyword": True, "keywords": ["weights", "biases", "activations", "targets",
                                                           "settings"]}
    assert "l2" not in signature_keywords(sig, "f.py", "backward", 4, "")   # never through **kwargs
    sig["keywords"].append("bce_outputs")
    assert signature_keywords(sig, "f.py", "backward", 4, "")[-1] == "bce_outputs"


def _suite_json(*extra: str) -> dict:
    done = _run("check", str(KEYWORD_FILE), "--l2", "0.1", "--reduction", "sum", "--json", *extra)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_an_isolated_check_passes_the_conventions_a_file_names_and_gives_the_same_numbers():
    here = _suite_json()     # in-process: the file receives l2 and reduction, and agrees with torch
    assert [r["status"] for r in here["suite"]["experiments"]][:3] == ["ok", "ok", "ok"]
    for sandbox in _sandboxes():
        there = _suite_json("--isolate", "--sandbox", sandbox)
        assert there["suite"]["experiments"] == here["suite"]["experiments"], sandbox
        assert [r["parity"] for r in there["runs"]] == [r["parity"] for r in here["runs"]], sandbox
        assert [r["loss_log"] for r in there["runs"]] == [r["loss_log"] for r in here["runs"]], sandbox


def test_grade_passes_the_conventions_a_rubric_sets_to_a_file_that_names_them(tmp_path):
    rubric = tmp_path / "l2.toml"
    rubric.write_text('[[check]]\nname = "l2"\nsuite = "batches"\nl2 = 0.1\nreduction = "sum"\n')
    for sandbox in _sandboxes():
        grades = _grade(tmp_path, [KEYWORD_FILE, STYLES / "minimal.py"], "--rubric", str(rubric),
                        "--sandbox", sandbox)
        assert (grades["conventions_by_keyword"]["score"], grades["conventions_by_keyword"]["verdict"]) == (1.0,
                                                                                                           "pass")
        # the control: a right file that does not take them is not right for this loss
        assert (grades["minimal"]["score"], grades["minimal"]["verdict"]) == (0.0, "fail")


def _check_ran_as(path: Path) -> dict[str, str | None]:
    done = _run("check", str(path), "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    return {r["experiment"]: r["ran_as"] for r in json.loads(done.stdout)["suite"]["experiments"]
            if r["experiment"] in ("batches", "square", "long")}


def test_default_grade_runs_the_structure_experiments_where_check_runs_them(tmp_path):
    two_layers = tmp_path / "two_layers_only.py"
    two_layers.write_text((STYLES / "minimal.py").read_text().replace(
        "    B = targets.shape[0]\n", "    if len(weights) != 2:\n        raise NotImplementedError('two layers "
        "only')\n    B = targets.shape[0]\n"))
    wrong = tmp_path / "cs231n_unaveraged.py"
    wrong.write_text((STYLES / "cs231n_style.py").read_text().replace("        dscores /= N\n", ""))
    files = [STYLES / "cs231n_style.py", two_layers, wrong, STYLES / "minimal.py"]
    grades = _grade(tmp_path, files, "--sandbox", "none")
    for path in files[:2]:
        g = grades[path.stem]
        assert (g["score"], g["max_score"], g["verdict"]) == (3.0, 3.0, "pass"), g["reason"]
        expected = _check_ran_as(path)
        assert {c["name"]: c.get("ran_as") for c in g["checks"]} == expected
        for c in g["checks"]:
            if c.get("ran_as"):
                assert c["message"].startswith(f"ran in {c['setting']}, the closest setting")
        assert "ran in hidden" in g["reason"]           # the table's row says it
    assert any(v and "relu-softmax" in v for v in _check_ran_as(STYLES / "cs231n_style.py").values())
    # not averaged over the batch: wrong wherever a batch holds more than one sample (`long` has one)
    g = grades["cs231n_unaveraged"]
    assert [c["verdict"] for c in g["checks"]] == ["fail", "fail", "pass"] and g["verdict"] == "fail"
    assert "ran in hidden relu, output softmax" in grades["cs231n_unaveraged"]["checks"][0]["message"]
    assert all(c.get("ran_as") is None for c in grades["minimal"]["checks"])
    assert grades["minimal"]["score"] == 3.0 and grades["minimal"]["reason"] == ""


def test_suite_all_does_not_count_what_a_file_says_it_does_not_support_and_fallback_false_pins(tmp_path):
    every = tmp_path / "all.toml"
    every.write_text('suite = "all"\n')
    grades = _grade(tmp_path, [STYLES / "cs231n_style.py"], "--rubric", str(every), "--sandbox", "none")
    g = grades["cs231n_style"]
    assert (g["score"], g["max_score"], g["verdict"]) == (3.0, 3.0, "pass")
    skipped = [c for c in g["checks"] if c["verdict"] == "skipped"]
    assert skipped and all(c["max_score"] == 0 and "NotImplementedError" in c["message"] for c in skipped
                           if c["name"] != "leaky-slope")
    pinned = tmp_path / "pinned.toml"
    pinned.write_text('[[check]]\nname = "b"\nsuite = "batches"\nfallback = false\n')
    g = _grade(tmp_path, [STYLES / "cs231n_style.py"], "--rubric", str(pinned), "--sandbox", "none")["cs231n_style"]
    assert (g["score"], g["verdict"]) == (0.0, "error") and "NotImplementedError" in g["checks"][0]["message"]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[check]]\nname = "b"\nexperiment = "hiring"\nfallback = false\n')
    done = _run("grade", str(STYLES / "minimal.py"), "--rubric", str(bad))
    assert done.returncode == 2 and "fallback" in done.stderr and "Traceback" not in done.stderr


def test_bce_outputs_in_a_rubric_applies_to_the_bce_versions_as_the_check_flag_does(tmp_path):
    dlai = STYLES / "dlai_style.py"
    assert _run("check", str(dlai), "--bce-outputs", "sum").returncode == 0     # torch, live: the reference
    rubric = tmp_path / "bce.toml"
    rubric.write_text('[[check]]\nname = "b"\nsuite = "batches"\nbce_outputs = "sum"\n')
    grades = _grade(tmp_path, [dlai, STYLES / "minimal.py"], "--rubric", str(rubric), "--sandbox", "none")
    g = grades["dlai_style"]
    assert g["verdict"] == "pass" and g["checks"][0]["ran_as"] == "batches-relu-bce"
    assert grades["minimal"]["verdict"] == "pass"      # its own setting has no BCE: the key does not apply
    plain = _grade(tmp_path, [dlai], "--sandbox", "none")["dlai_style"]
    assert plain["verdict"] == "fail"                  # averaged over the outputs, as torch's default
    pinned = tmp_path / "pinned.toml"
    pinned.write_text(rubric.read_text() + "fallback = false\n")
    done = _run("grade", str(dlai), "--rubric", str(pinned))
    assert done.returncode == 2 and 'uses loss "bce"' in done.stderr and "Traceback" not in done.stderr
