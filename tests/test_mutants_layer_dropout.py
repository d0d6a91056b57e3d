"""Dropout's check (compare/layers/dropout.py) against hand-written dropouts with masks chosen here: the kept
fraction (within 6 standard deviations of p, the probability to KEEP), each kept unit x / p, dx = dout * mask
/ p in train mode, the identity in test mode, and the hint for the numbers of each classic mistake.

The shipped cases: "train, p=0.8" (x (40, 50), 2,000 units: 6 sd = 6 sqrt(0.8 x 0.2 / 2000) = 5.37%) and
"test mode" (x (4, 5))."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from compare.layers.check import check_layer
from compare.layers.recorded import Recorded
from compare.layers.table import LAYERS
from compare.layers.table.types import Case

DROPOUT = LAYERS["dropout"]
TRAIN, TEST = "train, p=0.8", "test mode"


def _every_fifth_dropped(shape):
    return (np.arange(np.prod(shape)) % 5 != 0).reshape(shape)        # keeps exactly 80%


def _dropout(mask=_every_fifth_dropped, out=lambda x, m, p: x * m / p, test=lambda x, p: x,
             back=lambda dout, m, p: dout * m / p, test_back=lambda dout, p: dout, touch_cache=False):
    """A dropout with the mask `mask(shape)`; each function of it replaceable by a mistaken one."""
    def dropout_forward(x, dropout_param):
        p = dropout_param["p"]
        if dropout_param["mode"] == "train":
            m = mask(x.shape)
            return out(x, m, p), [dropout_param, m]
        return test(x, p), [dropout_param, None]

    def dropout_backward(dout, cache):
        dropout_param, m = cache
        p = dropout_param["p"]
        if dropout_param["mode"] != "train":
            return test_back(dout, p)
        if touch_cache:
            cache[1] = ~m
        return back(dout, m, p)
    return {"dropout_forward": dropout_forward, "dropout_backward": dropout_backward}


def _hints(r):
    return [h.split(":")[0].split(";")[0] for h in r.failure.hints]


def test_a_right_dropout_agrees_and_a_drawn_mask_too():
    r = check_layer(DROPOUT, _dropout())
    assert r.status == "ok" and [i.name for i in r.items] == ["out", "dx"]
    rng = np.random.default_rng(5)
    assert check_layer(DROPOUT, _dropout(mask=lambda s: rng.random(s) < 0.8)).status == "ok"


def test_kept_units_scaled_by_p_are_named():
    r = check_layer(DROPOUT, _dropout(out=lambda x, m, p: x * m * p))
    f = r.failure
    assert r.status == "failed" and (f.function, f.item, f.case) == ("dropout_forward", "out", TRAIN)
    assert len(f.hints) == 1 and f.hints[0].startswith("kept units multiplied by p; inverted dropout scales them "
                                                      "by 1/p")
    # the worst element is a kept unit: yours x p, torch's x / p
    assert abs(f.yours / f.torch - 0.64) < 1e-12


def test_kept_units_not_scaled_are_named_in_the_forward_and_the_backward():
    r = check_layer(DROPOUT, _dropout(out=lambda x, m, p: x * m))
    assert (r.failure.item, len(r.failure.hints)) == ("out", 1)
    assert r.failure.hints[0].startswith("kept units not scaled by 1/p")
    assert abs(r.failure.yours / r.failure.torch - 0.8) < 1e-12
    r = check_layer(DROPOUT, _dropout(back=lambda dout, m, p: dout * m))
    f = r.failure
    assert (f.function, f.item, f.case) == ("dropout_backward", "dx", TRAIN)
    assert len(f.hints) == 1 and f.hints[0].startswith("kept units not scaled by 1/p")
    r = check_layer(DROPOUT, _dropout(back=lambda dout, m, p: dout * m * p))
    assert r.failure.item == "dx" and r.failure.hints[0].startswith("kept units multiplied by p")


def test_a_backward_ignoring_the_mask_is_named():
    r = check_layer(DROPOUT, _dropout(back=lambda dout, m, p: dout / p))
    f = r.failure
    # the worst element is a dropped unit (flat index a multiple of 5): torch's 0, yours dout / p
    i, j = (int(k) for k in f.index[3:-1].split(", "))
    assert f.item == "dx" and (50 * i + j) % 5 == 0 and f.torch == 0.0 and f.yours != 0.0
    assert f.hints == ("dx ignores the mask: the units dropped in the forward get no gradient",)


def test_a_backward_wrong_otherwise_gets_no_hint():
    r = check_layer(DROPOUT, _dropout(back=lambda dout, m, p: dout * m / p + 1e-3))
    assert r.failure.item == "dx" and r.failure.hints == ()


def test_after_a_forward_failure_the_backward_adds_no_hint():
    r = check_layer(DROPOUT, _dropout(out=lambda x, m, p: x * m / p * 1.001, back=lambda dout, m, p: dout * m))
    assert r.failure.item == "out" and r.failure.hints == ()
    assert {i.name: i.ok for i in r.items} == {"out": False, "dx": False}


def test_the_kept_fraction_of_one_minus_p_is_named_with_its_numbers():
    r = check_layer(DROPOUT, _dropout(mask=lambda s: ~_every_fifth_dropped(s)))    # keeps 20%
    f = r.failure
    assert r.status == "failed" and (f.function, f.item, f.case) == ("dropout_forward", "out", TRAIN)
    assert f.message == ("dropout_forward: out keeps 20.0% of the 2000 units (case \"train, p=0.8\"); with p = 0.8 "
                         "the probability to keep a unit, expected 80% +- 5.4%")
    assert len(f.hints) == 1 and "p is the keep probability" in f.hints[0]


def test_a_fraction_neither_p_nor_one_minus_p_has_no_hint():
    half = lambda s: (np.arange(np.prod(s)) % 2 == 0).reshape(s)              # noqa: E731
    r = check_layer(DROPOUT, _dropout(mask=half))
    assert r.failure.message.startswith("dropout_forward: out keeps 50.0% of the 2000 units") and r.failure.hints == ()


def test_nothing_dropped_in_train_mode_is_said_once():
    r = check_layer(DROPOUT, _dropout(mask=lambda s: np.ones(s, dtype=bool), out=lambda x, m, p: x))
    f = r.failure
    assert f.message.startswith("dropout_forward: out keeps 100.0% of the 2000 units")
    assert f.hints == ("nothing is dropped: every unit kept, as in test mode; in train mode each unit is kept with "
                       "probability p and dropped (0) otherwise",)


def test_test_mode_is_the_identity_and_its_mistakes_are_named():
    r = check_layer(DROPOUT, _dropout(test=lambda x, p: x * p))
    f = r.failure
    assert (f.function, f.item, f.case) == ("dropout_forward", "out", TEST)
    assert f.hints == ("in test mode dropout is the identity (out = x, dx = dout)",)
    assert abs(f.yours / f.torch - 0.8) < 1e-12
    r = check_layer(DROPOUT, _dropout(test_back=lambda dout, p: dout / p))
    f = r.failure
    assert (f.function, f.item, f.case) == ("dropout_backward", "dx", TEST)
    assert f.hints == ("in test mode dropout is the identity (out = x, dx = dout)",)


def test_a_train_failure_is_told_of_test_mode_only_where_test_mode_is_wrong_too():
    """Every case's out hints join the first failure of out, each true of its own case's numbers: a file that
    scales by p in train mode and multiplies by p in test mode (cs231n 2017's convention) hears of both."""
    r = check_layer(DROPOUT, _dropout(out=lambda x, m, p: x * m * p, test=lambda x, p: x * p))
    f = r.failure
    assert f.case == TRAIN and len(f.hints) == 2 and f.hints[0].startswith("kept units multiplied by p")
    assert f.hints[1] == "in test mode dropout is the identity (out = x, dx = dout)"
    r = check_layer(DROPOUT, _dropout(out=lambda x, m, p: x * m * p))       # test mode right: no word of it
    f = r.failure
    assert f.case == TRAIN and len(f.hints) == 1 and f.hints[0].startswith("kept units multiplied by p")


def test_an_out_of_another_shape_is_an_error():
    r = check_layer(DROPOUT, _dropout(out=lambda x, m, p: (x * m / p).T))
    assert r.status == "error" and r.failure.message == (
        "dropout_forward: out has shape (50, 40); expected x's shape (40, 50) (case \"train, p=0.8\")")
    assert (r.failure.function, r.failure.item) == ("dropout_forward", "out")


def test_a_backward_changing_its_cache_is_an_error():
    r = check_layer(DROPOUT, _dropout(touch_cache=True))
    assert r.status == "error" and r.failure.message == (
        "dropout_backward changed cache[1] in place (case \"train, p=0.8\")")
    assert (r.failure.function, r.failure.item) == ("dropout_backward", "cache")


def test_a_forward_changing_x_in_place_is_an_error():
    def out(x, m, p):
        y = x * m / p
        x *= 2.0
        return y
    r = check_layer(DROPOUT, _dropout(out=out))
    assert r.status == "error" and (r.failure.function, r.failure.item) == ("dropout_forward", "x")


def _case(p: float, shape: tuple[int, int]) -> tuple:
    """A train case built here: x with no zero, p chosen so that 6 sd is a power of 2 fraction."""
    case = Case(f"train, p={p}", "", {"x": shape, "dout": shape}, {"dropout_param": {"mode": "train", "p": p}})
    rng = np.random.default_rng(0)
    x, dout = rng.random(shape) + 0.5, rng.random(shape) - 2.0
    return replace(DROPOUT, cases=(case,)), [Recorded({"x": x}, {"dout": dout}, {}, {}, {}, "")]


def test_the_kept_fraction_bound_is_inclusive():
    # p = 1/2, n = 256 units: 6 sqrt(1/4 / 256) = 6/32 = 0.1875 exactly; 176 kept is 0.6875 = 1/2 + 0.1875
    layer, recs = _case(0.5, (16, 16))

    def first(k):
        return lambda s: (np.arange(256) < k).reshape(s)
    assert check_layer(layer, _dropout(mask=first(176)), recs).status == "ok"
    assert check_layer(layer, _dropout(mask=first(80)), recs).status == "ok"              # 0.5 - 0.1875
    r = check_layer(layer, _dropout(mask=first(177)), recs)
    assert r.status == "failed" and r.failure.message == (
        "dropout_forward: out keeps 69.1% of the 256 units (case \"train, p=0.5\"); with p = 0.5 the probability to "
        "keep a unit, expected 50% +- 18.8%")
    assert check_layer(layer, _dropout(mask=first(79)), recs).failure.message.startswith(
        "dropout_forward: out keeps 30.9% of the 256 units")


def test_the_one_minus_p_hint_within_its_own_bound():
    # p = 3/4, n = 768 units: 6 sqrt(3/16 / 768) = 6/64 = 0.09375 exactly; 1 - p + 0.09375 = 264/768 kept,
    # 1 - p - 0.09375 = 120/768 kept (both far outside p's own bound)
    layer, recs = _case(0.75, (24, 32))

    def first(k):
        return lambda s: (np.arange(768) < k).reshape(s)
    for k in (192, 264, 120):
        f = check_layer(layer, _dropout(mask=first(k)), recs).failure
        assert len(f.hints) == 1 and "p is the keep probability" in f.hints[0], k
    for k in (265, 119):
        f = check_layer(layer, _dropout(mask=first(k)), recs).failure
        assert f.item == "out" and f.hints == (), k
    assert f.message.startswith("dropout_forward: out keeps 15.5% of the 768 units (case \"train, p=0.75\")")
