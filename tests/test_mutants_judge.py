"""One submission's verdict and score per check (compare/grading/judge.py), with the check machinery and the
submission's process stubbed so that each rule shows in milliseconds: a check scores all its points or 0; the
summary verdict ("pass" / "fail" / "error" / the way the process ended) and its reason; what a check that was
not run says; the caps on messages; the seed and the reference chosen. Every expected dict is written by hand.
"""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest

from compare.errors import DivergenceError, ExperimentError, ParityError
from compare.grading import judge
from compare.usercode import check as check_module
from compare.usercode.load import UserCodeError

NIE = "mine.py: backward is not implemented yet (NotImplementedError: no softmax)"


def _p(name="one", points=2.5, feedback="hints", visibility="hidden", optional=False, needs=(), trace=None,
       versions=()):
    check = SimpleNamespace(name=name, points=points, feedback=feedback, visibility=visibility, optional=optional,
                            layer=None)
    experiment = SimpleNamespace(describe=lambda: "DESC")
    return judge.Prepared(check, experiment, trace, needs, versions)  # type: ignore[arg-type]


def _code(keywords=("loss", "sizes"), forward=None, forward_keywords=()):
    return SimpleNamespace(keywords=keywords, forward=forward, forward_keywords=forward_keywords)


def _base(p, **changes):
    out = {"name": p.check.name, "score": 0.0, "max_score": p.check.points, "verdict": "pass", "updates_checked": 0,
           "message": "", "failure": None, "visibility": p.check.visibility}
    out.update(changes)
    return out


def test_bounded_cuts_at_the_cap_and_counts_the_rest():
    assert judge.bounded("abc", 3) == "abc"
    assert judge.bounded("abcd", 3) == "abc [... 1 more characters]"
    assert judge.bounded("", 0) == ""


def test_the_reference_auto_is_torch_where_installed_else_numpy(monkeypatch):
    assert judge.resolve_reference("auto") == "torch" and judge.resolve_reference("torch") == "torch"
    assert judge.resolve_reference("numpy") == "numpy"
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "torch" else real(name))
    assert judge.resolve_reference("auto") == "numpy" and judge.resolve_reference("numpy") == "numpy"
    with pytest.raises(ExperimentError) as caught:
        judge.resolve_reference("torch")
    assert str(caught.value) == 'reference = "torch": torch is not installed here (use "auto" or "numpy")'


def test_the_seed_given_then_the_rubrics_then_a_fresh_one(monkeypatch):
    asked = []
    monkeypatch.setattr(judge.secrets, "randbelow", lambda n: asked.append(n) or 77)
    assert judge.grade_seed(SimpleNamespace(seed=9), 0) == 0
    assert judge.grade_seed(SimpleNamespace(seed=9), 5) == 5
    assert judge.grade_seed(SimpleNamespace(seed=0), None) == 0
    assert judge.grade_seed(SimpleNamespace(seed=9), None) == 9 and asked == []
    assert judge.grade_seed(SimpleNamespace(seed=None), None) == 77 and asked == [2147483648]


def test_what_a_submission_cannot_express():
    assert judge.cannot_express(_code(), ("loss", "sizes")) == ""
    assert judge.cannot_express(_code(keywords=("loss",)), ("loss", "sizes")) == "your backward takes no `sizes`"
    fwd = _code(forward=print, forward_keywords=("sizes",))
    assert judge.cannot_express(fwd, ("loss", "sizes")) == ""            # a forward needs no `loss`
    assert judge.cannot_express(fwd, ("sizes", "loss")) == ""
    assert judge.cannot_express(_code(forward=print, forward_keywords=()), ("loss", "sizes")) == \
        "your forward takes no `sizes`"
    assert judge.cannot_express(_code(forward=None), ("sizes",)) == ""


def test_torchs_words_become_the_references_only_where_numpy_judged():
    text = "torch's dW2 differs from yours; torch says 3"
    assert judge._words(text, _p()) == text
    assert judge._words(text, _p(trace="T")) == "the reference's dW2 differs from yours; the reference says 3"


@pytest.fixture
def stub(monkeypatch):
    """check_with_torch / check_against_trace replaced: `what["raise"]` is raised, else a report is returned."""
    what: dict = {"updates": 12}
    calls: list = []

    def run(*args, **kwargs):
        calls.append((args, kwargs))
        if "raise" in what:
            raise what["raise"]
        return SimpleNamespace(updates_checked=what["updates"])

    monkeypatch.setattr(check_module, "check_with_torch", run)
    monkeypatch.setattr(check_module, "check_against_trace", run)
    monkeypatch.setattr(judge, "kind_text", lambda f: f"KIND {f.get('update')}")
    monkeypatch.setattr(judge, "location_text", lambda f: f"WHERE {f.get('update')}")
    return SimpleNamespace(what=what, calls=calls)


def test_a_check_that_agrees_scores_all_its_points(stub):
    p, code = _p(), _code()
    assert judge._one_check(code, p) == _base(p, score=2.5, updates_checked=12,
                                              message="agrees with torch at every update (12 updates; DESC)")
    assert stub.calls == [((code, p.experiment), {})]
    q = _p(trace="T")
    assert judge._one_check(code, q)["message"] == "agrees with the NumPy reference at every update (12 updates; DESC)"
    assert stub.calls[1] == ((code, "T"), {"reference": "reference"})


class _Failure:
    def __init__(self, **f):
        self.f = f

    def as_json(self):
        return dict(self.f)


FAIL = dict(update=5, stage="backward", layer=2, array="dW2", parameter="W2", hints=["torch's dW2 is -1 x yours", "b"])


@pytest.mark.parametrize("feedback, hint, message", [
    ("hints", "the reference's dW2 is -1 x yours", "the reference's dW2 is off"),
    ("location", "KIND 5", "WHERE 5"),
    ("score", "", "disagrees with the reference at update 5")])
def test_a_disagreement_scores_0_and_says_only_what_the_feedback_level_allows(stub, feedback, hint, message):
    stub.what["raise"] = ParityError("torch's dW2 is off", _Failure(**FAIL))
    p = _p(feedback=feedback, trace="T")
    assert judge._one_check(_code(), p) == _base(
        p, verdict="fail", updates_checked=4, message=message,
        failure={"update": 5, "stage": "backward", "layer": 2, "parameter": "dW2", "hint": hint})


def test_a_disagreement_without_a_record_or_hints(stub):
    stub.what["raise"] = ParityError("torch's dW2 is off", _Failure(update=1, stage="forward", layer=1, parameter="W1"))
    p = _p(feedback="hints")
    got = judge._one_check(_code(), p)
    assert got["failure"] == {"update": 1, "stage": "forward", "layer": 1, "parameter": "W1", "hint": ""}
    assert got["updates_checked"] == 0 and got["message"] == "torch's dW2 is off"
    stub.what["raise"] = ParityError("off", None)
    got = judge._one_check(_code(), _p(feedback="score"))
    assert got["updates_checked"] == 0 and got["message"] == "disagrees with the reference at update None"
    stub.what["raise"] = ParityError("off", _Failure(update=0))
    assert judge._one_check(_code(), _p(feedback="score"))["updates_checked"] == 0


def test_the_submissions_own_error_with_its_traceback_where_hints_are_shown(stub):
    stub.what["raise"] = UserCodeError("mine.py: backward raised ValueError: no\nsecond", "Traceback:\n  line 3\n\n")
    p = _p()
    assert judge._one_check(_code(), p) == _base(
        p, verdict="error", not_implemented=False,
        message="mine.py: backward raised ValueError: no\nsecond\nTraceback:\n  line 3")
    assert judge._one_check(_code(), _p(feedback="location"))["message"] == \
        "error: mine.py: backward raised ValueError: no"
    stub.what["raise"] = UserCodeError(NIE, "  \n")
    got = judge._one_check(_code(), p)
    assert got["message"] == NIE and got["not_implemented"] is True
    stub.what["raise"] = DivergenceError("NaN in A2")
    assert judge._one_check(_code(), p) == _base(p, verdict="error", message="diverged: NaN in A2")


def test_a_check_the_functions_cannot_express(stub):
    p = _p(needs=("sizes",))
    code = _code(keywords=("loss",))
    assert judge._one_check(code, p) == _base(
        p, verdict="fail", message="not run: your backward takes no `sizes`, and this check (DESC) needs it")
    q = _p(needs=("sizes",), optional=True)
    assert judge._one_check(code, q) == _base(
        q, verdict="skipped", max_score=0.0, message='not graded: your backward takes no `sizes` (suite = "all" '
                                                     "grades the experiments a submission's keywords allow)")
    assert stub.calls == []


def test_not_implemented_falls_back_to_versions_or_is_skipped_where_optional(stub, monkeypatch):
    stub.what["raise"] = UserCodeError(NIE)
    fell = []
    monkeypatch.setattr(judge, "fall_back", lambda code, p, result, run, cannot: fell.append(result) or "FELL")
    assert judge._graded(_code(), _p(versions=("v",))) == "FELL"
    assert "not_implemented" not in fell[0] and fell[0]["verdict"] == "error"
    p = _p(optional=True)
    assert judge._graded(_code(), p) == _base(
        p, verdict="skipped", max_score=0.0, message='not graded: the submission raised NotImplementedError on it '
        f'(suite = "all" grades the experiments a submission supports): {NIE}')
    q = _p()
    assert judge._graded(_code(), q) == _base(q, verdict="error", message=NIE)
    stub.what["raise"] = UserCodeError(NIE, "Traceback:\n  line 3\n")
    assert judge._graded(_code(), p)["message"].endswith(f"supports): {NIE}")
    stub.what["raise"] = UserCodeError(NIE)
    stub.what["raise"] = UserCodeError("mine.py: backward raised ValueError: no")
    assert judge._graded(_code(), _p(versions=("v",), optional=True))["verdict"] == "error" and len(fell) == 1
    stub.what.pop("raise")
    assert judge._graded(_code(), _p(versions=("v",)))["verdict"] == "pass" and len(fell) == 1


def _rubric(*checks):
    from compare.grading.rubric import Rubric
    return Rubric(tuple(checks), source="r.toml")


def test_an_override_only_for_the_losses_it_belongs_to():
    from compare.usercode.suite import case
    sums, bce, mean = (case(n).experiment() for n in ("batches", "loss-bce", "loss-mean"))
    got = judge._overridden(sums, {"bce_outputs": "sum", "epochs": 1})
    assert (got.loss, got.bce_outputs, got.epochs) == ("sum", "mean", 1)
    assert judge._overridden(bce, {"bce_outputs": "sum"}).bce_outputs == "sum"
    assert judge._overridden(sums, {"loss": "bce", "bce_outputs": "sum"}).bce_outputs == "sum"
    assert judge._overridden(bce, {"mse_scale": 1}).mse_scale == 0.5
    assert judge._overridden(sums, {"mse_scale": 1}).mse_scale == 1.0
    assert judge._overridden(bce, {"loss": "mean", "mse_scale": 1}).mse_scale == 1.0
    assert judge._overridden(mean, {"mse_scale": 1}).mse_scale == 1.0


def test_prepare_draws_each_check_with_its_suite_words(monkeypatch):
    from compare.grading.rubric import Check
    checks = (Check("a", suite="loss-bce", overrides={"bce_outputs": "sum", "epochs": 2}),
              Check("b", overrides={"epochs": 2}), Check("c", overrides={"epochs": 2}), Check("d", suite="batches"),
              Check("e", suite="cross-entropy"), Check("f", suite="loss-mean", overrides={"mse_scale": 1}))
    a, b, c, d, e, f = judge.prepare(_rubric(*checks), 3, "numpy")
    assert (a.needs, a.setting, a.experiment.loss, a.experiment.bce_outputs) == (
        ("loss",), "hidden sigmoid, output sigmoid, loss bce, 3 layers", "bce", "sum")
    assert a.experiment.epochs == 2 and a.trace is not None and a.versions == ()
    assert (b.needs, b.setting, b.versions, b.experiment.epochs) == ((), "", (), 2)
    assert b.experiment.seed != c.experiment.seed          # two checks of one experiment: two draws
    assert judge.prepare(_rubric(*checks), 3, "torch")[2].experiment.seed == c.experiment.seed
    assert len(d.versions) == 5 and d.experiment.epochs == 2 and e.needs == ("loss", "output_activation")
    assert f.experiment.mse_scale == 1.0
    assert [p.trace for p in judge.prepare(_rubric(*checks[:2]), 3, "torch")] == [None, None]
    seen = []
    from compare.grading.layers import grade as layers
    monkeypatch.setattr(layers, "prepare_layer", lambda check, seed, k, ref: seen.append((check.name, seed, k, ref))
                        or "LAYER")
    got = judge.prepare(_rubric(Check("x", layer="Dense"), Check("y", layer="ReLU")), 8, "numpy")
    assert seen == [("x", 8, 0, "numpy"), ("y", 8, 1, "numpy")]
    assert [(p.check.name, p.experiment, p.trace) for p in got] == [("x", "LAYER", None), ("y", "LAYER", None)]


@pytest.mark.parametrize("check, words", [
    (dict(suite="loss-mean", overrides={"bce_outputs": "sum"}),
     "bce_outputs: neither this experiment nor a version of it uses loss \"bce\""),
    (dict(suite="cross-entropy", overrides={"mse_scale": 1}),
     "mse_scale: applies to the MSE losses only, and neither this experiment nor a version of it uses loss \"sum\" "
     "or \"mean\""),
    (dict(overrides={"epochs": -1}), None)])
def test_a_wrong_check_is_named_once_in_its_error(check, words):
    from compare.grading.rubric import Check
    with pytest.raises(ExperimentError) as caught:
        judge.prepare(_rubric(Check("ok", overrides={"epochs": 1}), Check("bad", **check)), 3, "numpy")
    text = str(caught.value)
    assert text.startswith("r.toml: check 'bad': ") and text.count("r.toml") == 1, text
    if words:
        assert text == "r.toml: check 'bad': " + words
    else:
        assert "epochs" in text


def test_suite_checks_without_the_overrides_they_refuse_prepare():
    from compare.grading.rubric import Check
    got = judge.prepare(_rubric(Check("a", suite="batches", overrides={"mse_scale": 1}),
                                Check("b", suite="loss-bce", overrides={"bce_outputs": "sum"}),
                                Check("c", suite="cross-entropy")), 3, "numpy")
    assert [p.experiment.loss for p in got] == ["sum", "bce", "cross_entropy"]
