"""torch_impl/losses.py, fast, for mutation testing: every loss torch trains on, under every convention
(reduction, bce_outputs, mse_scale), against the documented formula written in NumPy here; the L2 penalty and
the printed loss by hand; the refusals."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from torch_impl.losses import l2_penalty, make_log_loss, make_loss

RNG = np.random.default_rng(4)
Bn, K = 3, 4
A_REAL = RNG.normal(size=(Bn, K))
T_REAL = RNG.normal(size=(Bn, K))
A_PROB = RNG.uniform(0.05, 0.95, size=(Bn, K))
T_PROB = RNG.uniform(0, 1, size=(Bn, K))
Z = RNG.normal(scale=2, size=(Bn, K))
T_HOT = np.eye(K)[[2, 0, 3]]


def per_sample(name, output, target, bce_outputs, mse_scale):
    """L_i by hand, as the module docstrings define them."""
    if name == "sum":
        return mse_scale * ((target - output) ** 2).sum(axis=1)
    if name == "mean":
        return mse_scale * ((target - output) ** 2).sum(axis=1) / K
    if name == "bce":
        terms = -(target * np.log(output) + (1 - target) * np.log(1 - output))
        return terms.sum(axis=1) / (1 if bce_outputs == "sum" else K)
    shifted = output - output.max(axis=1, keepdims=True)
    log_a = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -(target * log_a).sum(axis=1)


DATA = {"sum": (A_REAL, T_REAL), "mean": (A_REAL, T_REAL), "bce": (A_PROB, T_PROB), "cross_entropy": (Z, T_HOT)}
CASES = ([(n, r, "mean", s) for n in ("sum", "mean") for r in ("mean", "sum") for s in (0.5, 1.0)]
         + [("bce", r, o, 0.5) for r in ("mean", "sum") for o in ("mean", "sum")]
         + [("cross_entropy", r, "mean", 0.5) for r in ("mean", "sum")])


@pytest.mark.parametrize("name,reduction,outputs,scale", CASES)
def test_every_loss_and_convention_by_hand(name, reduction, outputs, scale):
    output, target = DATA[name]
    per = per_sample(name, output, target, outputs, scale)
    want = per.sum() if reduction == "sum" else per.mean()
    fn = make_loss(name, reduction=reduction, bce_outputs=outputs, mse_scale=scale)
    assert float(fn(torch.tensor(output), torch.tensor(target))) == pytest.approx(want, rel=1e-13, abs=0)


def test_defaults_are_the_lessons():
    for name, (output, target) in DATA.items():
        want = per_sample(name, output, target, "mean", 0.5).mean()
        assert float(make_loss(name)(torch.tensor(output), torch.tensor(target))) == pytest.approx(want, rel=1e-13)


@pytest.mark.parametrize("name", list(DATA))
def test_the_printed_loss(name):
    output, target = DATA[name]
    want = (((target - output) ** 2) / 2).mean() if name in ("sum", "mean") else \
        per_sample(name, output, target, "mean", 0.5).mean()
    assert float(make_log_loss(name)(torch.tensor(output), torch.tensor(target))) == pytest.approx(want, rel=1e-13)


def test_l2_penalty_by_hand():
    first = torch.nn.Linear(2, 2, dtype=torch.float64)
    second = torch.nn.Linear(2, 1, bias=False, dtype=torch.float64)
    with torch.no_grad():
        first.weight.copy_(torch.tensor([[1.0, -2.0], [0.5, 3.0]]))
        first.bias.copy_(torch.tensor([2.0, -1.0]))
        second.weight.copy_(torch.tensor([[4.0, 0.0]]))
    model = SimpleNamespace(linears=[first, second])
    weights = 1 + 4 + 0.25 + 9 + 16
    assert float(l2_penalty(model, 0.2).detach()) == pytest.approx(0.1 * weights, rel=1e-15)
    assert float(l2_penalty(model, 0.2, biases=True).detach()) == pytest.approx(0.1 * (weights + 4 + 1), rel=1e-15)
    assert l2_penalty(model, 0.0) == 0.0 and l2_penalty(model, 0.0, biases=True) == 0.0
    penalty = l2_penalty(model, 0.2, biases=True)
    penalty.backward()
    np.testing.assert_allclose(first.weight.grad.numpy(), 0.2 * np.array([[1.0, -2.0], [0.5, 3.0]]), rtol=1e-15)
    np.testing.assert_allclose(first.bias.grad.numpy(), 0.2 * np.array([2.0, -1.0]), rtol=1e-15)


def test_refusals_named():
    with pytest.raises(ValueError, match="unknown reduction 'none' or bce_outputs 'mean'"):
        make_loss("sum", reduction="none")
    with pytest.raises(ValueError, match="unknown reduction 'mean' or bce_outputs 'all'"):
        make_loss("bce", bce_outputs="all")
    with pytest.raises(ValueError, match="unknown mse_scale 2"):
        make_loss("sum", mse_scale=2)
    for reduction in ("mean", "sum"):
        with pytest.raises(ValueError, match="unknown loss 'hinge'"):
            make_loss("hinge", reduction=reduction)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        make_log_loss("hinge")
