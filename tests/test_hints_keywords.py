"""Hints right or silent for every file: each new hint appears on its zoo file and on no other; no hint asks
about a keyword the file does not take; "the forward pass agrees" only for a file with a forward. And the
two-layer versions of the structure experiments expose every mistake the three-layer ones do."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pytest

from compare.errors import ParityError
from compare.usercode.check import check_against_trace
from compare.usercode.load import EXPERIMENT_KEYWORDS, UserCodeError, load_user_code
from compare.usercode.suite import case
from compare.usercode.suite_record import load_recording
from compare.usercode.suite_run import run_suite

ROOT = Path(__file__).resolve().parents[1]
ZOO = sorted((ROOT / "tests" / "zoo").glob("*.py"))
# zoo files checked with a convention: (conventions, the words of its hint)
CONVENTION_ZOO = {
    "l2_twice": ({"l2": 0.1}, "the L2 term counted twice"),
    "l2_missing": ({"l2": 0.1}, "the L2 term is missing"),
    "l2_biases_missing": ({"l2": 0.1, "l2_biases": True}, "the L2 term is missing"),
}
# a hint's words: the zoo files (default suite) where it must appear; on every other zoo file it must not
HINTS = {
    "instead of at Z": {"derivative_at_a"},
    "uses the leaky_relu slope 0.01": {"leaky_slope_hardcoded"},
    "check it with --reduction sum": {"no_batch_average"},
    "check it with --l2": {"l2_term"},
    "MSE instead of MSE/2": {"mse_not_halved", "ignores_loss"},   # there a factor 2 is also K = 2
    "right for": {"ignores_activation", "ignores_loss", "leaky_slope_hardcoded", "leaky_slope_fixed"},
    "right for the leaky_relu slope 0.2": {"leaky_slope_fixed"},
    "mask in delta": {"relu_mask_inverted"},
    "the same number added to each": {"l2_sum_not_w"},
    "counted twice": set(),
    "is missing: this experiment's loss has l2": set(),
}


@functools.cache
def first_failure(path: Path):
    return run_suite(load_user_code(path), jobs=1).first_failure


@pytest.mark.parametrize("words", sorted(HINTS))
def test_each_hint_appears_on_its_zoo_file_and_no_other(words):
    found = {p.stem for p in ZOO if any(words in h for h in first_failure(p).failure.hints)}
    assert found == HINTS[words]


@pytest.mark.parametrize("name", sorted(CONVENTION_ZOO))
def test_the_l2_hints_under_a_convention(name):
    pytest.importorskip("torch")
    conventions, words = CONVENTION_ZOO[name]
    report = run_suite(load_user_code(ROOT / "tests" / "zoo_conventions" / f"{name}.py"), jobs=1,
                       conventions=conventions)
    hints = " | ".join(report.first_failure.failure.hints)
    assert words in hints
    others = {w for _, w in CONVENTION_ZOO.values()} - {words}
    assert not any(w in hints for w in others) and "weight_decay" not in hints


@pytest.mark.parametrize("path", ZOO, ids=lambda p: p.stem)
def test_no_hint_asks_about_a_keyword_the_file_does_not_take(path):
    code = load_user_code(path)
    f = first_failure(path).failure
    for hint in f.hints:
        for key in re.findall(r"`(\w+)`", hint):
            if key in EXPERIMENT_KEYWORDS and ("read" in hint or "keyword" in hint):
                takes = code.keywords if "backward" in hint or "forward" not in hint else code.forward_keywords
                assert key in takes, f"{path.stem}: {hint}"


@pytest.mark.parametrize("path", ZOO, ids=lambda p: p.stem)
def test_the_forward_agrees_only_where_the_file_has_a_forward(path):
    code = load_user_code(path)
    f = first_failure(path).failure
    if f.stage != "gradient":
        return
    if code.forward is None:
        assert "your file has no forward: ours was used" in f.message
        assert "the forward pass agrees" not in f.message
    else:
        assert "the forward pass agrees at every layer" in f.message


def test_a_factor_2_under_bce_names_no_mse():
    from compare.diagnosis.hints import factor_hints
    from compare.diagnosis.setting import Setting
    theirs = np.array([[0.1, -0.2], [0.3, 0.05]])
    bce = " ".join(factor_hints(2 * theirs, theirs, Setting(batch_size=1, n_outputs=1, loss="bce")))
    mse = " ".join(factor_hints(2 * theirs, theirs, Setting(batch_size=1, n_outputs=1, loss="sum")))
    assert "factor 2" in bce and "MSE" not in bce and "MSE instead of MSE/2" in mse


def _exposed(code, name: str) -> bool:
    try:
        with np.errstate(all="ignore"):
            check_against_trace(code, load_recording(case(name)))
    except (ParityError, UserCodeError):
        return True
    return False


@pytest.mark.parametrize("path", ZOO, ids=lambda p: p.stem)
def test_the_two_layer_versions_expose_what_the_three_layer_ones_do(path):
    code = load_user_code(path)
    three = any(_exposed(code, n) for n in ("batches", "square", "long"))
    two = any(_exposed(code, n) for n in ("batches-2layer", "square-2layer", "long"))
    assert three == two
