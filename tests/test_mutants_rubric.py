"""A rubric as the README describes it ("Rubric"): each check worth its points (default 1, 0 allowed, never
negative), the total the sum of them, the rubric's feedback the default of each check, every key checked at
its boundary, one line for each mistake. In this process, no grading run.
"""

from __future__ import annotations

import pytest

from compare.errors import ExperimentError
from compare.grading.rubric import default_rubric, load_rubric


def rubric(tmp_path, text: str):
    path = tmp_path / "r.toml"
    path.write_text(text)
    return load_rubric(path)


def test_points_default_to_one_and_add_up(tmp_path):
    r = rubric(tmp_path, 'feedback = "verdict"\nseed = 0\n[[check]]\nname = "a"\n[[check]]\nname = "b"\npoints = 2.5\n'
                         '[[check]]\nname = "c"\npoints = 0\nfeedback = "hints"\nvisibility = "hidden"\n')
    assert [c.points for c in r.checks] == [1.0, 2.5, 0.0]
    assert r.max_score == 3.5
    assert [c.feedback for c in r.checks] == ["verdict", "verdict", "hints"]
    assert [c.visibility for c in r.checks] == ["visible", "visible", "hidden"]
    assert [c.experiment for c in r.checks] == ["hiring"] * 3
    assert r.seed == 0 and r.reference == "auto"
    assert all(c.fresh for c in r.checks)


def test_experiment_keys_are_overrides_and_a_toml_path_is_relative_to_the_rubric(tmp_path):
    r = rubric(tmp_path, '[[check]]\nname = "a"\nexperiment = "e/x.toml"\nepochs = 3\nmode = "batch"\n'
                         'sizes = [2, 1024, 1]\nsamples = 1\nseed = 4\n')
    c = r.checks[0]
    assert c.experiment == str(tmp_path / "e" / "x.toml")
    assert c.overrides == {"epochs": 3, "mode": "batch"}
    assert (c.sizes, c.samples, c.seed) == ((2, 1024, 1), 1, 4)


def test_the_default_rubric_is_the_suite_one_point_each():
    r = default_rubric()     # what the lesson's template (no keywords: sigmoid, loss "sum") can express
    assert [c.name for c in r.checks] == ["batches", "square", "long"] and r.max_score == 3.0
    assert all(c.points == 1.0 and c.suite == c.name for c in r.checks)


@pytest.mark.parametrize("body, words", [
    ('[[check]]\nname = "a"\npoints = -1\n', "points: expected a number >= 0, found -1"),
    ('[[check]]\nname = "a"\npoints = true\n', "points: expected a number"),
    ('[[check]]\nname = "a"\nsamples = 0\n', "samples: expected a whole number >= 1"),
    ('[[check]]\nname = "a"\nsamples = 1.5\n', "samples: expected a whole number"),
    ('[[check]]\nname = "a"\nseed = -1\n', "seed: expected a whole number >= 0"),
    ('seed = -2\n[[check]]\nname = "a"\n', "seed: expected a whole number >= 0"),
    ('[[check]]\nname = "a"\nsizes = [3]\n', "sizes: expected a list of 2 or more"),
    ('[[check]]\nname = "a"\nsizes = [3, 1025]\n', "sizes: expected a list of 2 or more"),
    ('[[check]]\nname = "a"\nsizes = [3, 0]\n', "sizes: expected a list of 2 or more"),
    ('[[check]]\nname = "a"\nsizes = [3, true]\n', "sizes: expected a list of 2 or more"),
    ('[[check]]\nname = "a"\nfresh = 1\n', "fresh: expected true or false"),
    ('[[check]]\nname = "a"\nfresh = false\nsamples = 3\n', "apply to drawn experiments only"),
    ('[[check]]\nname = "a"\nfresh = false\nsizes = [2, 1]\n', "apply to drawn experiments only"),
    ('[[check]]\nname = "a"\n[[check]]\nname = "a"\n', "two checks have this name"),
    ('[[check]]\nname = ""\n', "`name` is required"),
    ('[[check]]\npoints = 1\n', "check 1: `name` is required"),
    ('[[check]]\nname = "a"\nsuite = "nope"\n', "unknown check 'nope' (the suite has batches, square, long, "),
    ('[[check]]\nname = "a"\nsuite = "batches"\nexperiment = "hiring"\n', "give `experiment` or `suite`"),
    ('[[check]]\nname = "a"\nexperiment = 3\n', "experiment: expected a preset name"),
    ('[[check]]\nname = "a"\nfeedback = "all"\n', "feedback: expected one of hints, location, verdict"),
    ('[[check]]\nname = "a"\nvisibility = "public"\n', "visibility: expected one of visible, hidden"),
    ('feedback = "loud"\n[[check]]\nname = "a"\n', "feedback: expected one of"),
    ('reference = "jax"\n[[check]]\nname = "a"\n', "reference: expected one of auto, torch, numpy"),
    ('zzz = 1\naaa = 1\n[[check]]\nname = "a"\n',
     "unknown key 'aaa' (known: check, feedback, imports, reference, seed, suite)"),
    ('feedback = "hints"\n', "no checks"),
    ('check = 3\n', "no checks"),
    ('[[check\n', "not valid TOML"),
])
def test_each_mistake_is_one_line(tmp_path, body, words):
    with pytest.raises(ExperimentError) as caught:
        rubric(tmp_path, body)
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"--rubric {tmp_path / 'r.toml'}")


def test_a_suite_check_and_zero_boundaries_are_accepted(tmp_path):
    r = rubric(tmp_path, '[[check]]\nname = "a"\nsuite = "batches"\nseed = 0\nsizes = [1, 1]\n')
    assert r.checks[0].suite == "batches" and r.checks[0].seed == 0 and r.checks[0].sizes == (1, 1)


def test_checks_draw_fresh_by_default_and_rubrics_are_frozen():
    from dataclasses import FrozenInstanceError

    from compare.grading.rubric import Check, Rubric
    assert Check("x").fresh is True and Check("x").points == 1.0 and Check("x").experiment == "hiring"
    with pytest.raises(FrozenInstanceError):
        Check("x").points = 5
    with pytest.raises(FrozenInstanceError):
        Rubric(()).seed = 3


def test_a_check_list_of_non_tables_is_one_line(tmp_path):
    with pytest.raises(ExperimentError, match="no checks: expected one or more"):
        rubric(tmp_path, "check = [1, 2]\n")


def test_the_fallback_rubric_without_the_suite():
    """README: "seven checks of the seed's setting instead (hiring, exercise1, exercise2 in batch and stochastic
    mode, exercise3 in mini-batches, a 2-3-3 and a 3-5-4-2 network)", short runs, drawn fresh; written out."""
    from compare.grading.rubric import DEFAULT_CHECKS
    assert [(c.name, c.experiment, c.overrides, c.sizes, c.samples, c.points, c.fresh) for c in DEFAULT_CHECKS] == [
        ("hiring", "hiring", {"mode": "stochastic", "epochs": 20}, None, None, 1.0, True),
        ("several outputs", "exercise1", {"epochs": 20}, None, None, 1.0, True),
        ("batch", "exercise2", {"mode": "batch", "epochs": 20}, None, None, 1.0, True),
        ("stochastic", "exercise2", {"mode": "stochastic", "epochs": 10}, None, None, 1.0, True),
        ("minibatch", "exercise3", {"mode": "minibatch", "batch_size": 3, "epochs": 10}, None, None, 1.0, True),
        ("three outputs", "exercise1", {"mode": "batch", "epochs": 10}, (2, 3, 3), 3, 1.0, True),
        ("wider and deeper", "exercise3", {"mode": "minibatch", "batch_size": 4, "epochs": 5}, (3, 5, 4, 2), 10,
         1.0, True)]


def test_an_experiment_file_name_alone_is_relative_to_the_rubric(tmp_path):
    r = rubric(tmp_path, '[[check]]\nname = "a"\nexperiment = "mine.toml"\n[[check]]\nname = "b"\n'
                         'experiment = "exercise3"\n')
    assert [c.experiment for c in r.checks] == [str(tmp_path / "mine.toml"), "exercise3"]
