"""Both implementations' optimizers against torch.optim itself, option by option, defaults included: the
parameters and every state quantity after each of several steps, to a few float64 ulps (the two differ only
by torch's fused multiply-adds and its sqrt). A wrong default, a dropped factor, eps moved inside the square
root or a bias correction off by one step changes them by 1e-9 of themselves or far more.

The reference is torch's own optimizer fed the same gradients; nothing here reads our code's constants.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy_impl.optimizers import make_optimizer as numpy_optimizer  # noqa: E402
from torch_impl.optimizers import make_optimizer as torch_optimizer  # noqa: E402

SHAPES = [(3, 4), (1, 4), (4, 2), (1, 2)]
STEPS = 6
RTOL, ATOL = 1e-12, 1e-15     # a few float64 ulps of numbers of order 1 (see the module docstring)

CASES = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"lr": 0.1, "weight_decay": 0.05, "maximize": True}),
    ("sgd", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.05}),
    ("sgd", {"lr": 0.1, "weight_decay": 1.0}),
    ("adam", {}),
    ("adam", {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-3}),
    ("adam", {"lr": 0.01, "betas": (0.3, 0.6)}),              # 1 - beta1 = 0.7: torch's lerp from the other end
    ("adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("adam", {"lr": 0.01, "amsgrad": True}),
    ("adam", {"lr": 0.01, "maximize": True, "weight_decay": 0.1}),
    ("adamw", {}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.3}),
    ("adamw", {"lr": 0.01, "weight_decay": 1.0}),
    ("adam", {"lr": 0.01, "weight_decay": 1.0}),
    ("adamw", {"lr": 0.01, "amsgrad": True, "maximize": True}),
    ("rmsprop", {}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.7, "eps": 1e-3}),
    ("rmsprop", {"lr": 0.01, "centered": True}),
    ("rmsprop", {"lr": 0.01, "centered": True, "alpha": 0.3}),   # lerp with weight 0.7
    ("rmsprop", {"lr": 0.01, "momentum": 0.8}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.8, "centered": True, "weight_decay": 0.1, "maximize": True}),
    ("adagrad", {}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.3}),
    ("adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}),
    ("adagrad", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("rmsprop", {"lr": 0.01, "weight_decay": 1.0}),      # a decay of exactly 1: `!= 0` is not `!= 1`
    ("adagrad", {"lr": 0.1, "weight_decay": 1.0}),
]


def _numpy_state(opt, i: int) -> dict[str, np.ndarray]:
    if hasattr(opt, "buffers"):      # SGD keeps its momentum buffers as a list
        buf = opt.buffers[i]
        return {} if buf is None else {"momentum_buffer": buf}
    return {k: np.asarray(v) for k, v in opt.state[i].items()}


def _run(name: str, options: dict, scale: float = 1.0, steps: int = STEPS):
    rng = np.random.default_rng(7)
    params = [rng.normal(size=s) for s in SHAPES]
    grads = [[scale * rng.normal(size=s) for s in SHAPES] for _ in range(steps)]
    ours = [p.copy() for p in params]
    theirs = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    n_opt = numpy_optimizer(name, ours, **options)
    t_opt = torch_optimizer(name, theirs, **options)
    for step, g in enumerate(grads, 1):
        n_opt.step([x.copy() for x in g])
        for t, x in zip(theirs, g):
            t.grad = torch.tensor(x.copy())
        t_opt.step()
        for i, (mine, t) in enumerate(zip(ours, theirs)):
            want = t.detach().numpy()
            np.testing.assert_allclose(mine, want, rtol=RTOL, atol=ATOL,
                                       err_msg=f"{name} {options}: parameter {i} after step {step}")
            mine_state = _numpy_state(n_opt, i)
            their_state = {k: v.detach().numpy() if hasattr(v, "detach") else np.asarray(v)
                           for k, v in t_opt.state[t].items()}
            assert set(mine_state) == set(their_state), f"{name} {options}: state names after step {step}"
            for key, value in their_state.items():
                np.testing.assert_allclose(np.asarray(mine_state[key], dtype=np.float64),
                                           value.astype(np.float64), rtol=RTOL, atol=ATOL * max(1.0, scale),
                                           err_msg=f"{name} {options}: state {key} of parameter {i}, step {step}")
    return ours, params


@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}-{'-'.join(o) or 'defaults'}" for n, o in CASES])
def test_each_optimizer_and_option_matches_torch_step_by_step(name, options):
    if name == "sgd" and "lr" not in options:
        options = dict(options, lr=0.1)
    ours, start = _run(name, options)
    # and it moved: a step that does nothing on both sides would agree too
    assert max(float(np.abs(a - b).max()) for a, b in zip(ours, start)) > 1e-4


@pytest.mark.parametrize("name", ["adam", "adamw", "rmsprop", "adagrad"])
def test_tiny_gradients_where_eps_decides_the_step(name):
    """With gradients of 1e-9 the step is about lr g / eps: eps in its place, not inside the square root,
    and its default value, decide the numbers."""
    _run(name, {}, scale=1e-9)


def test_adamw_with_defaults_decays_the_weights_by_torchs_default():
    """torch.optim.AdamW's default weight_decay is 0.01 (its documentation): with a zero gradient, Adam's step
    is 0 and AdamW's shrinks p by lr * 0.01 each step: p (1 - 1e-3 * 1e-2)^k, computed here by hand."""
    p = np.array([[2.0, -3.0]])
    opt = numpy_optimizer("adamw", [p])
    for _ in range(4):
        opt.step([np.zeros_like(p)])
    np.testing.assert_allclose(p, np.array([[2.0, -3.0]]) * (1 - 1e-3 * 1e-2) ** 4, rtol=1e-15)
    q = np.array([[2.0, -3.0]])
    adam = numpy_optimizer("adam", [q])
    adam.step([np.zeros_like(q)])
    np.testing.assert_array_equal(q, [[2.0, -3.0]])   # Adam's default: no weight decay


@pytest.mark.parametrize("name, options", [
    ("sgd", {"lr": -0.1}), ("sgd", {"lr": 0.1, "momentum": -0.5}), ("sgd", {"lr": 0.1, "weight_decay": -0.5}),
    ("sgd", {"lr": 0.1, "nesterov": True}), ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}),
    ("adam", {"lr": -1e-3}), ("adam", {"eps": -1e-8}), ("adam", {"betas": (1.0, 0.999)}),
    ("adam", {"betas": (0.9, 1.0)}), ("adam", {"betas": (-0.1, 0.999)}), ("adam", {"betas": (0.9, -0.1)}),
    ("adam", {"weight_decay": -0.1}), ("adamw", {"weight_decay": -0.1}),
    ("rmsprop", {"lr": -0.1}), ("rmsprop", {"eps": -1.0}), ("rmsprop", {"momentum": -0.1}),
    ("rmsprop", {"weight_decay": -0.1}), ("rmsprop", {"alpha": -0.1}),
    ("adagrad", {"lr": -0.1}), ("adagrad", {"lr_decay": -0.1}), ("adagrad", {"weight_decay": -0.1}),
    ("adagrad", {"initial_accumulator_value": -0.1}), ("adagrad", {"eps": -1.0}),
])
def test_values_torch_refuses_are_refused_in_torchs_words(name, options):
    with pytest.raises(ValueError) as theirs:
        torch_optimizer(name, [torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(ValueError) as ours:
        numpy_optimizer(name, [np.zeros(2)], **options)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name, options", [
    ("sgd", {"lr": 0.0}), ("sgd", {"lr": 0.1, "momentum": 0.0, "weight_decay": 0.0}),
    ("sgd", {"lr": 0.1, "momentum": 1e-9, "nesterov": True}),
    ("adam", {"lr": 0.0, "eps": 0.0, "betas": (0.0, 0.0), "weight_decay": 0.0}),
    ("rmsprop", {"lr": 0.0, "eps": 0.0, "momentum": 0.0, "weight_decay": 0.0, "alpha": 0.0}),
    ("adagrad", {"lr": 0.0, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 0.0}),
])
def test_boundary_values_torch_accepts_are_accepted(name, options):
    torch_optimizer(name, [torch.zeros(2, requires_grad=True)], **options)
    numpy_optimizer(name, [np.zeros(2)], **options)


@pytest.mark.parametrize("betas", [(0.9, 0), (0, 0.9)])
def test_betas_that_are_not_both_floats_are_refused_as_torch_refuses_them(betas):
    from numpy_impl.adam import Adam
    with pytest.raises(ValueError) as theirs:
        torch.optim.Adam([torch.zeros(2, requires_grad=True)], betas=betas)
    with pytest.raises(ValueError) as ours:
        Adam([np.zeros(2)], betas=betas)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name, options", [("sgd", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.2}),
                                           ("adam", {"lr": 0.01, "weight_decay": 0.2}),
                                           ("adamw", {"lr": 0.01, "weight_decay": 0.2}),
                                           ("rmsprop", {"lr": 0.01, "weight_decay": 0.2}),
                                           ("adagrad", {"lr": 0.1, "weight_decay": 0.2})])
def test_parameter_groups_leave_weight_decay_off_the_biases_as_torch_does(name, options):
    rng = np.random.default_rng(11)
    params = [rng.normal(size=s) for s in SHAPES]
    ours = [p.copy() for p in params]
    theirs = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    n_opt = numpy_optimizer(name, [{"params": ours[0::2]}, {"params": ours[1::2], "weight_decay": 0.0}], **options)
    t_opt = torch_optimizer(name, [{"params": theirs[0::2]}, {"params": theirs[1::2], "weight_decay": 0.0}],
                            **options)
    for _ in range(3):
        grads = [rng.normal(size=s) for s in SHAPES]
        n_opt.step([g.copy() for g in grads[0::2] + grads[1::2]])     # in the groups' order
        for t, g in zip(theirs, grads):
            t.grad = torch.tensor(g.copy())
        t_opt.step()
    for mine, t in zip(ours, theirs):
        np.testing.assert_allclose(mine, t.detach().numpy(), rtol=RTOL, atol=ATOL)


def test_a_negative_weight_decay_in_a_parameter_group_is_refused():
    with pytest.raises(ValueError, match="Invalid weight_decay value: -0.5"):
        numpy_optimizer("sgd", [{"params": [np.zeros(2)]}, {"params": [np.zeros(1)], "weight_decay": -0.5}], lr=0.1)
