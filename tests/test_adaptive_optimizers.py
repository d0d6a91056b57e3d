"""numpy_impl's Adam, AdamW, RMSprop and Adagrad against torch.optim, step by step, every option.

Each test runs 30 updates on four parameters (two of them larger than torch's vector width, so both its
vectorised and its scalar loops run) with gradients spread over seven orders of magnitude, and after every
update copies torch's parameters and state into ours ("resync"): what is measured is ONE update, from equal
starting points. torch's CPU kernels round a multiply-add once where NumPy rounds twice, and torch's sqrt is
not correctly rounded, so a few elements differ in the last places: measured over these runs (torch 2.13,
AVX-512), at most 3.7e-15 of the array's magnitude for a parameter, 4.0e-15 for a state array (where weight
decay almost cancels the gradient), and per case 88.5% (RMSprop with momentum, whose `add_(buf, alpha=-lr)`
is a fused multiply-add) to 99.99% (Adagrad) of the elements bit for bit.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from numpy_impl.adagrad import Adagrad
from numpy_impl.adam import Adam, AdamW
from numpy_impl.rmsprop import RMSprop

OURS = {"adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}
THEIRS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": torch.optim.RMSprop,
          "adagrad": torch.optim.Adagrad}
SHAPES = [(3, 2), (1, 2), (40, 7), (1, 7)]
RELATIVE = 1e-14          # of max(|before|, |after|): about 45 units in the last place (measured <= 4.0e-15)
BITWISE = {"adam": 0.99, "adamw": 0.99, "rmsprop": 0.85, "adagrad": 0.995}   # measured >= 0.994, 0.996, 0.885, 0.998


def combinations(name: str) -> list[dict]:
    """Every combination of the optimizer's switches (two values each), plus one with unusual constants."""
    if name in ("adam", "adamw"):
        out = [dict(amsgrad=a, maximize=m, weight_decay=w)
               for a, m, w in itertools.product((False, True), (False, True), (0.0, 0.1))]
        return out + [dict(betas=(0.3, 0.6), eps=1e-3, amsgrad=True, weight_decay=0.05)]
    if name == "rmsprop":
        out = [dict(centered=c, momentum=mu, maximize=m, weight_decay=w)
               for c, mu, m, w in itertools.product((False, True), (0.0, 0.9), (False, True), (0.0, 0.1))]
        return out + [dict(alpha=0.3, eps=1e-3, centered=True, momentum=0.5)]
    out = [dict(lr_decay=d, initial_accumulator_value=v, maximize=m, weight_decay=w)
           for d, v, m, w in itertools.product((0.0, 0.1), (0.0, 0.5), (False, True), (0.0, 0.1))]
    return out + [dict(eps=1e-3, lr_decay=2.0)]


CASES = [(name, options) for name in OURS for options in combinations(name)]
IDS = [f"{name}-" + ("-".join(f"{k}={v}" for k, v in o.items() if v) or "plain") for name, o in CASES]


def run_both(name: str, options: dict, steps: int = 30, dtype=np.float64, resync: bool = True, seed: int = 5):
    """(ours, theirs, measurements): the largest per-update difference of a parameter and of a state array,
    relative to the larger of that array's values before and after the update, and the bitwise fraction."""
    rng = np.random.default_rng(seed)
    start = [rng.normal(size=s).astype(dtype) for s in SHAPES]
    grads = [[(rng.normal(size=s) * 10.0 ** rng.uniform(-6, 1)).astype(dtype) for s in SHAPES]
             for _ in range(steps)]
    ours = [p.copy() for p in start]
    mine = OURS[name](ours, lr=0.01, **options)
    theirs = [torch.tensor(p, requires_grad=True) for p in start]
    # foreach=False: the per-parameter path whose order numpy_impl follows (torch's CPU default; on CUDA torch
    # would pick its multi-tensor path)
    reference = THEIRS[name](theirs, lr=0.01, foreach=False, **options)
    worst_param = worst_state = 0.0
    same = total = 0
    for step_grads in grads:
        before = [t.detach().numpy().copy() for t in theirs]
        states_before = [{k: v.numpy().copy() for k, v in reference.state[t].items()} for t in theirs]
        mine.step(step_grads)
        for t, g in zip(theirs, step_grads):
            t.grad = torch.tensor(g)
        reference.step()
        for i, (p, t) in enumerate(zip(ours, theirs)):
            want = t.detach().numpy()
            worst_param = max(worst_param, relative(p, want, before[i]))
            same += int((p == want).sum())
            total += p.size
            state = reference.state[t]
            assert set(mine.state[i]) == set(state), (set(mine.state[i]), set(state))
            assert mine.state[i]["step"] == state["step"].item()
            for key, value in state.items():
                if key != "step":
                    worst_state = max(worst_state, relative(mine.state[i][key], value.numpy(),
                                                            states_before[i].get(key, value.numpy())))
            if resync:
                p[...] = want
                for key, value in state.items():
                    if key != "step":
                        mine.state[i][key][...] = value.numpy()
    return ours, theirs, dict(param=worst_param, state=worst_state, bitwise=same / total)


def relative(ours: np.ndarray, theirs: np.ndarray, before: np.ndarray) -> float:
    scale = np.maximum(np.abs(theirs), np.abs(before))
    diff = np.abs(ours.astype(np.float64) - theirs)
    return float(np.max(np.where(diff == 0, 0.0, diff / np.where(scale == 0, 1.0, scale))))


@pytest.mark.parametrize("name,options", CASES, ids=IDS)
def test_every_update_against_torch(name, options):
    _, _, measured = run_both(name, options)
    assert measured["param"] <= RELATIVE and measured["state"] <= RELATIVE, measured
    assert measured["bitwise"] >= BITWISE[name], measured


@pytest.mark.parametrize("name", OURS)
def test_whole_run_without_resync_stays_close(name):
    """30 updates left to run freely from the same start: the few ulp per update do not grow."""
    for options in combinations(name):
        ours, theirs, _ = run_both(name, options, resync=False)
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name", OURS)
def test_float32_against_torch(name):
    for options in combinations(name)[:4]:
        ours, theirs, measured = run_both(name, options, dtype=np.float32, steps=10)
        assert measured["param"] <= 1e-5 and measured["state"] <= 1e-5, measured
        assert all(p.dtype == np.float32 for p in ours)


@pytest.mark.parametrize("name", OURS)
def test_options_change_the_trajectory(name):
    """Each option reaches the update: a run with it ends elsewhere than the plain run (so that agreeing with
    torch above is not agreement of two runs that both ignore it)."""
    plain, _, _ = run_both(name, {}, steps=5)
    keys = {k for options in combinations(name) for k in options}
    for key in sorted(keys):
        value = next(o[key] for o in combinations(name) if o.get(key))
        changed, _, _ = run_both(name, {key: value}, steps=5)
        assert max(np.abs(a - b).max() for a, b in zip(changed, plain)) > 1e-6, key


# ---------------------------------------------------------------- groups, state layout, torch's refusals


@pytest.mark.parametrize("name", OURS)
def test_parameter_groups_like_torch(name):
    """Weight decay on the weights only, through groups, as torch does it."""
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(3, 2)), rng.normal(size=(1, 2))
    ours = [W.copy(), b.copy()]
    opt = OURS[name]([{"params": [ours[0]]}, {"params": [ours[1]], "weight_decay": 0.0}], lr=0.1,
                     weight_decay=0.3)
    theirs = [torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)]
    ref = THEIRS[name]([{"params": [theirs[0]]}, {"params": [theirs[1]], "weight_decay": 0.0}], lr=0.1,
                       weight_decay=0.3, foreach=False)
    for _ in range(5):
        grads = [rng.normal(size=W.shape), rng.normal(size=b.shape)]
        opt.step(grads)
        for t, g in zip(theirs, grads):
            t.grad = torch.tensor(g)
        ref.step()
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-13, atol=1e-15)
    assert opt.param_groups[1]["weight_decay"] == 0.0 and opt.param_groups[0]["weight_decay"] == 0.3


def test_state_arrays_are_views_into_one_flat_array_per_quantity():
    theta = np.zeros(8)
    W, b = theta[:6].reshape(3, 2), theta[6:].reshape(1, 2)
    opt = Adam([W, b], lr=0.1, amsgrad=True)
    opt.step([np.ones((3, 2)), np.full((1, 2), 2.0)])
    for name in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        flat = opt.flat_state[name]
        assert flat.shape == (8,)
        assert np.shares_memory(flat, opt.state[0][name]) and np.shares_memory(flat, opt.state[1][name])
        np.testing.assert_array_equal(flat, np.concatenate([opt.state[0][name].ravel(), opt.state[1][name].ravel()]))
    assert opt.flat_state["exp_avg"][6] == pytest.approx(0.2)


def test_adagrad_accumulator_starts_at_its_initial_value_per_group():
    a, b = np.zeros((2, 2)), np.zeros((1, 2))
    opt = Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 3.0}], lr=0.1,
                  initial_accumulator_value=0.5)
    assert (opt.state[0]["sum"] == 0.5).all() and (opt.state[1]["sum"] == 3.0).all()


REFUSED = [
    ("adam", dict(lr=-1.0)), ("adam", dict(eps=-1e-8)), ("adam", dict(betas=(1.0, 0.999))),
    ("adam", dict(betas=(0.9, -0.1))), ("adam", dict(weight_decay=-0.1)), ("adam", dict(betas=(0, 0.999))),
    ("adamw", dict(betas=(0.9, 1.5))), ("adamw", dict(lr=float("nan"))),
    ("rmsprop", dict(lr=-0.1)), ("rmsprop", dict(eps=-1.0)), ("rmsprop", dict(momentum=-0.9)),
    ("rmsprop", dict(weight_decay=-1.0)), ("rmsprop", dict(alpha=-0.5)),
    ("adagrad", dict(lr=-0.1)), ("adagrad", dict(lr_decay=-1.0)), ("adagrad", dict(weight_decay=-1.0)),
    ("adagrad", dict(initial_accumulator_value=-1.0)), ("adagrad", dict(eps=-1.0)),
]


@pytest.mark.parametrize("name,kwargs", REFUSED, ids=[f"{n}-{k}" for n, k in REFUSED])
def test_refused_with_torchs_words(name, kwargs):
    kwargs = {"lr": 0.1, **kwargs}
    with pytest.raises(ValueError) as theirs:
        THEIRS[name]([torch.zeros(1, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as ours:
        OURS[name]([np.zeros(1)], **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", OURS)
def test_accepted_like_torch(name):
    """What torch takes, we take: RMSprop's centered with momentum, alpha above 1; the edges of betas."""
    accepted = {"adam": dict(betas=(0.0, 0.0), eps=0.0), "adamw": dict(betas=(0.999, 0.0), weight_decay=0.0),
                "rmsprop": dict(centered=True, momentum=0.9, alpha=1.5), "adagrad": dict(eps=0.0, lr_decay=0.0)}
    theirs = THEIRS[name]([torch.zeros(1, requires_grad=True)], lr=0.0, **accepted[name]).param_groups[0]
    ours = OURS[name]([np.zeros(1)], lr=0.0, **accepted[name]).param_groups[0]
    for key, value in accepted[name].items():      # kept as given, neither clamped nor dropped
        assert tuple(np.atleast_1d(ours[key])) == tuple(np.atleast_1d(theirs[key])) == tuple(np.atleast_1d(value))


def test_empty_parameter_list_and_wrong_gradient_count():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        Adam([], lr=0.1)
    with pytest.raises(ValueError, match="expected 2 gradients"):
        Adam([np.zeros(1), np.zeros(2)], lr=0.1).step([np.zeros(1)])
