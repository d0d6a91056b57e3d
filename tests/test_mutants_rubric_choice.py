"""What a rubric grades, where the README's "Grading" promises it: without `--rubric`, a class of layer files
(more layer files than backward files; files that are neither do not vote) gets the layer templates' default,
each folder graded through its entry file; `suite = "all"` grades every suite experiment (those needing a
keyword only where the file takes it), `suite = "template"` the template's three; a check naming a suite
experiment falls back to another setting unless `fallback = false`; an explicit check is never optional;
layer checks and experiment checks never mix. The suite's experiments are written out by hand below (the
README's suite table), not read from the suite. In this process, no grading run.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from compare.errors import ExperimentError
from compare.grading.rubric import _layer_entries, default_rubric, load_rubric, suite_checks

SUITE = ["batches", "square", "long", "loss-mean", "loss-bce", "cross-entropy", "hidden-tanh", "hidden-relu",
         "hidden-leaky_relu", "hidden-identity", "leaky-slope", "output-tanh", "output-identity",
         "output-leaky_relu"]
TEMPLATE = ["batches", "square", "long"]          # the structure experiments: the seed's setting, no keyword
LAYER = "import numpy as np\n\n\ndef affine_forward(x, w, b):\n    return x.reshape(len(x), -1) @ w + b, (x, w, b)\n"
BACKWARD = "def backward(weights, biases, activations, targets):\n    raise NotImplementedError\n"
NEITHER = "def helper(x):\n    return x\n"


def _sub(path: Path | None, name: str = "s") -> SimpleNamespace:
    return SimpleNamespace(path=path, name=name)


@pytest.fixture
def files(tmp_path: Path) -> SimpleNamespace:
    def file(name: str, text: str) -> Path:
        (tmp_path / name).write_text(text)
        return tmp_path / name

    def folder(name: str, **members: str) -> Path:
        (tmp_path / name).mkdir()
        for member, text in members.items():
            (tmp_path / name / f"{member}.py").write_text(text)
        return tmp_path / name

    return SimpleNamespace(
        layer=file("layer.py", LAYER), layer2=file("layer2.py", LAYER), backward=file("mlp.py", BACKWARD),
        backward2=file("mlp2.py", BACKWARD), neither=file("helper.py", NEITHER),
        layer_folder=folder("lf", mine=LAYER, notes=NEITHER), ambiguous=folder("amb", one=LAYER, two=LAYER),
        backward_folder=folder("bf", helpers=NEITHER, net=BACKWARD), neither_folder=folder("nf", h=NEITHER))


def test_layer_files_outnumbering_backward_files_get_the_layer_default(files):
    assert _layer_entries([_sub(files.layer)]) == [files.layer]
    assert _layer_entries([_sub(files.layer), _sub(files.layer2), _sub(files.backward)]) == [files.layer,
                                                                                            files.layer2]
    assert default_rubric([_sub(files.layer)]).checks[0].layer is not None
    assert default_rubric([_sub(files.backward)]).checks[0].layer is None


def test_a_tie_or_fewer_layer_files_is_a_class_of_backward_files(files):
    assert _layer_entries([_sub(files.layer), _sub(files.backward)]) is None
    assert _layer_entries([_sub(files.layer), _sub(files.layer2), _sub(files.backward),
                           _sub(files.backward2)]) is None
    assert _layer_entries([_sub(files.layer), _sub(files.backward), _sub(files.backward2)]) is None
    assert _layer_entries([_sub(files.backward)]) is None
    assert _layer_entries([]) is None


def test_a_backward_folder_votes_for_backward_and_files_that_are_neither_do_not_vote(files):
    assert _layer_entries([_sub(files.layer), _sub(files.backward_folder)]) is None
    assert _layer_entries([_sub(files.layer), _sub(files.neither), _sub(files.neither_folder)]) == [files.layer]


def test_a_layer_folder_is_graded_through_its_entry_file(files):
    assert _layer_entries([_sub(files.layer_folder)]) == [files.layer_folder / "mine.py"]
    assert _layer_entries([_sub(files.layer), _sub(files.layer_folder), _sub(files.backward)]) == [
        files.layer, files.layer_folder / "mine.py"]


def test_a_folder_with_several_candidates_still_votes_and_is_left_to_its_own_grading(files):
    # two layer files and no submission.py: that submission's error, when it is graded; the others go on
    assert _layer_entries([_sub(files.ambiguous), _sub(files.layer), _sub(files.backward)]) == [files.layer]


def test_a_submission_without_a_path_is_passed_over(files):
    assert _layer_entries([_sub(None), _sub(files.layer)]) == [files.layer]
    assert _layer_entries([_sub(None), _sub(None), _sub(files.backward)]) is None


def test_suite_choices_by_hand():
    every = suite_checks("all")
    assert [c.name for c in every] == SUITE and [c.suite for c in every] == SUITE
    assert [c.name for c in every if not c.optional] == TEMPLATE
    assert [c.name for c in suite_checks("template")] == TEMPLATE
    assert not any(c.optional for c in suite_checks("template"))
    assert all(c.fallback and c.points == 1.0 for c in every)


def rubric(tmp_path: Path, text: str):
    path = tmp_path / "r.toml"
    path.write_text(text)
    return load_rubric(path)


def test_suite_all_alone_is_a_rubric(tmp_path):
    r = rubric(tmp_path, 'suite = "all"\n')
    assert [c.name for c in r.checks] == SUITE and r.max_score == 14.0


def test_suite_all_with_more_checks_keeps_both(tmp_path):
    r = rubric(tmp_path, 'suite = "template"\n[[check]]\nname = "bce"\nsuite = "loss-bce"\npoints = 2\n')
    assert [c.name for c in r.checks] == TEMPLATE + ["bce"] and r.max_score == 5.0
    assert r.checks[-1].optional is False and r.checks[-1].fallback is True   # an explicit check is always graded


def test_no_checks_and_no_suite_is_one_line(tmp_path):
    with pytest.raises(ExperimentError, match="no checks: expected one or more"):
        rubric(tmp_path, 'feedback = "hints"\n')


def test_fallback_false_pins_the_setting_and_fallback_needs_a_suite_check(tmp_path):
    r = rubric(tmp_path, '[[check]]\nname = "b"\nsuite = "batches"\nfallback = false\n'
                         '[[check]]\nname = "s"\nsuite = "square"\n')
    assert [c.fallback for c in r.checks] == [False, True]
    for body, found in (('suite = "batches"\nfallback = 1\n', "found 1"),
                        ('experiment = "hiring"\nfallback = true\n', "found True"),
                        ('fallback = false\n', "found False")):
        with pytest.raises(ExperimentError, match=f"check 'b': fallback: expected true or false, .*{found}"):
            rubric(tmp_path, f'[[check]]\nname = "b"\n{body}')


def test_every_layer_check_of_a_rubric_is_kept(tmp_path):
    r = rubric(tmp_path, '[[check]]\nname = "a"\nlayer = "affine"\n[[check]]\nname = "b"\nlayer = "relu"\n'
                         '[[check]]\nname = "c"\nlayer = "batchnorm"\npoints = 2\n')
    assert [c.name for c in r.checks] == ["a", "b", "c"] and r.max_score == 4.0


@pytest.mark.parametrize("body", [
    '[[check]]\nname = "a"\nlayer = "affine"\n[[check]]\nname = "b"\nexperiment = "hiring"\n',
    '[[check]]\nname = "b"\nexperiment = "hiring"\n[[check]]\nname = "a"\nlayer = "affine"\n',
    'suite = "template"\n[[check]]\nname = "a"\nlayer = "affine"\n',
])
def test_layer_and_experiment_checks_never_mix(tmp_path, body):
    with pytest.raises(ExperimentError, match="layer checks and experiment checks in one rubric"):
        rubric(tmp_path, body)
