"""Which setting a suite structure check is graded in (compare/grading/versions.py), on the suite's own
structure experiments and on stand-ins for the run: the versions closest first (the seed's depth in each
other setting, then two layers), none where the rubric pins the setting; the first version the submission
can be told and does not raise on, its message saying where it ran and how many raised before; every
version named when all raise; the draw redrawn where the reference diverges, at most 8 times.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from compare.errors import DivergenceError, ExperimentError
from compare.grading import versions
from compare.grading.rubric import Check

SEED_SETTING = "hidden sigmoid, output sigmoid, loss sum, 3 layers"
SOFTMAX = "hidden relu, output softmax, loss cross_entropy, 3 layers"
BCE = "hidden relu, output sigmoid, loss bce, 3 layers"
TWO = "hidden sigmoid, output sigmoid, loss sum, 2 layers"


def _names(check: Check) -> list[str]:
    return [v.name for v in versions.versions_of(check)]


def test_the_versions_closest_first_and_none_where_the_rubric_pins_the_setting():
    assert _names(Check("b", suite="batches")) == ["batches-relu-softmax", "batches-relu-bce", "batches-2layer",
                                                   "batches-relu-softmax-2layer", "batches-relu-bce-2layer"]
    assert _names(Check("l", suite="long")) == ["long-relu-softmax", "long-relu-bce"]
    # with sizes the depth stays: the versions at the case's own depth only
    assert _names(Check("s", suite="square", sizes=(3, 5, 5, 2))) == ["square-relu-softmax", "square-relu-bce"]
    assert _names(Check("l", suite="long", sizes=(3, 6, 2))) == ["long-relu-softmax", "long-relu-bce"]
    assert _names(Check("b", suite="batches", fallback=False)) == []
    for key, value in (("loss", "bce"), ("hidden_activation", "relu"), ("output_activation", "tanh"),
                       ("leaky_slope", 0.1)):
        assert _names(Check("b", suite="batches", overrides={key: value})) == [], key
    assert _names(Check("b", suite="batches", overrides={"lr": 0.2})) != []       # not a setting: falls back
    assert _names(Check("h", experiment="hiring")) == []                          # not a suite check
    assert _names(Check("f", suite="forward")) == []                              # not a structure experiment


def _version(setting: str, name: str, needs: tuple[str, ...] = ()):
    return SimpleNamespace(setting=setting, version=name, needs=needs)


def _prepared(*vs):
    return SimpleNamespace(setting=SEED_SETTING, versions=vs)


def _run(raising: set[str], calls: list[str]):
    def run(code, v):
        calls.append(v.version)
        if v.version in raising:
            return {"not_implemented": True, "message": "raised", "score": 0.0}
        return {"message": f"check OK ({v.version})", "score": 1.0}    # a check that ran: no such key
    return run


def _never(code, needs):
    return ""


def test_the_first_version_that_does_not_raise_is_graded_and_says_where():
    calls: list[str] = []
    p = _prepared(_version(SOFTMAX, "b-softmax"), _version(BCE, "b-bce"), _version(TWO, "b-2layer"))
    out = versions.fall_back(None, p, {"message": "own"}, _run({"b-softmax"}, calls), _never)
    assert calls == ["b-softmax", "b-bce"]
    assert out["ran_as"] == "b-bce" and out["setting"] == BCE and out["score"] == 1.0
    assert "not_implemented" not in out
    assert out["message"] == (f"ran in {BCE}, the closest setting and depth the submission supports (it raised "
                              f"NotImplementedError on {SEED_SETTING} and 1 other version): check OK (b-bce)")
    calls.clear()
    out = versions.fall_back(None, p, {"message": "own"}, _run({"b-softmax", "b-bce"}, calls), _never)
    assert out["ran_as"] == "b-2layer" and calls == ["b-softmax", "b-bce", "b-2layer"]
    assert f"NotImplementedError on {SEED_SETTING} and 2 other versions): check OK (b-2layer)" in out["message"]
    out = versions.fall_back(None, p, {"message": "own"}, _run(set(), []), _never)
    assert out["ran_as"] == "b-softmax"
    assert out["message"] == (f"ran in {SOFTMAX}, the closest setting and depth the submission supports (it raised "
                              f"NotImplementedError on {SEED_SETTING}): check OK (b-softmax)")


def test_a_version_the_submission_cannot_be_told_is_passed_over_not_counted():
    calls: list[str] = []
    p = _prepared(_version(SOFTMAX, "b-softmax", ("cross_entropy",)), _version(BCE, "b-bce", ("bce",)))

    def cannot(code, needs):
        return "no cross_entropy keyword" if "cross_entropy" in needs else ""
    out = versions.fall_back(None, p, {"message": "own"}, _run(set(), calls), cannot)
    assert calls == ["b-bce"] and out["ran_as"] == "b-bce"
    assert f"NotImplementedError on {SEED_SETTING}): check OK" in out["message"]


def test_every_version_raising_keeps_the_own_result_and_names_every_setting():
    p = _prepared(_version(SOFTMAX, "b-softmax"), _version(BCE, "b-bce"), _version(TWO, "b-2layer", ("x",)))
    own = {"message": "mine.py raised NotImplementedError", "score": 0.0}
    out = versions.fall_back(None, p, own, _run({"b-softmax", "b-bce"}, []), lambda c, n: "no" if n else "")
    assert out is own and out["score"] == 0.0
    assert out["message"] == ("mine.py raised NotImplementedError (NotImplementedError on every version of it the "
                              f"submission can be told: {SEED_SETTING}; {SOFTMAX}; {BCE})")
    own = {"message": "m"}
    assert versions.fall_back(None, _prepared(), own, _run(set(), []), _never)["message"] == (
        f"m (NotImplementedError on every version of it the submission can be told: {SEED_SETTING})")


def _draw_stand_ins(monkeypatch, diverge_first: int):
    """fresh() records the seed it is given; the reference diverges on the first `diverge_first` draws."""
    seeds: list[int] = []
    traced: list[int] = []

    def fresh(base, seed, sizes=None, samples=None):
        seeds.append(seed)
        return dataclasses.replace(base, seed=seed)

    def numpy_trace(e):
        traced.append(e.seed)
        if len(traced) <= diverge_first:
            raise DivergenceError("nan")
        return f"trace of {e.name} seed {e.seed}"
    monkeypatch.setattr(versions, "fresh", fresh)
    monkeypatch.setattr(versions, "numpy_trace", numpy_trace)
    return seeds


@dataclasses.dataclass(frozen=True)
class Base:
    name: str = "base"
    seed: int = 0


def _state(key: list[int]) -> int:
    return int(np.random.SeedSequence(key).generate_state(1)[0] % 2 ** 31)


def test_the_draw_and_its_redraws(monkeypatch):
    seeds = _draw_stand_ins(monkeypatch, 2)
    e, trace = versions.drawn(Check("c1"), Base(), "rubric check c1", [7, 0], "numpy")
    assert seeds == [_state([7, 0, 0]), _state([7, 0, 1]), _state([7, 0, 2])]
    assert e.name == "c1" and e.seed == seeds[-1] and trace == f"trace of c1 seed {seeds[-1]}"
    seeds.clear()
    e, trace = versions.drawn(Check("c2"), Base(), "w", [7, 1], "torch")   # torch: no NumPy recording
    assert trace is None and seeds == [_state([7, 1, 0])]


def test_eight_divergent_draws_or_a_pinned_one_are_bad_input(monkeypatch):
    seeds = _draw_stand_ins(monkeypatch, 100)
    with pytest.raises(ExperimentError, match=r"^rubric check c: the reference diverged on 8 draws; pick a "
                                              r"smaller lr$"):
        versions.drawn(Check("c"), Base(), "rubric check c", [1, 2], "numpy")
    assert len(seeds) == 8 and len(set(seeds)) == 8
    seeds.clear()
    with pytest.raises(ExperimentError, match=r"the reference diverges on this experiment \(seed 5\)"):
        versions.drawn(Check("c", seed=5), Base(), "w", [1, 2], "numpy")
    assert seeds == [5]
    # not drawn: the seed named is the experiment's own (the one that diverged)
    with pytest.raises(ExperimentError, match=r"\(seed 3\); pick a smaller lr or fewer epochs"):
        versions.drawn(Check("c", fresh=False), Base(seed=3), "w", [1, 2], "numpy")


def test_a_pinned_or_unfresh_check_is_not_drawn(monkeypatch):
    seeds = _draw_stand_ins(monkeypatch, 0)
    e, _ = versions.drawn(Check("c", seed=11), Base(), "w", [1, 2], "numpy")
    assert seeds == [11] and e.seed == 11
    seeds.clear()
    e, _ = versions.drawn(Check("c", fresh=False), Base(seed=3), "w", [1, 2], "numpy")
    assert seeds == [] and e.seed == 3 and e.name == "c"


def test_prepare_versions_draws_each_version_with_its_own_key(monkeypatch):
    seeds = _draw_stand_ins(monkeypatch, 0)
    made = []

    def make(check, e, trace, needs, setting, version):
        made.append((e.seed, needs, setting, version))
        return version
    check = Check("s", suite="long")
    out = versions.prepare_versions(check, 9, 4, "numpy", "rubric check s", lambda b, o: b, make)
    assert out == ("long-relu-softmax", "long-relu-bce")
    assert seeds == [_state([9, 4, 1000]), _state([9, 4, 1001])]
    assert [m[2] for m in made] == ["hidden relu, output softmax, loss cross_entropy, 2 layers",
                                    "hidden relu, output sigmoid, loss bce, 2 layers"]
    overridden = []
    versions.prepare_versions(Check("s", suite="long", overrides={"lr": 0.05}), 9, 4, "numpy", "w",
                              lambda b, o: overridden.append(o) or b, make)
    assert overridden == [{"lr": 0.05}] * 2
