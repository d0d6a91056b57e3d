"""Calling a layer's functions (compare/layers/calls.py): what a raise becomes (one line naming the function
and the case; for a KeyError on a key the case's parameter dictionary leaves out, the hint that the key is
optional), fresh copies of the case's arguments, an argument changed in place. Sentences written out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from compare.grading.answers import remote_exception
from compare.layers.calls import arguments, call
from compare.layers.check import check_layer
from compare.layers.recorded import load_cases
from compare.layers.returns import Problem
from compare.layers.table import LAYERS
from compare.layers.table.types import Case

ONLY_MODE = Case("only mode", "", {}, {"bn_param": {"mode": "train"}})
OPTIONAL = ("bn_param is {'mode'} here: 'momentum' is optional in the interface (it has a default), as in "
            "cs231n's notebooks")


def _raised(exc: BaseException, case: Case = ONLY_MODE) -> Problem:
    def fn(*args):
        raise exc
    with pytest.raises(Problem) as caught:
        call(fn, "batchnorm_forward", (), case)
    return caught.value


def test_a_raise_is_one_line_naming_the_function_and_the_case():
    p = _raised(ValueError("shapes (4,3) and (4,) not aligned\nmore"))
    assert str(p) == "batchnorm_forward raised ValueError: shapes (4,3) and (4,) not aligned (case \"only mode\")"
    assert (p.function, p.hints, p.not_implemented) == ("batchnorm_forward", [], False)
    assert "ValueError" in p.user_traceback
    assert _raised(NotImplementedError()).not_implemented is True


def test_a_key_the_case_leaves_out_is_said_to_be_optional():
    p = _raised(KeyError("momentum"))
    assert str(p) == "batchnorm_forward raised KeyError: 'momentum' (case \"only mode\")"
    assert p.hints == [OPTIONAL]


@pytest.mark.parametrize("exc", [KeyError("mode"), KeyError(3), KeyError("momentum", "eps"), KeyError(),
                                 ValueError("momentum"), LookupError("momentum")])
def test_no_optional_key_hint_for_another_error_or_a_key_given(exc):
    assert _raised(exc).hints == []


def test_a_key_error_from_the_submissions_own_process_reads_its_repr():
    assert _raised(remote_exception("KeyError", "'momentum'", "")).hints == [OPTIONAL]
    for message in ("momentum", "'momentum", "3", "'mode'", ""):
        assert _raised(remote_exception("KeyError", message, "")).hints == [], message
    assert _raised(remote_exception("ValueError", "'momentum'", "")).hints == []
    empty = type("KeyError", (Exception,), {})()                # no argument at all
    assert _raised(empty).hints == []


@pytest.mark.parametrize("text", ["-" * 100000 + "1", "1" + "+1" * 100000])
def test_a_remote_key_too_deep_to_read_is_no_hint_and_no_crash(text):
    # literal_eval gives up on these (a MemoryError, a RecursionError in CPython 3.11)
    assert _raised(type("KeyError", (Exception,), {})(text)).hints == []


def test_the_hint_names_the_first_dictionary_lacking_the_key():
    case = Case("two", "", {}, {"G": 2, "a_param": {"eps": 1e-5}, "b_param": {"mode": "x"}})
    assert _raised(KeyError("momentum"), case).hints == [
        "a_param is {'eps'} here: 'momentum' is optional in the interface (it has a default), as in cs231n's "
        "notebooks"]
    assert _raised(KeyError("eps"), case).hints == [
        "b_param is {'mode'} here: 'eps' is optional in the interface (it has a default), as in cs231n's "
        "notebooks"]
    assert _raised(KeyError("G"), case).hints[0].startswith("a_param is {'eps'} here: 'G' is optional")


def test_a_batchnorm_reading_momentum_without_a_default_is_told_it_is_optional():
    def batchnorm_forward(x, gamma, beta, bn_param):
        m = bn_param["momentum"]
        return x * m, None

    def batchnorm_backward(dout, cache):
        return dout, dout.sum(0), dout.sum(0)
    r = check_layer(LAYERS["batchnorm"], {"batchnorm_forward": batchnorm_forward,
                                          "batchnorm_backward": batchnorm_backward})
    # the first case gives momentum (x * 0.9 disagrees); the third gives only the mode
    assert r.status == "error" and r.failure.case == "train, only mode given"
    assert r.failure.hints == ("bn_param is {'mode'} here: 'momentum' is optional in the interface (it has a "
                               "default), as in cs231n's notebooks",)


def test_the_arguments_are_fresh_copies_with_the_dictionary_holding_its_arrays():
    layer = LAYERS["batchnorm"]
    case, rec = layer.cases[0], load_cases(layer)[0]
    x, gamma, beta, bn_param = arguments(layer, case, rec)
    assert np.array_equal(x, rec.inputs["x"]) and not np.shares_memory(x, rec.inputs["x"])
    assert np.array_equal(gamma, rec.inputs["gamma"]) and np.array_equal(beta, rec.inputs["beta"])
    assert sorted(bn_param) == ["eps", "mode", "momentum", "running_mean", "running_var"]
    assert (bn_param["mode"], bn_param["eps"], bn_param["momentum"]) == ("train", 1e-5, 0.9)
    assert np.array_equal(bn_param["running_var"], rec.inputs["bn_param.running_var"])
    assert not np.shares_memory(bn_param["running_mean"], rec.inputs["bn_param.running_mean"])
    bn_param["eps"] = 1.0
    assert case.params["bn_param"]["eps"] == 1e-5            # the case's own dictionary is never handed out
    conv = LAYERS["conv"]
    args = arguments(conv, conv.cases[0], load_cases(conv)[0])
    assert args[3] == conv.cases[0].params["conv_param"] and set(args[3]) == {"stride", "pad"}


def test_a_forward_changing_an_argument_in_place_is_an_error_naming_it():
    def affine_forward(x, w, b):
        out = x.reshape(len(x), -1) @ w + b                        # (N, M)
        kept = x.copy()
        b[0] += 0.0                                                # the same numbers: not a change
        x[0, 0, 0] = 7.0
        return out, (kept, w, b)

    def affine_backward(dout, cache):
        x, w, b = cache
        return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.sum(0)
    r = check_layer(LAYERS["affine"], {"affine_forward": affine_forward, "affine_backward": affine_backward})
    assert r.status == "error" and (r.failure.function, r.failure.item) == ("affine_forward", "x")
    assert r.failure.message == ("affine_forward changed its argument x in place (case \"x (4, 2, 3)\"): a layer "
                                 "leaves its inputs as they were")
