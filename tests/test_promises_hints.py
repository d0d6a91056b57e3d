"""Hints name a mistake only when its numbers fit, to rounding: a factor of exactly 3 on a batch of 3 is the
batch size, 3.002 is not; a step that differs from torch's by drift alone (a ratio of 1 to rounding) gets no
"x 1" factor; a correct Adam step off by 3e-7 is not blamed on eps inside the square root, while a step
computed with eps inside it (by hand here) is. References: hand computations and torch.optim.Adam.
"""

from __future__ import annotations

import numpy as np
import pytest

from compare.diagnosis.hints import Setting, constant_factor, factor_hints

RNG = np.random.default_rng(3)
THEIRS = RNG.normal(size=(4, 3))


@pytest.mark.parametrize("factor, named", [(3.0, True), (3.002, False), (2.9999, False), (1 / 3, True),
                                           (0.3334, False)])
def test_the_batch_size_is_named_only_for_a_factor_that_is_exactly_it(factor, named):
    hints = factor_hints(factor * THEIRS, THEIRS, Setting(batch_size=3, n_outputs=5), "dW1")
    text = " ".join(hints)
    assert ("B = 3" in text) == named, text
    assert hints, "a constant factor always gets a sentence"
    assert f"x {factor:.6g} at every element of dW1" in hints[0]


@pytest.mark.parametrize("factor, words", [(5.0, "number of outputs K = 5"), (2.0, "MSE instead of MSE/2"),
                                           (0.5, "a factor 1/2"), (0.2, "a factor 1/K, K = 5"),
                                           (-1.0, "exact negative"), (0.25, "divided by 4 where this batch has")])
def test_each_known_factor_is_named(factor, words):
    hints = factor_hints(factor * THEIRS, THEIRS, Setting(batch_size=3, n_outputs=5), "dW1")
    assert hints and words in hints[0], hints


def test_a_factor_none_explains_is_given_as_a_number_with_what_it_is_not():
    hints = factor_hints(7.0 * THEIRS, THEIRS, Setting(batch_size=3, n_outputs=5), "dW1")
    assert hints == ["yours = torch's x 7 at every element of dW1: a constant factor missing or extra (not the "
                     "batch size 3, the number of outputs 5 or 2)"]


@pytest.mark.parametrize("relative", [1e-9, 1e-7, -3e-8])
def test_drift_is_no_factor(relative):
    """A step that differs from torch's by rounding or grown drift only: its ratio is 1, and no sentence
    claims "x 1"."""
    ours = THEIRS * (1 + relative)
    assert factor_hints(ours, THEIRS, Setting(batch_size=3, n_outputs=5), "the step of W1") == []
    noisy = THEIRS + relative * RNG.normal(size=THEIRS.shape) * np.abs(THEIRS).max()
    assert factor_hints(noisy, THEIRS, Setting(batch_size=3, n_outputs=5), "the step of W1") == []


def test_constant_factor_reads_the_ratio_and_refuses_a_pattern_that_is_not_one():
    assert constant_factor(2.5 * THEIRS, THEIRS) == pytest.approx(2.5, rel=1e-12)
    bent = 2.5 * THEIRS
    bent[0, 0] *= 1.01
    assert constant_factor(bent, THEIRS) is None
    assert constant_factor(np.zeros((2, 2)), np.zeros((2, 2))) is None


def _adam_first_step_by_hand(p, g, lr, b1, b2, eps, inside: bool) -> np.ndarray:
    m, v = (1 - b1) * g, (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1), v / (1 - b2)
    denom = np.sqrt(v_hat + eps) if inside else np.sqrt(v_hat) + eps
    return p - lr * m_hat / denom


def test_adam_rule_hints_name_eps_inside_only_when_it_fits():
    torch = pytest.importorskip("torch")
    from compare.usercode.rule_hints import rule_hints

    p = RNG.normal(size=(3, 2))
    g = RNG.normal(size=(3, 2))
    options = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}
    state = {"step": 0.0, "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}
    w = torch.tensor(p.copy(), requires_grad=True)
    w.grad = torch.tensor(g.copy())
    torch.optim.Adam([w], lr=1e-3, foreach=False).step()
    correct = w.detach().numpy()
    # (consulted only on a disagreement: with eps = 1e-8 the eps-inside step is within 1e-11 of the right one)
    assert rule_hints("adam", p, g, state, options, correct + 3e-7) == []
    big = dict(options, eps=1e-2)
    inside = _adam_first_step_by_hand(p, g, 1e-3, 0.9, 0.999, 1e-2, inside=True)
    named = rule_hints("adam", p, g, state, big, inside)
    assert any(h.startswith("eps inside the square root") for h in named), named
    outside = _adam_first_step_by_hand(p, g, 1e-3, 0.9, 0.999, 1e-2, inside=False)
    assert rule_hints("adam", p, g, state, big, outside) == []


def test_same_is_equality_to_rounding_relative_to_the_larger_scale():
    from compare.diagnosis.hints import same
    a = np.array([[1.0, -2.0]])
    assert same(a, a * (1 + 5e-7)) and not same(a, a * (1 + 5e-6))
    assert same(a, a + np.array([[1.5e-6, 0.0]]))              # within 1e-6 of the scale 2
    assert not same(a, a + np.array([[2.5e-6, 0.0]]))
    assert not same(a, a.T) and not same(a, np.array([[np.nan, -2.0]])) and not same(np.array([[np.inf]]),
                                                                                    np.array([[np.inf]]))
    assert same(np.zeros((2, 2)), np.zeros((2, 2)))
    assert same(a, a * 1.01, rtol=0.02) and not same(a, a * 1.01, rtol=0.005)


def test_constant_factor_ignores_the_tiny_elements_when_reading_the_ratio():
    theirs = np.array([[1.0, 2.0, 1e-5]])
    ours = 3.0 * theirs
    ours[0, 2] = 3.0 * 1e-5 + 1e-12                  # a tiny element, off to rounding
    assert constant_factor(ours, theirs) == pytest.approx(3.0, rel=1e-12)
    assert constant_factor(ours, theirs.T) is None
    assert constant_factor(np.array([[np.nan, 1.0]]), np.array([[1.0, 1.0]])) is None
    assert constant_factor(np.zeros((1, 2)), np.array([[1.0, 2.0]])) is None


@pytest.mark.parametrize("B, K, words", [(1, 1, "(not 2)"), (4, 1, "(not the batch size 4 or 2)"),
                                         (2, 3, "(not the batch size 2 or the number of outputs 3)"),
                                         (1, 2, "(not the number of outputs 2)"),
                                         (3, 4, "(not the batch size 3, the number of outputs 4 or 2)")])
def test_what_a_generic_factor_hint_rules_out(B, K, words):
    hints = factor_hints(7.0 * THEIRS, THEIRS, Setting(batch_size=B, n_outputs=K), "dW1")
    assert hints[0].endswith(words), hints


def test_a_negative_factor_and_a_single_element():
    hints = factor_hints(-3.0 * THEIRS, THEIRS, Setting(batch_size=3, n_outputs=5), "dW1")
    assert hints[0].startswith("yours = torch's x -3 at every element of dW1; the sign is flipped (deltas built "
                               "from T - A")
    assert "B = 3" in hints[0]
    one = np.zeros((2, 2))
    one[0, 0] = 1.0
    assert factor_hints(7.0 * one, one, Setting(batch_size=3, n_outputs=5), "db1") == []   # one number: any factor
    assert "B = 3" in factor_hints(3.0 * one, one, Setting(batch_size=3, n_outputs=5), "db1")[0]
    assert factor_hints(7.0 * THEIRS, THEIRS, Setting(batch_size=3, n_outputs=5), "dW1", generic=False) == []
    right = factor_hints(-1.0 * THEIRS, THEIRS, Setting(batch_size=3, n_outputs=5), "dW1", delta_right=True)
    assert right == ["yours is the exact negative of torch's at every element of dW1: the sign in its own formula "
                     "(the other gradient of this layer agrees, so delta is right)"]
    both = factor_hints(2.0 * THEIRS, THEIRS, Setting(batch_size=2, n_outputs=5), "dW1", delta_right=True)
    assert "MSE" not in both[0] and "B = 2" in both[0]


def test_transposed_and_zero_hints():
    from compare.diagnosis.hints import transposed_hint, zero_hint
    theirs = np.arange(6.0).reshape(2, 3) + 1
    assert transposed_hint(theirs.T, theirs, Setting(3, 2), "dW1")[0].startswith("yours is torch's dW1 transposed")
    square = np.arange(4.0).reshape(2, 2)
    assert transposed_hint(square.T, square, Setting(3, 2), "dW1")[0].startswith("yours is torch's dW1 transposed")
    symmetric = np.array([[1.0, 2.0], [2.0, 1.0]])
    assert transposed_hint(symmetric, symmetric, Setting(3, 2), "dW1") == []
    assert transposed_hint(theirs, theirs, Setting(3, 2), "dW1") == []
    assert zero_hint(np.zeros((2, 3)), theirs, "dW1")[0].startswith("your dW1 is all zeros where torch's is not")
    assert zero_hint(np.zeros((2, 3)), np.zeros((2, 3)), "dW1") == []
    assert zero_hint(theirs, theirs, "dW1") == []


def _hint(factor, B=3, K=5, loss="sum", theirs=THEIRS):
    return factor_hints(factor * theirs, theirs, Setting(batch_size=B, n_outputs=K, loss=loss), "dW1")


def test_how_near_a_factor_must_be_to_be_named():
    """`_near`: within 10 x rtol (1e-6) of the factor, relative: 3 (1 + 9.5e-6) is the batch size, 3 (1 + 1.05e-5)
    is not."""
    assert "B = 3" in _hint(3 * (1 + 9.5e-6))[0]
    assert "B = 3" not in _hint(3 * (1 + 1.05e-5))[0]


def test_every_explanation_that_fits_is_named_and_counted():
    half = _hint(0.5, B=2, K=2)[0]
    assert "3 explanations fit this factor" in half
    assert "a factor 1/B, B = 2" in half and "a factor 1/K, K = 2" in half and "a factor 1/2:" in half
    assert "the sign is flipped" not in half
    fixed = _hint(0.5, B=3, K=5)[0]
    assert "2 explanations fit" in fixed and "divided by 2 where this batch has B = 3 samples" in fixed
    assert "explanations fit" not in _hint(3.0)[0]
    one = _hint(0.25, B=1, K=5)[0]
    assert "divided by 4 where this batch has B = 1 sample: a batch size" in one
    assert "sign" not in _hint(0.7)[0]


def test_the_loss_convention_sentences_follow_the_experiments_loss():
    assert 'the other loss convention: yours is the gradient of loss "sum"' in _hint(5.0, loss="mean")[0]
    assert "an extra factor K" in _hint(5.0, loss="sum")[0]
    assert 'yours is the gradient of loss "mean"' in _hint(0.2, loss="sum")[0]
    assert "divided by K once too often" in _hint(0.2, loss="mean")[0]


def test_small_numbers_are_compared_at_their_own_scale():
    from compare.diagnosis.hints import same
    small = 1e-3 * THEIRS
    assert not same(small, small * (1 + 5e-6))
    assert constant_factor(3.0 * 1e-4 * THEIRS, 1e-4 * THEIRS) == pytest.approx(3.0)


def test_a_negative_factor_between_minus_one_and_zero_is_called_a_flipped_sign():
    assert "the sign is flipped" in _hint(-0.5, B=2)[0]
    assert _hint(-0.7)[0].endswith("; the sign is flipped too")
