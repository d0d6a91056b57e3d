"""compare/running/optimizer_state.py, fast, for mutation testing: which state quantities each optimizer keeps
(against torch.optim's own state after a step), both sides read into the seed layout (torch's weights
transposed, W1, b1, W2, b2, ...; an absent bias 0), the step counts one per parameter, torch's state copied
into numpy_impl's (`--resync`), and the flat layout cut back into layers, all by hand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from compare.running import optimizer_state as st
from numpy_impl.optimizers import make_optimizer

SIZES = (3, 2, 2)
RNG = np.random.default_rng(3)
W = [RNG.normal(size=(3, 2)), RNG.normal(size=(2, 2))]        # seed layout (n_in, n_out)
B = [RNG.normal(size=(1, 2)), RNG.normal(size=(1, 2))]
GW = [RNG.normal(size=(3, 2)), RNG.normal(size=(2, 2))]       # one update's gradients
GB = [RNG.normal(size=(1, 2)), RNG.normal(size=(1, 2))]

CONFIGS = [  # (optimizer, options, experiment fields)
    ("sgd", {"lr": 0.1}, {"momentum": 0.0}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}, {"momentum": 0.9}),
    ("adam", {"lr": 0.1}, {"amsgrad": False}),
    ("adam", {"lr": 0.1, "amsgrad": True}, {"amsgrad": True}),
    ("adamw", {"lr": 0.1, "amsgrad": True}, {"amsgrad": True}),
    ("rmsprop", {"lr": 0.1}, {"momentum": 0.0, "centered": False}),
    ("rmsprop", {"lr": 0.1, "momentum": 0.5, "centered": True}, {"momentum": 0.5, "centered": True}),
    ("rmsprop", {"lr": 0.1, "centered": True}, {"momentum": 0.0, "centered": True}),
    ("adagrad", {"lr": 0.1}, {}),
]
TORCH = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
         "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}


def experiment(name, fields, bias=True):
    base = {"momentum": 0.0, "amsgrad": False, "centered": False}
    return SimpleNamespace(optimizer=name, sizes=SIZES, bias=bias, **{**base, **fields})


def torch_side(name, options, bias=True, steps=1):
    linears = [torch.nn.Linear(n_in, n_out, bias=bias, dtype=torch.float64)
               for n_in, n_out in zip(SIZES[:-1], SIZES[1:])]
    params = []
    for lin, w, b, gw, gb in zip(linears, W, B, GW, GB):
        lin.weight.data = torch.tensor(w.T.copy())
        lin.weight.grad = torch.tensor(gw.T.copy())
        params.append(lin.weight)
        if bias:
            lin.bias.data = torch.tensor(b.ravel())
            lin.bias.grad = torch.tensor(gb.ravel())
            params.append(lin.bias)
    opt = TORCH[name](params, **options)
    for _ in range(steps):
        opt.step()
    return opt, SimpleNamespace(linears=linears), params


def numpy_side(name, options, bias=True, steps=1):
    params = [p.copy() for pair in zip(W, B) for p in pair] if bias else [w.copy() for w in W]
    grads = [g for pair in zip(GW, GB) for g in pair] if bias else GW
    opt = make_optimizer(name, params, **options)
    for _ in range(steps):
        opt.step([g.copy() for g in grads])
    return opt


def seed_layout(arrays, bias=True, counts=False):
    """torch's per-parameter arrays (weights (out, in)) laid out by hand: W1.T, b1, W2.T, b2 flattened."""
    out, it = [], iter(arrays)
    for n_out in SIZES[1:]:
        w = next(it)
        out.append(np.array([w]) if counts else np.asarray(w).T.ravel())
        out.append((np.array([next(it)]) if counts else np.asarray(next(it)).ravel()) if bias
                   else np.zeros(1 if counts else n_out))
    return np.concatenate(out)


@pytest.mark.parametrize("name,options,fields", CONFIGS)
def test_names_and_both_sides_against_torchs_own_state(name, options, fields):
    e = experiment(name, fields)
    opt, model, params = torch_side(name, options)
    keys = set(opt.state[params[0]]) - {"step"}
    assert set(st.state_names(e)) == keys
    assert st.counts_steps(e) is ("step" in opt.state[params[0]])
    want = {k: seed_layout([opt.state[p][k].numpy() for p in params]) for k in keys}
    if st.counts_steps(e):
        want["step"] = seed_layout([float(opt.state[p]["step"]) for p in params], counts=True)
    got_torch = st.torch_state(opt, model, e)
    got_numpy = st.numpy_state(numpy_side(name, options), e)
    for got in (got_torch, got_numpy):
        assert set(got) == set(want)
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-13, atol=1e-15)
            assert got[k].dtype == np.float64


@pytest.mark.parametrize("name,options,fields", [CONFIGS[1], CONFIGS[3], CONFIGS[6], CONFIGS[8]])
def test_without_biases_they_read_zero(name, options, fields):
    e = experiment(name, fields, bias=False)
    opt, model, params = torch_side(name, options, bias=False)
    keys = set(st.state_names(e))
    for got in (st.torch_state(opt, model, e), st.numpy_state(numpy_side(name, options, bias=False), e)):
        for k in keys:
            want = seed_layout([opt.state[p][k].numpy() for p in params], bias=False)
            np.testing.assert_allclose(got[k], want, rtol=1e-13, atol=1e-15)
            assert got[k][6:8].tolist() == [0.0, 0.0] and got[k][12:].tolist() == [0.0, 0.0]
        if "step" in got:
            assert got["step"].tolist() == [1.0, 0.0, 1.0, 0.0]


def test_before_the_first_update():
    e = experiment("sgd", {"momentum": 0.9})
    opt, model, _ = torch_side("sgd", {"lr": 0.1, "momentum": 0.9}, steps=0)
    assert st.torch_state(opt, model, e) == {}
    assert st.numpy_state(numpy_side("sgd", {"lr": 0.1, "momentum": 0.9}, steps=0), e) == {}
    e = experiment("adam", {})
    opt, model, _ = torch_side("adam", {"lr": 0.1}, steps=0)
    assert st.torch_state(opt, model, e)["step"].tolist() == [0.0] * 4


@pytest.mark.parametrize("name,options,fields", CONFIGS[1:])
@pytest.mark.parametrize("bias", [True, False])
def test_resync_copies_torchs_state_into_numpys(name, options, fields, bias):
    e = experiment(name, fields, bias=bias)
    opt, model, _ = torch_side(name, options, bias=bias, steps=3)
    theirs = st.torch_state(opt, model, e)
    mine = numpy_side(name, options, bias=bias, steps=1)
    st.load_numpy_state(mine, e, theirs)
    got = st.numpy_state(mine, e)
    assert set(got) == set(theirs)
    for k in theirs:
        np.testing.assert_array_equal(got[k], theirs[k])
    if "step" in got:
        assert got["step"].tolist() == ([3.0] * 4 if bias else [3.0, 0.0, 3.0, 0.0])


def test_full_layout_and_per_parameter_by_hand():
    e = experiment("adam", {}, bias=False)
    got = st.full_layout([np.arange(6.0).reshape(3, 2), np.array([[7.0, 8.0], [9.0, 10.0]])], e)
    assert got.tolist() == [0, 1, 2, 3, 4, 5, 0, 0, 7, 8, 9, 10, 0, 0]
    assert st.full_layout([2, 5], e, counts=True).tolist() == [2.0, 0.0, 5.0, 0.0]
    flat = np.arange(16.0)
    weights, biases = st.per_parameter(flat, SIZES)
    assert [w.tolist() for w in weights] == [[[0, 1], [2, 3], [4, 5]], [[8, 9], [10, 11]]]
    assert [b.tolist() for b in biases] == [[[6, 7]], [[12, 13]]]
    weights[0][0, 0] = 99.0
    assert flat[0] == 0.0 and weights[0].dtype == np.float64


def test_a_config_without_the_bias_field_has_biases():
    e = SimpleNamespace(optimizer="adam", sizes=SIZES, momentum=0.0, amsgrad=False, centered=False)
    opt, model, params = torch_side("adam", {"lr": 0.1})
    want = seed_layout([opt.state[p]["exp_avg"].numpy() for p in params])
    np.testing.assert_allclose(st.torch_state(opt, model, e)["exp_avg"], want, rtol=1e-13, atol=1e-15)
    assert st.full_layout([1, 2, 3, 4], e, counts=True).tolist() == [1.0, 2.0, 3.0, 4.0]


def test_labels_and_symbols_name_every_quantity():
    names = {n for name, _, fields in CONFIGS for n in st.state_names(experiment(name, fields))} | {"step"}
    assert names <= set(st.LABELS) and names <= set(st.SYMBOLS)
    assert all(f"({n})" in st.LABELS[n] for n in names)
