"""Parameter groups and per-parameter state (numpy_impl/param_groups.py) against torch.optim: groups whose
options override the defaults for their parameters only, stepped side by side with torch's optimizer on the
same groups; the state laid out as views of one flat array per quantity, parameter after parameter; torch's
errors for what torch refuses.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy_impl.adagrad import Adagrad  # noqa: E402
from numpy_impl.adam import Adam  # noqa: E402
from numpy_impl.optimizer import SGD  # noqa: E402
from numpy_impl.param_groups import flat_state, param_groups  # noqa: E402

SHAPES = [(2, 3), (3,), (3, 1), (1,)]      # W1, b1, W2, b2


def _params(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in SHAPES]


def _grads(step: int) -> list[np.ndarray]:
    rng = np.random.default_rng(100 + step)
    return [rng.normal(size=s) for s in SHAPES]


def _side_by_side(ours_cls, theirs_cls, groups_of, steps: int = 4, **defaults):
    """Both optimizers on the same groups (built by `groups_of(params)`), `steps` steps with the same
    gradients; returns both sides' parameters."""
    ours_p = _params()
    theirs_p = [torch.tensor(p.copy(), requires_grad=True) for p in ours_p]
    ours = ours_cls(groups_of(ours_p), **defaults)
    theirs = theirs_cls(groups_of(theirs_p), **defaults)
    order = [0, 2, 1, 3] if len(groups_of(ours_p)) == 2 else [0, 1, 2, 3]     # ours: the groups' order
    for k in range(steps):
        g = _grads(k)
        ours.step([g[i] for i in order])
        for p, gk in zip(theirs_p, g):
            p.grad = torch.tensor(gk)
        theirs.step()
    return ours, ours_p, theirs, [p.detach().numpy() for p in theirs_p]


def _no_decay_on_biases(ps):
    return [{"params": [ps[0], ps[2]]}, {"params": [ps[1], ps[3]], "weight_decay": 0.0, "lr": 0.05}]


def test_sgd_groups_leave_weight_decay_off_the_biases_as_torch():
    groups = lambda ps: [{"params": [ps[0], ps[2]]}, {"params": [ps[1], ps[3]], "weight_decay": 0.0}]  # noqa: E731
    ours, mine, _, want = _side_by_side(SGD, torch.optim.SGD, groups, lr=0.1, momentum=0.9, weight_decay=0.3)
    for p, w in zip(mine, want):
        np.testing.assert_allclose(p, w, rtol=1e-12, atol=1e-15)
    assert ours.params[1] is mine[2] and ours.params[2] is mine[1]
    assert ours.weight_decays == [0.3, 0.3, 0.0, 0.0]


@pytest.mark.parametrize("ours_cls, theirs_cls, defaults", [
    (Adam, torch.optim.Adam, {"lr": 0.01, "weight_decay": 0.3}),
    (Adagrad, torch.optim.Adagrad, {"lr": 0.1, "weight_decay": 0.3, "initial_accumulator_value": 0.5}),
])
def test_groups_override_the_defaults_for_their_parameters_only_as_torch(ours_cls, theirs_cls, defaults):
    ours, mine, theirs, want = _side_by_side(ours_cls, theirs_cls, _no_decay_on_biases, **defaults)
    # our parameters are taken in the groups' order: W1, W2, b1, b2
    for p, w in zip(mine, want):
        np.testing.assert_allclose(p, w, rtol=1e-12, atol=1e-15)
    assert [g["weight_decay"] for g in ours.param_groups] == [0.3, 0.0]
    assert [g["lr"] for g in ours.param_groups] == [defaults["lr"], 0.05]
    assert ours.params[1] is mine[2] and ours.params[2] is mine[1]
    # the state of parameter i counts through the groups in order, as torch's does
    for i in range(len(ours.params)):
        tp = [q for group in theirs.param_groups for q in group["params"]][i]
        assert float(ours.state[i]["step"]) == float(theirs.state[tp]["step"]) == 4.0
        for name, value in theirs.state[tp].items():
            if name != "step":
                np.testing.assert_allclose(ours.state[i][name], value.numpy(), rtol=1e-12, atol=1e-15)


def test_one_group_of_arrays_is_the_defaults_alone_and_a_group_is_not_shared():
    ps = _params()
    groups = param_groups(ps, {"lr": 0.1, "momentum": 0.0})
    assert len(groups) == 1 and groups[0]["lr"] == 0.1 and groups[0]["momentum"] == 0.0
    assert [id(p) for p in groups[0]["params"]] == [id(p) for p in ps]
    given = [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.5}]
    groups = param_groups(given, {"lr": 0.1, "momentum": 0.9})
    assert [(g["lr"], g["momentum"], len(g["params"])) for g in groups] == [(0.1, 0.9, 2), (0.5, 0.9, 2)]
    groups[0]["params"].append(ps[3])          # a list of its own, not the caller's
    assert len(given[0]["params"]) == 2


def test_torch_refuses_the_same_groups():
    ps = _params()
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        param_groups([], {"lr": 0.1})
    with pytest.raises(TypeError, match="parameter groups must all be dicts with a 'params' key"):
        param_groups([{"params": ps[:1]}, ps[1]], {"lr": 0.1})
    with pytest.raises(TypeError, match="parameter groups must all be dicts with a 'params' key"):
        param_groups([{"params": ps[:1]}, {"lr": 0.1}], {"lr": 0.1})
    with pytest.raises(TypeError, match=r"unknown option\(s\) betas, nesterovv \(this optimizer takes lr, "
                                        r"momentum\)"):
        param_groups([{"params": ps, "nesterovv": True, "betas": (0.9, 0.99)}], {"lr": 0.1, "momentum": 0.0})
    with pytest.raises(TypeError, match="optimizer can only optimize NumPy arrays, but one of the params is list"):
        param_groups([ps[0], [1.0, 2.0]], {"lr": 0.1})
    with pytest.raises(TypeError, match="one of the params is float"):
        param_groups([{"params": [ps[0]]}, {"params": [1.0]}], {"lr": 0.1})


def test_the_state_is_views_of_one_flat_array_per_quantity_in_parameter_order():
    ps = _params()
    flats, states = flat_state(ps, [("exp_avg", "exp_avg_sq")] * 3 + [("exp_avg",)], [0.0, 0.0, 0.25, 0.5])
    assert sorted(flats) == ["exp_avg", "exp_avg_sq"]
    assert all(f.shape == (6 + 3 + 3 + 1,) and f.dtype == np.float64 for f in flats.values())
    # the fills, parameter by parameter: 6 + 3 zeros, 3 x 0.25, then 0.5 (and 0 where b2 keeps no exp_avg_sq)
    np.testing.assert_array_equal(flats["exp_avg"], [0.0] * 9 + [0.25] * 3 + [0.5])
    np.testing.assert_array_equal(flats["exp_avg_sq"], [0.0] * 9 + [0.25] * 3 + [0.0])
    assert [sorted(s) for s in states] == [["exp_avg", "exp_avg_sq", "step"]] * 3 + [["exp_avg", "step"]]
    assert all(s["step"] == 0.0 for s in states)
    for p, s in zip(ps, states):
        assert s["exp_avg"].shape == p.shape
    states[1]["exp_avg"][2] = 7.0          # b1's third element: flat position 6 + 2
    states[3]["exp_avg"][0] = -1.0         # b2: the last
    assert flats["exp_avg"][8] == 7.0 and flats["exp_avg"][12] == -1.0
    states[2]["exp_avg_sq"][1, 0] = 3.0    # W2 (3, 1): flat position 9 + 1
    assert flats["exp_avg_sq"][10] == 3.0 and np.count_nonzero(flats["exp_avg_sq"] == 3.0) == 1


def test_float32_state_and_mixed_dtypes_without_flat_arrays():
    ps = [p.astype(np.float32) for p in _params()]
    flats, states = flat_state(ps, [("sum",)] * 4, [0.1] * 4)
    assert flats["sum"].dtype == np.float32 and states[0]["sum"].dtype == np.float32
    np.testing.assert_array_equal(flats["sum"], np.full(13, 0.1, np.float32))
    mixed = [ps[0], _params()[1]]
    flats, states = flat_state(mixed, [("sum",), ("sum",)], [0.5, 0.25])
    assert flats == {}
    assert states[0]["sum"].dtype == np.float32 and states[1]["sum"].dtype == np.float64
    np.testing.assert_array_equal(states[0]["sum"], np.full((2, 3), 0.5, np.float32))
    np.testing.assert_array_equal(states[1]["sum"], np.full(3, 0.25))
    states[0]["sum"][0, 0] = 9.0
    assert states[1]["sum"][0] == 0.25


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_step_wants_one_gradient_per_parameter(cls):
    opt = cls(_params(), lr=0.1)
    with pytest.raises(ValueError, match=r"step: expected 4 gradients \(one per parameter\), found 3"):
        opt.step(_grads(0)[:3])
    before = [p.copy() for p in opt.params]
    g = _grads(0)
    opt.step(g)
    for p, b, gk in zip(opt.params, before, g):    # SGD: lr g; Adam's first step: lr sign(g) (m / sqrt(v) = g / |g|)
        step = 0.1 * gk if cls is SGD else 0.1 * gk / (np.abs(gk) + 1e-8)
        np.testing.assert_allclose(p, b - step, rtol=1e-12)
