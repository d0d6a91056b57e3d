"""Which hint a wrong layer gets (compare/layers/hints.py, compare/layers/gates.py): each kind of mistake
recognised only where your numbers are what it computes, on a layer of our own (its mistakes named here,
its numbers by hand), silence everywhere else; the sentences for a sign, a shape and an empty crop; an
LSTM reading its gates in another order, written here."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from compare.layers.gates import ORDERS, read_in_another_order
from compare.layers.hints import hints_for, nonfinite_hints
from compare.layers.recorded import Recorded, load_cases
from compare.layers.table import LAYERS
from compare.layers.table.types import Case, Mistake

C1, C2 = Case("c1", "", {}), Case("c2", "", {})
REF = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.5]])                # (2, 3): no symmetry of any kind
ALT = np.array([[1.5, -2.0, 3.0], [4.0, 5.0, -6.5]])


def _layer(*mistakes: Mistake):
    return replace(LAYERS["affine"], mistakes=mistakes)


def _rec(ref=REF, alts=None, numbers=None) -> Recorded:
    return Recorded({}, {}, {"dw": ref}, alts or {}, numbers or {}, "")


def _hints(mistake: Mistake, yours, ref=REF, alts=None, numbers=None, case=C1, item="dw"):
    return hints_for(_layer(mistake), case, _rec(ref, alts, numbers), item, np.asarray(yours, dtype=float))


def test_a_recorded_mistake_only_where_yours_are_its_numbers():
    m = Mistake("r", ("dw",), "R")
    assert _hints(m, ALT, alts={"r": {"dw": ALT}}) == ["R"]
    assert _hints(m, ALT * (1 + 1e-9), alts={"r": {"dw": ALT}}) == ["R"]     # rounding: inside 1e-7
    assert _hints(m, ALT + 1e-6, alts={"r": {"dw": ALT}}) == []
    assert _hints(m, ALT, alts={"r": {"db": ALT}}) == [] and _hints(m, ALT) == []
    nan = ALT.copy()
    nan[0, 0] = np.nan
    assert _hints(m, nan, alts={"r": {"dw": nan}}) == []
    assert _hints(m, ALT, alts={"r": {"dw": ALT}}, item="db") == []          # not an item it changes
    assert _hints(Mistake("r", ("dw",), "R", case="c2"), ALT, alts={"r": {"dw": ALT}}) == []
    assert _hints(Mistake("r", ("dw",), "R", case="c1"), ALT, alts={"r": {"dw": ALT}}) == ["R"]
    assert _hints(Mistake("r", ("dw",), "R", kind="drawn"), ALT, alts={"r": {"dw": ALT}}) == []


def test_the_rounding_allowed_is_about_1e_7_relative():
    m = Mistake("r", ("dw",), "R")
    assert _hints(m, ALT + 6.5e-8 * 0.5, alts={"r": {"dw": ALT}}) == ["R"]      # scale 6.5: 3.25e-8 < 6.5e-7
    assert _hints(m, ALT + 6.5e-7 * 1.5, alts={"r": {"dw": ALT}}) == []


def test_a_factor_named_by_the_case():
    m = Mistake("f", ("dw",), "F", kind="factor", arg="N")
    assert _hints(m, 4 * REF, numbers={"N": 4.0}) == ["F"]
    assert _hints(m, 4 * REF, numbers={"M": 4.0}) == []
    assert _hints(m, REF, numbers={"N": 1.0}) == []                       # a factor 1 is torch's numbers
    assert _hints(m, 0.25 * REF, numbers={"N": 4.0}) == []


def test_a_transpose_of_a_two_dimensional_gradient_not_symmetric():
    m = Mistake("t", ("dw",), "T", kind="transpose")
    assert _hints(m, REF.T) == ["T"] and _hints(m, REF) == []
    sym = np.array([[1.0, 2.0], [2.0, 3.0]])
    assert _hints(m, sym, ref=sym) == []
    assert _hints(m, np.array([1.0, 2.0]), ref=np.array([1.0, 2.0])) == []


def test_a_reshape_of_the_same_numbers():
    m = Mistake("s", ("dw",), "S", kind="reshape")
    assert _hints(m, REF.reshape(3, 2)) == ["S"] and _hints(m, REF.reshape(-1)) == ["S"]
    assert _hints(m, REF) == [] and _hints(m, REF.reshape(-1)[:5]) == []
    assert _hints(m, np.flip(REF).reshape(3, 2)) == []


def test_an_uncropped_padding():
    m = Mistake("c", ("dw",), "C", kind="crop", arg="pad")
    grown = np.full((4, 5), 7.0)                                          # pad 1 on each side of (2, 3)
    grown[1:-1, 1:-1] = REF
    assert _hints(m, grown, numbers={"pad": 1.0}) == ["C"]
    assert _hints(m, grown, numbers={"pad": 2.0}) == [] and _hints(m, grown) == []
    wrong = grown.copy()
    wrong[1, 1] += 1.0
    assert _hints(m, wrong, numbers={"pad": 1.0}) == []
    assert _hints(m, REF, numbers={"pad": 0.0}) == []
    wide = np.full((6, 7), 7.0)
    wide[2:-2, 2:-2] = REF
    assert _hints(m, wide, numbers={"pad": 2.0}) == ["C"]


def test_a_flipped_kernel():
    m = Mistake("k", ("dw",), "K", kind="flip")
    assert _hints(m, REF[::-1, ::-1]) == ["K"] and _hints(m, REF[:, ::-1]) == []
    both = np.array([[1.0, 2.0], [2.0, 1.0]])                                  # its own flip
    assert _hints(m, both, ref=both) == []
    assert _hints(m, np.array([2.0, 1.0]), ref=np.array([1.0, 2.0])) == []     # 1-D: no kernel


def test_the_third_and_fourth_blocks_swapped():
    m = Mistake("b", ("dw",), "B", kind="blocks")
    ref = np.arange(1.0, 17.0).reshape(2, 8)                                   # 4 blocks of 2 columns
    swapped = ref[:, [0, 1, 2, 3, 6, 7, 4, 5]]
    assert _hints(m, swapped, ref=ref) == ["B"] and _hints(m, ref[:, [0, 1, 2, 3, 7, 6, 4, 5]], ref=ref) == []
    odd = np.arange(1.0, 7.0).reshape(2, 3)
    assert _hints(m, odd, ref=odd) == []                                       # 3 columns: no 4 blocks
    same_blocks = np.tile(np.array([1.0, 2.0, 5.0, 5.0]), (2, 1))            # blocks 3 and 4 alike
    assert _hints(m, same_blocks, ref=same_blocks) == []
    wide = np.arange(1.0, 25.0).reshape(2, 12)                                 # blocks of 3 columns
    assert _hints(m, wide[:, [0, 1, 2, 3, 4, 5, 9, 10, 11, 6, 7, 8]], ref=wide) == ["B"]


def test_the_opposite_sign_the_shape_only_and_the_empty_crop_sentences():
    m = Mistake("f", ("dw",), "F", kind="factor", arg="N")
    assert _hints(m, -REF) == ["dw has the opposite sign of torch's at every element"]
    assert _hints(m, -REF, numbers={"N": -1.0}) == ["F"]                       # a mistake named wins
    assert _hints(m, np.zeros((2, 3)), ref=np.zeros((2, 3))) == []
    row = np.array([1.0, -2.0, 3.0])
    assert _hints(m, row[None, :], ref=row) == [
        "the numbers are right, the shape is not: (1, 3) where the interface has (3,): the summed axis kept as a 1 "
        "(a sum or mean with keepdims=True)"]
    assert _hints(m, REF.reshape(3, 2)) == ["the numbers are right, the shape is not: (3, 2) where the interface "
                                            "has (2, 3)"]
    assert _hints(m, REF[None, None]) == [
        "the numbers are right, the shape is not: (1, 1, 2, 3) where the interface has (2, 3): 2 extra leading axes "
        "of size 1, which NumPy's broadcasting adds when an operand has more axes (a parameter of shape (1, C, 1, 1) "
        "indexed as if it were (C,), gamma[None, :, None, None]?)"]
    assert _hints(m, REF[None])[0].endswith("has (2, 3): the summed axis kept as a 1 (a sum or mean with "
                                            "keepdims=True)")
    assert _hints(m, REF[None, None] + 1.0) == [] and _hints(m, np.full((1, 2, 3), np.nan)) == []
    assert _hints(m, REF.reshape(3, 1, 2)) == ["the numbers are right, the shape is not: (3, 1, 2) where the "
                                               "interface has (2, 3)"]
    empty = np.zeros((2, 3, 0, 0))
    assert _hints(m, empty, numbers={"pad": 0.0}) == [
        "dw is empty: with pad = 0, a crop written [pad:-pad] keeps nothing (-0 is 0); [pad:pad + H] works for "
        "every pad"]
    assert _hints(m, empty, numbers={"pad": 1.0}) == [] and _hints(m, empty) == []
    assert _hints(m, empty, ref=np.zeros((2, 3, 0, 0)), numbers={"pad": 0.0}) == []


def test_no_recorded_numbers_for_the_item_no_hint_and_a_reference_given_wins():
    m = Mistake("t", ("dw", "db"), "T", kind="transpose")
    layer = _layer(m)
    assert hints_for(layer, C1, _rec(), "db", REF.T) == []
    assert hints_for(layer, C1, _rec(), "db", REF.T, ref=REF) == ["T"]
    assert hints_for(layer, C1, _rec(), "dw", REF, ref=REF.T) == ["T"]


def test_non_finite_numbers_a_recorded_mistake_also_gives_there():
    nan = REF.copy()
    nan[1, 2] = np.inf
    other = REF.copy()
    other[0, 0] = np.nan
    m = Mistake("o", ("dw",), "O", case="c1")
    layer = _layer(m, Mistake("f", ("dw",), "F", kind="factor", arg="N"))
    rec = _rec(alts={"o": {"dw": nan * 2}}, numbers={"N": 2.0})
    assert nonfinite_hints(layer, C1, rec, "dw", nan) == ["O"]
    assert nonfinite_hints(layer, C1, rec, "dw", other) == []
    assert nonfinite_hints(layer, C2, rec, "dw", nan) == [] and nonfinite_hints(layer, C1, rec, "db", nan) == []
    assert nonfinite_hints(layer, C1, _rec(alts={"o": {"dw": nan[:1]}}), "dw", nan) == []
    assert nonfinite_hints(layer, C1, _rec(), "dw", nan) == []
    assert nonfinite_hints(_layer(replace(m, case="")), C2, rec, "dw", nan) == ["O"]


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _lstm_step(inputs, order):
    """One LSTM step reading i, f, o, g from a's blocks `order` (the interface: 0, 1, 2, 3)."""
    a = inputs["x"] @ inputs["Wx"] + inputs["prev_h"] @ inputs["Wh"] + inputs["b"]       # (N, 4H)
    blocks = np.split(a, 4, axis=1)
    i, f, o, g = (blocks[k] for k in order)
    c = _sigmoid(f) * inputs["prev_c"] + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c), c


def test_every_other_gate_order_is_recognised_and_the_interfaces_is_not():
    rec = load_cases(LAYERS["lstm_step"])[0]
    close = lambda a, b: np.allclose(a, b, rtol=1e-12, atol=0)                  # noqa: E731
    others = [p for p in itertools.permutations(range(4)) if p not in ((0, 1, 2, 3), (0, 1, 3, 2))]
    assert sorted(ORDERS) == others and len(ORDERS) == 22
    for order in others:
        h, c = _lstm_step(rec.inputs, order)
        assert read_in_another_order(rec.inputs, "next_h", h, close), order
        assert read_in_another_order(rec.inputs, "next_c", c, close), order
    for order in ((0, 1, 2, 3), (0, 1, 3, 2)):
        h, c = _lstm_step(rec.inputs, order)
        assert not read_in_another_order(rec.inputs, "next_h", h, close)
    h, _ = _lstm_step(rec.inputs, (0, 1, 2, 3))
    assert np.allclose(h, rec.ref["next_h"], rtol=1e-12, atol=0)               # ours is torch's, the check's too
    assert not read_in_another_order(rec.inputs, "dx", h, close)


def test_an_lstm_with_its_gates_in_another_order_is_named_through_the_sequence():
    layer = LAYERS["lstm"]
    case, rec = layer.cases[0], load_cases(layer)[0]
    inputs = rec.inputs
    h, c, hs = inputs["h0"], np.zeros_like(inputs["h0"]), []
    for t in range(inputs["x"].shape[1]):
        step = {"x": inputs["x"][:, t, :], "prev_h": h, "prev_c": c, "Wx": inputs["Wx"], "Wh": inputs["Wh"],
                "b": inputs["b"]}
        h, c = _lstm_step(step, (3, 2, 1, 0))
        hs.append(h)
    gates = next(m for m in layer.mistakes if m.kind == "gates")
    assert gates.hint in hints_for(layer, case, rec, "h", np.stack(hs, axis=1))
    assert hints_for(layer, case, rec, "h", rec.ref["h"].copy()) == []


def test_small_numbers_of_the_opposite_sign_and_an_extra_axis_before_a_kept_one():
    m = Mistake("f", ("dw",), "F", kind="factor", arg="N")
    small = np.array([[0.5, -0.25], [0.125, 0.0]])                              # every |value| under 1
    assert _hints(m, -small, ref=small) == ["dw has the opposite sign of torch's at every element"]
    column = np.array([[1.0], [2.0], [3.0]])                                   # (3, 1)
    assert _hints(m, column[None], ref=column) == [
        "the numbers are right, the shape is not: (1, 3, 1) where the interface has (3, 1): the summed axis kept "
        "as a 1 (a sum or mean with keepdims=True)"]


def test_no_padding_no_crop_hint_even_for_empty_arrays():
    m = Mistake("c", ("dw",), "C", kind="crop", arg="pad")
    empty = np.zeros((2, 3, 0, 0))
    assert _hints(m, empty, ref=empty.copy(), numbers={"pad": 0.0}) == []
