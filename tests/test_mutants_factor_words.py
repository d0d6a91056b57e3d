"""The words of a constant-factor hint (compare/diagnosis/hints.py), each written out by hand from the mistake
it names: 1/B under either reduction, 1/K, the MSE's 1/2 with and without `mse_scale 1`, a batch size fixed in
the code, which factors a one-element array is told about, where the factor must fall (10 rtol), and which
explanations drop out when the other gradient of the layer agrees (those in the loss's derivative: the loss
convention, the MSE's 2; never the batch average, which can sit in one gradient's own formula).
"""

from __future__ import annotations

import numpy as np
import pytest

from compare.diagnosis.hints import Setting, constant_factor, factor_hints

THEIRS = np.array([[0.4, -1.3, 0.25], [2.0, -0.7, 1.1]])     # no element near another's multiple of 1/1000


def _words(factor: float, delta_right: bool = False, **setting) -> str:
    hints = factor_hints(factor * THEIRS, THEIRS, Setting(**{"batch_size": 3, "n_outputs": 5, **setting}), "dW1",
                         delta_right=delta_right)
    assert len(hints) == 1, hints
    return hints[0]


def test_one_over_b_under_each_reduction():
    assert _words(1 / 3, reduction="sum") == ("yours = torch's x 0.333333 at every element of dW1: a factor 1/B, "
                                              "B = 3 the batch size: averaged over the batch where this experiment "
                                              "sums the loss (reduction \"sum\")")
    assert _words(1 / 3, reduction="mean") == ("yours = torch's x 0.333333 at every element of dW1: a factor 1/B, "
                                               "B = 3 the batch size: averaged over the batch twice")


def test_one_over_k_is_the_other_loss_convention_only_under_loss_sum():
    assert _words(1 / 5, loss="sum").endswith(
        "a factor 1/K, K = 5 outputs: the other loss convention: yours is the gradient of loss \"mean\" (also "
        "divided by the number of outputs); the experiment uses loss \"sum\"")
    assert _words(1 / 5, loss="mean").endswith("a factor 1/K, K = 5 outputs: divided by K once too often")


def test_the_mse_halves_under_each_scale_and_other_losses():
    assert _words(0.5, mse_scale=1.0) == (
        "yours = torch's x 0.5 at every element of dW1; 2 explanations fit this factor, check each: a factor 1/2: "
        "MSE/2 where this experiment's loss is (t - a)^2 (mse_scale 1, torch's MSELoss): yours is the derivative "
        "of (t - a)^2 / 2; drop --mse-scale 1 if your loss halves; OR divided by 2 where this batch has B = 3 "
        "samples: a batch size fixed in the code? (a last, partial batch is smaller)")
    assert "a factor 1/2: the derivative of (t - a)^2 / 2 halved once more; OR" in _words(0.5)
    assert "a factor 1/2: halved once too often; OR" in _words(0.5, loss="bce")
    assert "a factor 1/2: halved once too often; OR" in _words(0.5, loss="cross_entropy", mse_scale=1.0)


def test_the_mse_doubles_under_each_scale_and_other_losses():
    assert _words(2.0, mse_scale=1.0).endswith(
        ": a factor 2: the derivative of (t - a)^2 doubled once more (the loss is already (t - a)^2, mse_scale 1)")
    assert _words(2.0, loss="mean").endswith("if your loss is (t - a)^2 on purpose, check it with --mse-scale 1")
    assert _words(2.0, loss="bce").endswith(": a factor 2: an extra 2")
    assert _words(2.0, loss="bce", mse_scale=1.0).endswith(": a factor 2: an extra 2")


@pytest.mark.parametrize("B, shown", [(1, "B = 1 sample:"), (2, "B = 2 samples:"), (6, "B = 6 samples:")])
def test_a_batch_size_fixed_in_the_code(B, shown):
    assert _words(1 / 4, batch_size=B) == (f"yours = torch's x 0.25 at every element of dW1: divided by 4 where "
                                           f"this batch has {shown} a batch size fixed in the code? (a last, "
                                           "partial batch is smaller)")


def test_a_factor_of_b_or_k_itself_is_not_also_a_fixed_batch_size():
    assert "divided by 3 where" not in _words(1 / 3)
    assert "divided by 5 where" not in _words(1 / 5)


def test_the_factor_must_fall_within_ten_rtol():
    rtol = 1e-6                                       # Setting's default: within 10 rtol = 1e-5 of 3
    assert "B = 3" in _words(3.0 * (1 + 0.95e-5))
    no = factor_hints(3.0 * (1 + 1.05e-5) * THEIRS, THEIRS, Setting(batch_size=3, n_outputs=5, rtol=rtol), "dW1")
    assert len(no) == 1 and "B = 3" not in no[0] and "a constant factor missing or extra" in no[0]


def test_one_element_that_matters_is_told_only_the_known_factors():
    one = np.array([[100.0, 0.01, -0.01]])           # the others are below 1e-3 of the largest: negligible
    assert factor_hints(7.0 * one, one, Setting(batch_size=3, n_outputs=5), "db1") == []
    spread = np.array([[0.5, 0.0006, -0.0006]])       # above 1e-3 of the largest (0.0005): three that matter
    assert factor_hints(7.0 * spread, spread, Setting(batch_size=3, n_outputs=5), "db1") == [
        "yours = torch's x 7 at every element of db1: a constant factor missing or extra (not the batch size 3, "
        "the number of outputs 5 or 2)"]


def test_a_factor_is_read_from_elements_of_any_scale_and_zeros_do_not_spoil_it():
    assert constant_factor(3.0 * 1e-6 * THEIRS, 1e-6 * THEIRS) == pytest.approx(3.0, rel=1e-12)
    with_zero = np.array([[0.0, 1.5, -0.2], [0.0, 0.3, 0.9]])
    assert constant_factor(3.0 * with_zero, with_zero) == pytest.approx(3.0, rel=1e-12)


def test_delta_right_rules_out_the_loss_convention_and_the_mse_factor_only():
    k = _words(5.0, delta_right=True, loss="mean")    # the convention would make every gradient 5 x: ruled out
    assert "loss convention" not in k and "a constant factor missing or extra" in k
    assert "the other loss convention" in _words(5.0, loss="mean")
    assert _words(1 / 5, delta_right=True, loss="sum").endswith("a constant factor missing or extra (not the "
                                                                "batch size 3, the number of outputs 5 or 2)")
    two = _words(2.0, delta_right=True)
    assert "MSE" not in two and "(t - a)^2" not in two
    assert _words(2.0, delta_right=True, loss="bce").endswith(": a factor 2: an extra 2")
    # the batch average can be missing from (or doubled in) one gradient's own formula: still named
    assert _words(1 / 3, delta_right=True, reduction="sum").endswith(
        "averaged over the batch where this experiment sums the loss (reduction \"sum\")")
    assert _words(3.0, delta_right=True, reduction="sum").endswith(
        "a factor of the batch size B = 3: multiplied by B where the loss is already the sum over the batch")


def test_delta_right_keeps_a_batch_size_fixed_in_the_code():
    assert _words(1 / 4, delta_right=True).endswith("divided by 4 where this batch has B = 3 samples: a batch size "
                                                    "fixed in the code? (a last, partial batch is smaller)")
