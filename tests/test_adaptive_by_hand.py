"""The NumPy optimizers' derivations checked by hand: each update rule's first steps computed from its formula
(bias corrections, coupled and decoupled decay, amsgrad, centred RMSprop, Adagrad's decay, maximize), not from torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from numpy_impl.adagrad import Adagrad
from numpy_impl.adam import Adam, AdamW, lerp_
from numpy_impl.rmsprop import RMSprop
from tests.test_adaptive_optimizers import OURS

# ---------------------------------------------------------------- the derivation, by hand


def test_adam_first_step_is_lr_times_the_sign():
    """t = 1: m_hat = g, v_hat = g^2, so each coordinate moves by lr g / (|g| + eps)."""
    p = np.array([[1.0, -2.0, 3.0]])
    g = np.array([[0.5, -4.0, 1e-3]])
    Adam([p], lr=0.1).step([g])
    np.testing.assert_allclose(p, [[1.0, -2.0, 3.0]] - 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-15)


def test_adam_second_step_uses_both_bias_corrections():
    beta1, beta2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    p = np.array([[1.0]])
    opt = Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    opt.step([np.array([[2.0]])])
    p1 = p[0, 0]
    opt.step([np.array([[-1.0]])])
    m = beta1 * (1 - beta1) * 2.0 + (1 - beta1) * -1.0
    v = beta2 * (1 - beta2) * 4.0 + (1 - beta2) * 1.0
    expected = p1 - lr * (m / (1 - beta1 ** 2)) / (np.sqrt(v / (1 - beta2 ** 2)) + eps)
    assert p[0, 0] == pytest.approx(expected, rel=1e-14)
    assert opt.state[0]["step"] == 2.0
    assert opt.state[0]["exp_avg"][0, 0] == pytest.approx(m, rel=1e-14)
    assert opt.state[0]["exp_avg_sq"][0, 0] == pytest.approx(v, rel=1e-14)


def test_adam_couples_and_adamw_decouples_weight_decay():
    """Adam: the decay passes through m and v (first step: still lr sign(g + wd p)); AdamW: p shrinks by
    lr wd p first, then the Adam step of the raw gradient."""
    g = np.array([[1e-3]])
    p = np.array([[2.0]])
    Adam([p], lr=0.1, weight_decay=0.5).step([g])
    coupled = 1e-3 + 0.5 * 2.0
    assert p[0, 0] == pytest.approx(2.0 - 0.1 * coupled / (coupled + 1e-8), rel=1e-15)
    q = np.array([[2.0]])
    AdamW([q], lr=0.1, weight_decay=0.5).step([g])
    assert q[0, 0] == pytest.approx(2.0 * (1 - 0.1 * 0.5) - 0.1 * 1e-3 / (1e-3 + 1e-8), rel=1e-15)


def test_amsgrad_keeps_the_largest_second_moment():
    p = np.array([[0.0]])
    opt = Adam([p], lr=0.1, amsgrad=True)
    opt.step([np.array([[10.0]])])
    opt.step([np.array([[0.1]])])
    state = opt.state[0]
    assert state["max_exp_avg_sq"][0, 0] == pytest.approx(0.001 * 100.0, rel=1e-12)
    assert state["exp_avg_sq"][0, 0] < state["max_exp_avg_sq"][0, 0]


def test_rmsprop_first_step_has_no_bias_correction():
    """s_1 = (1 - alpha) g^2: the first step is lr g / (sqrt(1 - alpha) |g| + eps), ten lr for alpha 0.99."""
    p = np.array([[1.0, 1.0]])
    g = np.array([[0.3, -2.0]])
    RMSprop([p], lr=0.01, alpha=0.99).step([g])
    np.testing.assert_allclose(p, 1.0 - 0.01 * g / (np.sqrt(0.01) * np.abs(g) + 1e-8), rtol=1e-14)


def test_centered_rmsprop_divides_by_the_variance():
    p = np.array([[0.0]])
    opt = RMSprop([p], lr=0.01, alpha=0.5, centered=True, eps=0.0)
    opt.step([np.array([[2.0]])])
    # s = 0.5 * 4 = 2, a = 0.5 * 2 = 1: denom sqrt(2 - 1) = 1
    assert p[0, 0] == pytest.approx(-0.01 * 2.0, rel=1e-15)
    assert opt.state[0]["grad_avg"][0, 0] == 1.0 and opt.state[0]["square_avg"][0, 0] == 2.0


def test_rmsprop_momentum_accumulates_the_normalised_step():
    p = np.array([[0.0]])
    opt = RMSprop([p], lr=0.1, alpha=0.5, momentum=0.9, eps=0.0)
    opt.step([np.array([[2.0]])])           # s = 2, buf = 2 / sqrt(2)
    opt.step([np.array([[2.0]])])           # s = 3, buf = 0.9 sqrt(2) + 2 / sqrt(3)
    buf = 0.9 * np.sqrt(2.0) + 2.0 / np.sqrt(3.0)
    assert opt.state[0]["momentum_buffer"][0, 0] == pytest.approx(buf, rel=1e-15)
    assert p[0, 0] == pytest.approx(-0.1 * np.sqrt(2.0) - 0.1 * buf, rel=1e-15)


def test_adagrad_decays_the_rate_from_the_second_step():
    p = np.array([[0.0]])
    opt = Adagrad([p], lr=1.0, lr_decay=0.5, initial_accumulator_value=1.0, eps=0.0)
    opt.step([np.array([[3.0]])])           # sum 1 + 9 = 10, clr = 1
    assert p[0, 0] == pytest.approx(-3.0 / np.sqrt(10.0), rel=1e-15)
    opt.step([np.array([[1.0]])])           # sum 11, clr = 1 / 1.5
    assert p[0, 0] == pytest.approx(-3.0 / np.sqrt(10.0) - (1 / 1.5) / np.sqrt(11.0), rel=1e-15)
    assert opt.state[0]["sum"][0, 0] == 11.0 and opt.state[0]["step"] == 2.0


def test_maximize_negates_the_gradient_but_not_the_decay():
    """Ascending with g is descending with -g, the weight decay unchanged (three steps: a first adaptive step
    only sees the sign)."""
    for name in OURS:
        up, down = np.array([[1.0]]), np.array([[1.0]])
        ascend = OURS[name]([up], lr=0.1, weight_decay=0.25, maximize=True)
        descend = OURS[name]([down], lr=0.1, weight_decay=0.25)
        for g in (1.0, 0.5, 2.0):
            ascend.step([np.array([[g]])])
            descend.step([np.array([[-g]])])
        assert up[0, 0] == down[0, 0] > 1.0, name


def test_lerp_is_torchs_two_sided_formula():
    rng = np.random.default_rng(0)
    start, end = rng.normal(size=1000), rng.normal(size=1000)
    for weight in (0.1, 0.5, 0.9, 1.0):
        ours = start.copy()
        lerp_(ours, end, weight)
        theirs = torch.tensor(start).lerp(torch.tensor(end), weight).numpy()
        # torch rounds the multiply-add once: at most one unit in the last place of the larger end
        assert (np.abs(ours - theirs) <= np.spacing(np.maximum(np.abs(start), np.abs(end)))).all(), weight
    ours = start.copy()
    lerp_(ours, end, 1.0)
    assert (ours == end).all()
