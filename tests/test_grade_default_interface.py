"""The default grade fits the default interface: without a rubric, `grade` grades what the lesson's template
asks for (a file without keywords: sigmoid, loss "sum"), so a right fill-in scores full marks and the zoo's
wrong files score less; a rubric's `suite = "all"` grades every suite experiment a file's keywords allow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compare.errors import ExperimentError
from compare.grading.rubric import default_rubric, load_rubric
from compare.usercode.suite import CORE, SUITE

ROOT = Path(__file__).resolve().parents[1]


def _grade(tmp_path, files, *rubric):
    out = tmp_path / "grades.json"
    done = subprocess.run([sys.executable, "-m", "compare", "grade", *map(str, files), "--json", str(out),
                           "--seed", "5", "--quiet", *rubric], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode in (0, 1), done.stderr
    return {Path(s["file"]).stem: s for s in json.loads(out.read_text())["submissions"]}


def test_the_default_rubric_is_what_a_file_without_keywords_can_express():
    rubric = default_rubric()
    assert [c.suite for c in rubric.checks] == list(CORE) == ["batches", "square", "long"]
    assert all(not c.optional for c in rubric.checks)


def test_a_right_fill_in_of_the_template_scores_full_marks_and_zoo_files_less(tmp_path):
    template = (ROOT / "examples" / "backprop_template.py").read_text()
    assert "def backward(weights, biases, activations, targets):" in template   # the interface: no keywords
    grades = _grade(tmp_path, [ROOT / "tests" / "styles" / "minimal.py", ROOT / "tests" / "zoo" / "negated.py",
                               ROOT / "tests" / "zoo" / "accumulates.py"])
    assert grades["minimal"]["score"] == grades["minimal"]["max_score"] == 3.0
    assert grades["minimal"]["verdict"] == "pass"
    for wrong in ("negated", "accumulates"):
        assert grades[wrong]["score"] < grades[wrong]["max_score"] and grades[wrong]["verdict"] == "fail"


def test_suite_all_grades_what_each_file_s_keywords_allow(tmp_path):
    rubric = tmp_path / "all.toml"
    rubric.write_text('suite = "all"\n')
    assert len(load_rubric(rubric).checks) == len(SUITE)
    grades = _grade(tmp_path, [ROOT / "tests" / "styles" / "minimal.py", ROOT / "tests" / "styles" / "einsum_style.py"],
                    "--rubric", str(rubric))
    assert (grades["minimal"]["score"], grades["minimal"]["max_score"]) == (3.0, 3.0)
    skipped = [c for c in grades["minimal"]["checks"] if c["verdict"] == "skipped"]
    assert len(skipped) == len(SUITE) - 3 and all(c["max_score"] == 0 for c in skipped)
    assert (grades["einsum_style"]["score"], grades["einsum_style"]["max_score"]) == (len(SUITE), len(SUITE))


def test_a_bad_suite_value_is_one_line(tmp_path):
    rubric = tmp_path / "bad.toml"
    rubric.write_text('suite = "everything"\n')
    with pytest.raises(ExperimentError, match=r"suite: expected one of all, template; found 'everything'"):
        load_rubric(rubric)
