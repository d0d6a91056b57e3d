"""Which layers a file defines, read from its syntax (compare/layers/discover.py): the names it defines or
imports by name, a star import of a layers module, what is a layer file or submission, which layers are
checked and why one is not, and a function's signature against the interface's. Files written here."""

from __future__ import annotations

import textwrap
import types

import pytest

from compare.errors import ExperimentError
from compare.layers.discover import (
    defined_names,
    defines_layers,
    is_layer_file,
    is_layer_submission,
    layer_functions,
    plan,
    star_imported_layers,
)
from compare.layers.table import LAYERS
from compare.usercode.load import UserCodeError


def _file(tmp_path, text: str, name: str = "mine.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_the_names_a_file_defines_or_imports_by_name(tmp_path):
    path = _file(tmp_path, """
        from cs231n.layers import affine_forward, relu_forward as relu_forward, softmax_loss as mine
        from numpy import zeros

        def helper():
            def conv_forward_naive():
                pass

        async def relu_backward(dout, cache):
            pass

        def batchnorm_backward(dout, cache):
            pass

        batchnorm_backward_alt = batchnorm_backward
        helper2 = helper
        x, svm_loss = 1, 2
        """)
    assert defined_names(path) == {"affine_forward", "relu_forward", "helper", "relu_backward",
                                   "batchnorm_backward", "batchnorm_backward_alt"}
    assert defined_names(_file(tmp_path, "def f(:\n", "bad.py")) == set()
    assert defined_names(tmp_path / "missing.py") == set()


def test_a_star_import_of_a_layers_module(tmp_path):
    path = _file(tmp_path, """
        from cs231n.layers import *
        from .layers import *
        from . import *
        from cs231n.layer_utils import *
        from numpy import *
        from cs231n.fast_layers import *
        from cs231n.layers import affine_forward
        import layers
        """)
    assert star_imported_layers(path) == ["cs231n.layers", ".layers", "cs231n.fast_layers"]
    assert star_imported_layers(tmp_path / "missing.py") == []


def test_what_is_a_layer_file(tmp_path):
    assert is_layer_file(_file(tmp_path, "def relu_forward(x):\n    pass\n", "a.py"))
    assert defines_layers(tmp_path / "a.py")
    star = _file(tmp_path, "from cs231n.layers import *\n", "b.py")
    assert is_layer_file(star) and not defines_layers(star)
    backprop = _file(tmp_path, "def relu_forward(x):\n    pass\n\ndef backward(net):\n    pass\n", "c.py")
    assert not is_layer_file(backprop) and not defines_layers(backprop)
    assert not is_layer_file(_file(tmp_path, "def helper():\n    pass\n", "d.py"))


def test_what_is_a_layer_submission(tmp_path):
    (tmp_path / "one").mkdir()
    _file(tmp_path / "one", "def relu_forward(x):\n    pass\n", "layers.py")
    _file(tmp_path / "one", "def helper():\n    pass\n", "utils.py")
    assert is_layer_submission(tmp_path / "one")
    (tmp_path / "two").mkdir()
    _file(tmp_path / "two", "def relu_forward(x):\n    pass\n", "layers.py")
    _file(tmp_path / "two", "def backward(net):\n    pass\n", "net.py")
    assert not is_layer_submission(tmp_path / "two")
    (tmp_path / "three").mkdir()
    _file(tmp_path / "three", "def helper():\n    pass\n", "submission.py")
    _file(tmp_path / "three", "def relu_forward(x):\n    pass\n", "layers.py")
    assert not is_layer_submission(tmp_path / "three")          # its submission.py decides
    (tmp_path / "four").mkdir()
    _file(tmp_path / "four", "def relu_forward(x):\n    pass\n", ".hidden.py")
    _file(tmp_path / "four", "def relu_forward(x):\n    pass\n", "layers.txt")
    assert not is_layer_submission(tmp_path / "four")
    assert is_layer_submission(_file(tmp_path, "def relu_forward(x):\n    pass\n", "single.py"))
    assert not is_layer_submission(tmp_path / "nowhere")


def _plan(names, only=None):
    return [(layer.name, why) for layer, why in plan(set(names), only)]


def test_the_plan_in_the_tables_order_and_why_a_layer_is_not_checked():
    assert _plan({"softmax_loss", "relu_backward", "affine_forward", "affine_backward"}) == [
        ("affine", ""), ("relu", "defines relu_backward but no relu_forward"), ("softmax_loss", "")]
    assert _plan({"conv_forward_naive"}) == [("conv", "defines conv_forward_naive but no conv_backward_naive")]
    assert _plan({"helper"}) == []


def test_batchnorm_and_its_alternative_backward():
    bn = {"batchnorm_forward", "batchnorm_backward"}
    assert _plan(bn) == [("batchnorm", "")]
    assert _plan(bn | {"batchnorm_backward_alt"}) == [("batchnorm", ""), ("batchnorm_alt", "")]
    assert _plan({"batchnorm_forward", "batchnorm_backward_alt"}) == [("batchnorm_alt", "")]
    assert _plan({"batchnorm_forward"}) == [("batchnorm", "defines batchnorm_forward but no batchnorm_backward")]
    assert _plan({"batchnorm_backward_alt"}) == [
        ("batchnorm_alt", "defines batchnorm_backward_alt but no batchnorm_forward")]


def test_one_layer_asked_for():
    names = {"affine_forward", "affine_backward", "relu_forward", "relu_backward"}
    assert _plan(names, "relu") == [("relu", "")]
    with pytest.raises(ExperimentError) as caught:
        plan(names, "nope")
    assert str(caught.value).startswith("--layer nope: no such layer; the layers are affine, relu, ")
    with pytest.raises(ExperimentError) as caught:
        plan(names, "conv")
    assert str(caught.value) == "--layer conv: the file defines no conv_forward_naive / conv_backward_naive"


def _module(**functions):
    return types.SimpleNamespace(**functions)


def test_the_functions_taken_with_their_signatures_checked():
    def relu_forward(x):
        return x, x

    def relu_backward(dout, cache, extra=None):
        return dout
    got = layer_functions(_module(relu_forward=relu_forward, relu_backward=relu_backward), LAYERS["relu"])
    assert got == {"relu_forward": relu_forward, "relu_backward": relu_backward}
    builtin = layer_functions(_module(relu_forward=abs, relu_backward=max), LAYERS["relu"])  # no signature to read
    assert builtin["relu_forward"] is abs
    with pytest.raises(UserCodeError) as caught:
        layer_functions(_module(relu_forward=3, relu_backward=relu_backward), LAYERS["relu"])
    assert str(caught.value) == "`relu_forward` is int, not a function; expected relu_forward(x) -> (out, cache)"
    with pytest.raises(UserCodeError) as caught:
        layer_functions(_module(relu_forward=relu_forward), LAYERS["relu"])
    assert str(caught.value) == "`relu_backward` is NoneType, not a function; expected relu_backward(dout, cache) -> dx"


@pytest.mark.parametrize("layer, name, signature, words", [
    ("relu", "relu_forward", "(x, y)", "relu_forward(x, y) does not take the interface's 1 argument; expected "
     "relu_forward(x) -> (out, cache)"),
    ("affine", "affine_backward", "(dout)", "affine_backward(dout) does not take the interface's 2 arguments; "
     "expected affine_backward(dout, cache) -> (dx, dw, db)"),
    ("lstm_step", "lstm_step_backward", "(dnext_h, cache)", "lstm_step_backward(dnext_h, cache) does not take the "
     "interface's 3 arguments; expected lstm_step_backward(dnext_h, dnext_c, cache) -> (dx, dprev_h, dprev_c, dWx, "
     "dWh, db)"),
    ("softmax_loss", "softmax_loss", "(x)", "softmax_loss(x) does not take the interface's 2 arguments; expected "
     "softmax_loss(x, y) -> (loss, dx)"),
])
def test_a_signature_that_cannot_take_the_interfaces_arguments(layer, name, signature, words):
    namespace: dict = {}
    exec(f"def {name}{signature}:\n    pass\n", namespace)
    fns = {fn: (lambda *a: None) for fn in LAYERS[layer].functions}
    fns[name] = namespace[name]
    with pytest.raises(UserCodeError) as caught:
        layer_functions(_module(**fns), LAYERS[layer])
    assert str(caught.value) == words


def test_a_folder_that_cannot_be_listed_is_not_a_layer_submission(tmp_path, monkeypatch):
    from pathlib import Path
    (tmp_path / "sub").mkdir()
    _file(tmp_path / "sub", "def relu_forward(x):\n    pass\n", "layers.py")
    assert is_layer_submission(tmp_path / "sub")

    def unreadable(self):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(Path, "iterdir", unreadable)
    assert is_layer_submission(tmp_path / "sub") is False
