"""What a layer function returns, read without trusting it (compare/layers/returns.py): the count of items
and the words when it is wrong, each array a float64 copy, a loss one number, and whether a backward changed
its cache in place (arrays 4 containers deep, NaN equal to NaN). Values and sentences written out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from compare.layers.returns import Opaque, Problem, array, changed, described, items, number, snapshot

THREE = ("dx", "dw", "db")


def _problem(call, *args) -> Problem:
    with pytest.raises(Problem) as caught:
        call(*args)
    return caught.value


def test_the_items_of_a_tuple_or_a_list_in_order():
    a, b, c = np.zeros(1), np.ones(1), np.ones(2)
    assert items((a, b, c), "f", THREE) == [a, b, c]
    got = items([a, b, c], "f", THREE)
    assert type(got) is list and got[0] is a and got[2] is c
    assert items(a, "f", ("dx",)) == [a]                       # one item may come bare
    assert items((a,), "f", ("dx",))[0] is a and items([a], "f", ("dx",))[0] is a


def test_a_wrong_count_is_said_with_the_names_expected():
    p = _problem(items, (1, 2), "affine_backward", THREE)
    assert str(p) == "affine_backward returned 2 items; expected 3: (dx, dw, db)"
    assert (p.function, p.item) == ("affine_backward", "dx")
    assert str(_problem(items, (1,), "g", THREE)) == "g returned 1 item; expected 3: (dx, dw, db)"
    assert str(_problem(items, (), "g", THREE)) == "g returned 0 items; expected 3: (dx, dw, db)"
    assert str(_problem(items, [], "g", ("out", "cache"))) == "g returned 0 items; expected 2: (out, cache)"
    p = _problem(items, (1, 2), "relu_backward", ("dx",))
    assert str(p) == "relu_backward returned 2 items; expected 1: dx" and p.item == "dx"


def test_one_item_expected_and_a_list_of_several_returned():
    p = _problem(items, [np.zeros(2), np.zeros(2), np.zeros(2)], "relu_backward", ("dx",))
    assert str(p) == "relu_backward returned a list of 3; expected dx" and (p.function, p.item) == (
        "relu_backward", "dx")
    assert str(_problem(items, [], "h", ("dx",))) == "h returned a list of 0; expected dx"


def test_not_a_tuple_where_several_are_expected():
    p = _problem(items, np.zeros(3), "affine_backward", THREE)
    assert str(p) == "affine_backward returned a NumPy array; expected a tuple (dx, dw, db)"
    assert p.item == "dx"
    assert str(_problem(items, None, "f", ("out", "cache"))) == "f returned a NoneType; expected a tuple (out, cache)"


def test_an_array_is_a_plain_float64_copy():
    class Sub(np.ndarray):
        pass
    given = np.arange(6.0).reshape(2, 3)
    got = array(given, "f", "dx")
    assert type(got) is np.ndarray and got.dtype == np.float64 and np.array_equal(got, given)
    assert not np.shares_memory(got, given)
    given[0, 0] = 99.0                                      # changed after: the copy keeps what was returned
    assert got[0, 0] == 0.0
    sub = array(np.ones(3).view(Sub), "f", "dx")
    assert type(sub) is np.ndarray and sub.tolist() == [1.0, 1.0, 1.0]


def test_what_is_not_a_float64_array_is_named():
    assert str(_problem(array, None, "affine_forward", "out")) == (
        "affine_forward: out is a NoneType; expected a NumPy array (never assigned? the template starts with "
        "out = None)")
    p = _problem(array, 3, "affine_backward", "dw")
    assert str(p) == "affine_backward: dw is an int; expected a NumPy array" and (p.function, p.item) == (
        "affine_backward", "dw")
    assert str(_problem(array, np.ones(2, dtype=np.float32), "f", "dx")) == (
        "f: dx has dtype float32; expected float64 (the inputs' dtype)")
    assert str(_problem(array, np.ones(2, dtype=np.int64), "f", "dx")).startswith("f: dx has dtype int64;")


def _opaque(name: str) -> Opaque:
    o = Opaque()
    o.type_name = name
    return o


def test_an_item_held_in_another_process_is_named_by_its_type():
    assert str(_problem(array, _opaque("NoneType"), "f", "dx")) == (
        "f: dx is a NoneType; expected a NumPy array (never assigned? the template starts with dx = None)")
    assert str(_problem(array, _opaque("int"), "f", "dx")) == "f: dx is an int; expected a NumPy array"
    assert str(_problem(array, _opaque("NumPy array of shape (1, 2)"), "f", "dx")) == (
        "f: dx is a NumPy array of shape (1, 2); expected a NumPy array of the interface's shape")
    assert described(_opaque("ellipsis")) == "an ellipsis" and described(_opaque("Tensor")) == "a Tensor"
    assert described(_opaque("")) == "an Opaque" and described([1]) == "a list"


def test_a_loss_is_one_number():
    for value, expected in ((2.5, 2.5), (3, 3.0), (np.float32(0.5), 0.5), (np.int64(-2), -2.0),
                            (np.array(1.25), 1.25), (np.array([[-4.5]]), -4.5),
                            (np.array([0.75], dtype=np.float32), 0.75)):
        got = number(value, "softmax_loss", "loss")
        assert got.shape == () and got.dtype == np.float64 and got == expected, value


@pytest.mark.parametrize("value, words", [
    (np.array([1.0, 2.0]), "softmax_loss: loss is an array of 2 float64; expected one number"),
    (np.array([], dtype=np.float64), "softmax_loss: loss is an array of 0 float64; expected one number"),
    (np.array([3]), "softmax_loss: loss is an array of 1 int64; expected one number"),
    (np.array(True), "softmax_loss: loss is an array of 1 bool; expected one number"),
    (True, "softmax_loss: loss is a bool; expected a number"),
    ("1.0", "softmax_loss: loss is a str; expected a number"),
    (None, "softmax_loss: loss is a NoneType; expected a number"),
])
def test_what_is_not_one_number_is_named(value, words):
    p = _problem(number, value, "softmax_loss", "loss")
    assert str(p) == words and (p.function, p.item) == ("softmax_loss", "loss")


def test_a_numpy_bool_is_not_a_number():
    assert str(_problem(number, np.True_, "f", "loss")).endswith("; expected a number")


def test_the_snapshot_copies_arrays_four_containers_deep():
    a = np.arange(3.0)
    deep4 = [[[[a]]]]                     # a inside 4 lists: copied
    snap = snapshot(deep4)
    assert np.array_equal(snap[0][0][0][0], a) and snap[0][0][0][0] is not a
    assert snapshot([[[[[a]]]]]) == [[[[None]]]]                # a fifth container: not walked
    assert snapshot({"a": {"b": {"c": {"d": a}}}})["a"]["b"]["c"]["d"].tolist() == [0.0, 1.0, 2.0]
    assert snapshot({"a": {"b": {"c": {"d": {"e": a}}}}}) == {"a": {"b": {"c": {"d": None}}}}
    assert snapshot((a, 3, "x")) [1:] == [None, None]


def test_a_change_four_containers_deep_is_found_and_a_fifth_is_not_walked():
    a = np.zeros(2)
    cache = ([[[a]]],)
    before = snapshot(cache)
    a[1] = 1.0
    assert changed(cache, before) == "cache[0][0][0][0]"
    b = np.zeros(2)
    cache = {"k": {"l": {"m": {"n": b}}}}
    before = snapshot(cache)
    b[0] = 1.0
    assert changed(cache, before) == "cache['k']['l']['m']['n']"
    c = np.zeros(2)
    cache = [[[[[c]]]]]
    before = snapshot(cache)
    c[0] = 1.0
    assert changed(cache, before) is None


def test_where_a_cache_changed_the_first_place_named():
    x, w, b = np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)
    cache = (x, {"w": w, "b": b}, 5)
    before = snapshot(cache)
    assert changed(cache, before) is None
    b[2] = -1.0
    assert changed(cache, before) == "cache[1]['b']"
    w[0, 0] = 2.0
    assert changed(cache, before) == "cache[1]['w']"
    x[1, 1] = 0.5
    assert changed(cache, before) == "cache[0]"
    d = {"x": np.ones(2)}
    before = snapshot(d)
    d["x"] = np.ones(3)                                       # another shape, same leading values
    assert changed(d, before) == "cache['x']"
    del d["x"]
    assert changed(d, before) == "cache['x']"


def test_nan_left_as_it_was_is_no_change():
    cache = (np.array([np.nan, 1.0]),)
    assert changed(cache, snapshot(cache)) is None
    cache[0][1] = np.nan
    assert changed(cache, snapshot((np.array([np.nan, 1.0]),))) == "cache[0]"


def test_a_cache_held_elsewhere_says_itself():
    o = Opaque()
    assert changed(o, None) is None
    o.changed_where = "cache[2]"
    assert changed(o, snapshot(o)) == "cache[2]"


def test_a_subclass_is_never_copied_nor_compared_through_its_own_methods():
    class Hostile(np.ndarray):
        def copy(self, *args, **kwargs):
            raise RuntimeError("user code")

        def __eq__(self, other):
            raise RuntimeError("user code")
    h = np.zeros(3).view(Hostile)
    assert snapshot(h) is None and snapshot([h]) == [None]
    assert changed([h], snapshot([h])) is None


def test_parts_replaced_by_something_else_never_crash_the_check():
    inner, table = [np.ones(2)], {"a": np.ones(2)}
    cache = [inner, table]
    before = snapshot(cache)
    cache[0], cache[1] = 5, 7                                  # a list and a dict replaced by numbers
    assert changed(cache, before) in (None, "cache[0]")
