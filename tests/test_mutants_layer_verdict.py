"""The layer check's per-element verdict (compare/layers/elements.py), its tally per layer
(compare/layers/results.py) and the lines it prints (compare/layers/verdict.py), against hand-made arrays
and a hand-written affine layer nudged by known amounts.

The promise (README, docs/layers.md): an element agrees when |yours - torch| <= atol + rtol |torch| with
atol 1e-12 and rtol 1e-9 (float64); the worst element is the one furthest past its own bound; the OK line
names the largest relative difference over the elements where torch's is not 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from compare.layers.check import check_layer
from compare.layers.elements import difference, first_nonfinite, index_text
from compare.layers.table import LAYERS
from compare.layers.verdict import explanation, summary, table, to_json

ATOL, RTOL = 1e-12, 1e-9          # the documented float64 tolerance, written out


def test_elements_inside_and_outside_the_bound_counted_by_hand():
    torch = np.array([[1.0, -2.0], [0.0, 4.0]])
    yours = torch + np.array([[0.0, 3e-9], [2e-12, 5e-10]])
    # bounds: 1e-12 + 1e-9 x |torch| = [[1.001e-9, 2.001e-9], [1e-12, 4.001e-9]]: (0, 1) and (1, 0) are outside
    d = difference(yours, torch)
    assert (d.failing, d.size, d.ok) == (2, 4, False)
    assert d.max_abs == pytest.approx(3e-9, rel=1e-6, abs=0)
    # relative over torch's non-zero elements only: 3e-9 / 2 (the 2e-12 over torch's 0 is left out)
    assert d.max_rel == pytest.approx(1.5e-9, rel=1e-6, abs=0)
    # furthest past its bound: (0, 1), 3e-9 - 2.001e-9 = 1e-9, against 2e-12 - 1e-12 at (1, 0)
    assert d.index == (0, 1) and d.yours == yours[0, 1] and d.torch == -2.0


def test_the_worst_element_is_the_furthest_past_its_own_bound_not_the_largest_difference():
    torch = np.array([2.5, 0.0, 1.0])
    yours = torch + np.array([3e-9, 1e-9, 0.0])
    # (0): 3e-9 past 2.501e-9 by 0.499e-9; (1): 1e-9 past 1e-12 by 0.999e-9: (1) is the worst
    d = difference(yours, torch)
    assert d.failing == 2 and d.index == (1,) and d.yours == 1e-9 and d.torch == 0.0
    assert d.max_abs == pytest.approx(3e-9, rel=1e-6, abs=0)


def test_within_the_bound_everywhere_the_index_is_the_largest_difference():
    torch = np.array([[1.0, 1000.0], [-3.0, 0.5]])
    yours = torch * (1 + np.array([[1e-10, 5e-10], [-9e-10, 0.0]]))
    d = difference(yours, torch)
    assert d.ok and d.failing == 0 and d.size == 4
    assert d.index == (0, 1)                                   # 5e-7 absolute, the largest
    assert d.max_rel == pytest.approx(9e-10, rel=1e-5, abs=0)
    assert d.max_abs == pytest.approx(5e-7, rel=1e-5, abs=0)


def test_the_bound_is_inclusive_and_atol_alone_where_torch_is_zero():
    torch = np.zeros(3)
    assert difference(np.array([0.0, 1e-12, -1e-12]), torch).ok        # exactly atol: inside
    d = difference(np.array([0.0, 1.0000001e-12, 0.0]), torch)
    assert not d.ok and d.failing == 1 and d.index == (1,)
    assert d.max_rel == 0.0                     # no element of torch is non-zero


def test_a_scalar_and_an_empty_array():
    d = difference(np.array(2.0 + 3e-9), np.array(2.0))
    assert d.index == () and d.failing == 1 and d.size == 1 and d.torch == 2.0
    assert d.yours == pytest.approx(2.0 + 3e-9, rel=1e-15, abs=0)
    assert difference(np.array(2.0 + 1e-9), np.array(2.0)).ok
    e = difference(np.zeros((0, 3)), np.zeros((0, 3)))
    assert (e.failing, e.size, e.max_abs, e.max_rel, e.index) == (0, 0, 0.0, 0.0, ())


def test_index_text_and_first_nonfinite():
    assert index_text("dw", (3, 1, 2, 0)) == "dw[3, 1, 2, 0]"
    assert index_text("loss", ()) == "loss"
    assert first_nonfinite(np.array([[1.0, 2.0], [np.inf, np.nan]])) == (1, 0)
    assert first_nonfinite(np.array([[1.0, np.nan], [np.inf, 2.0]])) == (0, 1)
    assert first_nonfinite(np.ones((2, 2))) is None


# a hand-written affine layer (cs231n's interface), right, then nudged by known amounts


def _affine(nudge_dw=None, nudge_db=None, scale_dw=1.0, nudge_out=None, touch_cache=False):
    def affine_forward(x, w, b):
        out = x.reshape(x.shape[0], -1) @ w + b            # (N, M)
        if nudge_out is not None:
            out = out.copy()
            out[nudge_out[0]] += nudge_out[1]
        return out, (x, w, b)

    def affine_backward(dout, cache):
        x, w, b = cache
        dx = (dout @ w.T).reshape(x.shape)
        dw = x.reshape(x.shape[0], -1).T @ dout * scale_dw  # (D, M)
        db = dout.sum(axis=0)
        for grad, nudges in ((dw, nudge_dw), (db, nudge_db)):
            for at, by in nudges or []:
                grad[at] += by
        if touch_cache:
            x[0, 0, 0] += 1.0
        return dx, dw, db
    return {"affine_forward": affine_forward, "affine_backward": affine_backward}


def test_a_right_layer_is_ok_with_every_item_and_a_tiny_relative_difference():
    r = check_layer(LAYERS["affine"], _affine())
    assert r.status == "ok" and r.failure is None
    assert [i.name for i in r.items] == ["out", "dx", "dw", "db"]
    assert all(i.ok for i in r.items) and r.max_rel_diff < 1e-13
    assert summary([r], "mine.py").startswith("layer check OK: mine.py: 1 layer agrees with torch, every output "
                                              "and gradient element within atol 1e-12 + rtol 1e-09 x |torch| "
                                              "(largest relative difference ")


def test_a_gradient_within_tolerance_passes_and_its_relative_difference_is_reported():
    r = check_layer(LAYERS["affine"], _affine(scale_dw=1 + 2e-10))
    assert r.status == "ok"
    dw = {i.name: i for i in r.items}["dw"]
    assert dw.ok and dw.max_rel_diff == pytest.approx(2e-10, rel=1e-3, abs=0)
    assert r.max_rel_diff == dw.max_rel_diff
    assert "largest relative difference 2e-10 (out, dx, dw, db)" in table([r])
    assert summary([r], "f.py").endswith("(largest relative difference 2e-10)")


def test_one_element_nudged_fails_there_with_both_values_and_the_count():
    r = check_layer(LAYERS["affine"], _affine(nudge_dw=[((2, 3), 1e-6)]))
    assert r.status == "failed"
    f = r.failure
    assert (f.function, f.item, f.index) == ("affine_backward", "dw", "dw[2, 3]")
    assert f.yours - f.torch == pytest.approx(1e-6, rel=1e-6, abs=0)
    assert "1 of 30 elements outside" in f.message          # dw is (D, M) = (6, 5)
    items = {i.name: i for i in r.items}
    assert not items["dw"].ok and items["dx"].ok and items["db"].ok and items["out"].ok
    assert items["dw"].max_abs_diff == pytest.approx(1e-6, rel=1e-6, abs=0)
    assert table([r]).split() == ["affine", "FAILED", "affine_backward:", "dw", "disagrees"]
    j = to_json([r], "f.py")
    assert j["tolerance"] == {"atol": ATOL, "rtol": RTOL}
    assert j["layers"][0]["failure"]["index"] == "dw[2, 3]" and j["layers"][0]["status"] == "failed"
    assert [g["ok"] for g in j["layers"][0]["gradients"]] == [True, True, False, True]


def test_the_worst_of_two_nudges_is_named_and_every_wrong_item_listed():
    r = check_layer(LAYERS["affine"], _affine(nudge_dw=[((2, 3), 1e-6), ((0, 0), 1e-5)],
                                              nudge_db=[((4,), 1e-7)]))
    f = r.failure
    assert f.item == "dw" and f.index == "dw[0, 0]" and "2 of 30 elements outside" in f.message
    assert f.yours - f.torch == pytest.approx(1e-5, rel=1e-6, abs=0)
    assert "  also outside the tolerance: db" in explanation(r).splitlines()
    db = {i.name: i for i in r.items}["db"]
    assert not db.ok and db.max_abs_diff == pytest.approx(1e-7, rel=1e-6, abs=0)


def test_a_wrong_forward_is_named_before_the_gradients():
    r = check_layer(LAYERS["affine"], _affine(nudge_out=((1, 2), -3e-8)))
    assert r.status == "failed" and (r.failure.function, r.failure.item, r.failure.index) == (
        "affine_forward", "out", "out[1, 2]")
    assert r.failure.yours - r.failure.torch == pytest.approx(-3e-8, rel=1e-6, abs=0)
    assert "1 of 20 elements outside" in r.failure.message   # out is (N, M) = (4, 5)


def test_a_backward_that_changes_its_cache_is_an_error_not_ok():
    r = check_layer(LAYERS["affine"], _affine(touch_cache=True))
    assert r.status == "error" and "changed cache[0] in place" in r.failure.message
    # a disagreement too: the failure wins over the changed cache
    r = check_layer(LAYERS["affine"], _affine(touch_cache=True, nudge_db=[((0,), 1.0)]))
    assert r.status == "failed" and r.failure.item == "db"


def test_the_lines_for_several_layers_an_error_a_skipped_one_and_notes():
    from compare.layers.results import Failure, ItemResult, LayerResult
    ok = LayerResult("affine", "ok", [ItemResult("out", 1e-17, 3e-16), ItemResult("dx", 2e-17, 5e-16)])
    relu = LayerResult("relu", "ok", [ItemResult("dx", 0.0, 0.0)], notes=["relu_backward: dx at ties: 0 there"])
    err = LayerResult("conv", "error", failure=Failure("conv_forward_naive", "out", "c1", "out has NaN at out[0]"))
    skipped = LayerResult("lstm", "not checked", failure=Failure("", "", "", "not written yet"))
    lines = table([ok, relu, err, skipped]).splitlines()
    assert lines == ["  affine  OK           largest relative difference 5e-16 (out, dx)",
                     "  relu    OK           largest relative difference 0 (dx)",
                     "                       note: relu_backward: dx at ties: 0 there",
                     "  conv    ERROR        out has NaN at out[0]",
                     "  lstm    not checked  not written yet"]
    assert summary([ok, relu, skipped], "f.py") == (
        "layer check OK: f.py: 2 layers agree with torch, every output and gradient element within atol 1e-12 + "
        "rtol 1e-09 x |torch| (largest relative difference 5e-16); not checked: lstm")
    assert summary([skipped], "f.py").startswith("layer check OK: f.py: 0 layers agree")
    assert explanation(ok) == "" and explanation(err) == "conv: out has NaN at out[0]"
    j = to_json([ok, err], "f.py")
    assert j["file"] == "f.py" and [x["status"] for x in j["layers"]] == ["ok", "error"]
    assert j["layers"][0]["failure"] is None and j["layers"][0]["gradients"][1] == {
        "name": "dx", "max_abs_diff": 2e-17, "max_rel_diff": 5e-16, "ok": True}
    assert j["layers"][1]["failure"] == {"function": "conv_forward_naive", "item": "out", "case": "c1",
                                         "message": "out has NaN at out[0]", "hints": [], "index": None,
                                         "yours": None, "torch": None}


CASE = 'case "x (4, 2, 3)"'


def test_the_disagreement_line_in_full():
    r = check_layer(LAYERS["affine"], _affine(nudge_dw=[((2, 3), 1e-6)]))
    f = r.failure
    assert f.message == (f"affine_backward: dw disagrees with torch ({CASE}) at dw[2, 3] (dw: (D, M)): yours "
                         f"{f.yours:.17g}, torch {f.torch:.17g}, |difference| 1e-06 (tolerance atol 1e-12 + rtol "
                         "1e-09 x |torch|); 1 of 30 elements outside")
    assert explanation(r).splitlines()[0] == f"affine: {f.message}" and "also outside" not in explanation(r)


def _softmax_loss(nudge: float = 0.0):
    def softmax_loss(x, y):
        shifted = x - x.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))       # (N, C)
        N = x.shape[0]
        loss = -logp[np.arange(N), y].mean() + nudge
        dx = np.exp(logp)
        dx[np.arange(N), y] -= 1
        return loss, dx / N
    return {"softmax_loss": softmax_loss}


def test_a_scalar_loss_is_one_element_with_no_index():
    layer = LAYERS["softmax_loss"]
    assert check_layer(layer, _softmax_loss()).status == "ok"
    r = check_layer(layer, _softmax_loss(nudge=1e-6))
    f = r.failure
    assert r.status == "failed" and (f.item, f.index) == ("loss", "loss")
    assert f.message == (f"softmax_loss: loss disagrees with torch (case \"{layer.cases[0].name}\") at loss: yours "
                         f"{f.yours:.17g}, torch {f.torch:.17g}, |difference| 1e-06 (tolerance atol 1e-12 + rtol "
                         "1e-09 x |torch|); 1 of 1 element outside")


def test_a_wrong_shape_nan_or_infinity_is_an_error_named_with_the_shape():
    def backward_returning(change):
        fns = _affine()
        right = fns["affine_backward"]

        def affine_backward(dout, cache):
            dx, dw, db = right(dout, cache)
            return change(dx, dw, db)
        return {**fns, "affine_backward": affine_backward}
    r = check_layer(LAYERS["affine"], backward_returning(lambda dx, dw, db: (dx, dw.T, db)))
    assert r.status == "error" and r.failure.message == (
        f"affine_backward: dw has shape (5, 6); expected (6, 5) = (D, M) ({CASE})")
    assert any("transposed" in h for h in r.failure.hints)

    def nan_at(dx, dw, db):
        dw = dw.copy()
        dw[1, 2] = np.nan
        return dx, dw, db
    r = check_layer(LAYERS["affine"], backward_returning(nan_at))
    assert r.status == "error" and r.failure.message == f"affine_backward: dw has NaN at dw[1, 2] ({CASE})"

    def inf_at(dx, dw, db):
        db = db.copy()
        db[3] = -np.inf
        return dx, dw, db
    r = check_layer(LAYERS["affine"], backward_returning(inf_at))
    assert r.failure.message == f"affine_backward: db has an infinity at db[3] ({CASE})"
    # dw already outside the tolerance, then db not finite: an error, and no "also outside" line for it
    r = check_layer(LAYERS["affine"], backward_returning(lambda dx, dw, db: (dx, dw + 1e-3, inf_at(dx, dw, db)[2])))
    assert r.status == "error" and "also outside" not in explanation(r)
    assert r.max_rel_diff > 0 and {i.name: i.ok for i in r.items}["dw"] is False


def _relu(rule: str):
    def relu_forward(x):
        return np.maximum(0, x), x

    def relu_backward(dout, cache):
        x = cache
        if rule == "ge":
            return dout * (x >= 0)
        if rule == "double":
            return dout * ((x > 0) + 0.5 * (x == 0))       # half the gradient at 0: no known rule
        return dout * (x > 0)
    return {"relu_forward": relu_forward, "relu_backward": relu_backward}


def test_another_rule_at_ties_is_a_note_not_a_disagreement():
    layer = LAYERS["relu"]
    ties = next(c.name for c in layer.cases if c.convention)
    assert check_layer(layer, _relu("gt")).status == "ok" and check_layer(layer, _relu("gt")).notes == []
    r = check_layer(layer, _relu("ge"))
    hint = next(m.hint for m in layer.mistakes if m.case == ties)
    assert r.status == "ok" and r.notes == [f"relu_backward: dx at ties (case \"{ties}\"): {hint}"]
    assert "note: relu_backward: dx at ties" in table([r])
    # a mistake at the ties that is no known rule: a disagreement there
    r = check_layer(layer, _relu("double"))
    assert r.status == "failed" and r.failure.case == ties and r.notes == []


def test_no_items_no_relative_difference():
    from compare.layers.results import LayerResult
    assert LayerResult("conv", "error").max_rel_diff == 0.0
    skipped = LayerResult("lstm", "not checked")
    assert summary([skipped], "f.py").endswith("(largest relative difference 0); not checked: lstm")
