"""A whole layer file checked (compare/layers/run.py): each layer on its own, in the table's order, a layer
not checked or in error never stopping the others, the functions of another process used as given, each
call wrapped; and the exit status (0 all agree, 1 a disagreement, 2 nothing usable) by hand."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from compare.errors import ExperimentError
from compare.layers.results import LayerResult
from compare.layers.run import check_file, exit_status
from compare.usercode.load import UserCodeError

RELU = """
import numpy as np

def relu_forward(x):
    return np.maximum(x, 0), x

def relu_backward(dout, cache):
    return dout * (cache > 0)
"""
SOFTMAX = """
def softmax_loss(x, y):
    z = x - x.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    N = len(y)
    dx = np.exp(logp)
    dx[np.arange(N), y] -= 1
    return -logp[np.arange(N), y].mean(), dx / N
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.py"
    path.write_text(textwrap.dedent(text))
    return path


def _statuses(results: list[LayerResult]) -> list[tuple[str, str]]:
    return [(r.layer, r.status) for r in results]


@pytest.mark.parametrize("statuses, code", [
    ([], 2), (["not checked"], 2), (["not checked", "not checked"], 2), (["ok"], 0), (["ok", "not checked"], 0),
    (["ok", "failed"], 1), (["failed", "not checked"], 1), (["failed"], 1), (["ok", "error"], 2),
    (["failed", "error"], 2), (["error"], 2), (["error", "not checked"], 2),
])
def test_the_exit_status_of_every_mix(statuses, code):
    assert exit_status([LayerResult(f"l{k}", s) for k, s in enumerate(statuses)]) == code


def test_each_layer_in_the_tables_order_and_one_not_checked_does_not_stop_the_rest(tmp_path):
    path = _file(tmp_path, SOFTMAX + RELU + "\n\ndef affine_forward(x, w, b):\n    return x @ w + b, None\n")
    results = check_file(path)
    assert _statuses(results) == [("affine", "not checked"), ("relu", "ok"), ("softmax_loss", "ok")]
    assert results[0].failure.message == "defines affine_forward but no affine_backward"
    assert exit_status(results) == 0
    assert _statuses(check_file(path, only="relu")) == [("relu", "ok")]


def test_a_layer_whose_function_is_not_usable_is_an_error_and_the_rest_goes_on(tmp_path):
    path = _file(tmp_path, RELU + "\n\ndef affine_forward(x, w):\n    return x @ w, None\n\n\n"
                 "def affine_backward(dout, cache):\n    return dout, dout, dout\n")
    results = check_file(path)
    assert _statuses(results) == [("affine", "error"), ("relu", "ok")]
    assert results[0].failure.message.startswith("affine_forward(x, w) does not take the interface's 3 arguments")
    assert exit_status(results) == 2


def test_a_file_defining_no_layer_is_refused_and_a_star_import_is_named(tmp_path):
    path = _file(tmp_path, "import numpy as np\n\ndef helper(x):\n    return x\n")
    with pytest.raises(ExperimentError) as caught:
        check_file(path)
    assert str(caught.value) == (f"{path}: defines no layer function of the interface (affine_forward, "
                                 "conv_forward_naive, softmax_loss, ...; see docs/layers.md)")
    star = _file(tmp_path, "from cs231n.layers import *\n")
    with pytest.raises(ExperimentError) as caught:
        check_file(star)
    assert str(caught.value).endswith("; it imports them with `from cs231n.layers import *`: check the file that "
                                      "defines them")
    both = _file(tmp_path, "from cs231n.layers import *\nfrom cs231n.fast_layers import *\n")
    with pytest.raises(ExperimentError) as caught:           # the first one named
        check_file(both)
    assert "; it imports them with `from cs231n.layers import *`: check" in str(caught.value)
    with pytest.raises(ExperimentError) as caught:           # --layer: the plan's own words, no star hint
        check_file(star, only="relu")
    assert "import *" not in str(caught.value)


def test_the_functions_of_another_process_are_used_and_never_imported_here(tmp_path):
    # the file here would not even import: only the proxies given are called
    path = _file(tmp_path, RELU + "\nraise SystemExit('never imported here')\n")
    import numpy as np
    calls = []

    def relu_forward(x):
        calls.append("f")
        return np.maximum(x, 0), x

    def relu_backward(dout, cache):
        calls.append("b")
        return dout * (cache > 0)
    results = check_file(path, remote={"relu_forward": relu_forward, "relu_backward": relu_backward})
    assert _statuses(results) == [("relu", "ok")] and calls == ["f", "b", "f", "b"]      # two cases


def test_a_function_another_process_could_not_give_is_an_error_naming_the_interface(tmp_path):
    path = _file(tmp_path, RELU + SOFTMAX)
    results = check_file(path, remote={"relu_forward": lambda x: (x, x),
                                       "relu_backward": "`relu_backward` is int, not a function",
                                       "softmax_loss": "`softmax_loss` is NoneType, not a function"})
    assert _statuses(results) == [("relu", "error"), ("softmax_loss", "error")]
    assert results[0].failure.message == ("`relu_backward` is int, not a function; expected relu_forward(x) and "
                                          "relu_backward(dout, cache)")
    assert results[1].failure.message == ("`softmax_loss` is NoneType, not a function; expected softmax_loss(x, y)")
    (result,) = check_file(path, only="relu", remote={"relu_forward": "`relu_forward` is str, not a function",
                                                      "relu_backward": "relu_backward(a, b, c) does not take 2"})
    assert result.failure.message.startswith("`relu_forward` is str, not a function; expected relu_forward(x)")
    with pytest.raises(KeyError):
        check_file(path, remote={"relu_forward": lambda x: (x, x)})


def test_every_call_goes_through_wrap_with_its_name(tmp_path):
    path = _file(tmp_path, RELU)
    seen = []

    def wrap(fn, name):
        def wrapped(*args):
            seen.append(name)
            return fn(*args)
        return wrapped
    assert _statuses(check_file(path, wrap=wrap)) == [("relu", "ok")]
    assert seen == ["relu_forward", "relu_backward"] * 2


def test_a_module_given_is_checked_instead_of_importing_the_file(tmp_path):
    import types

    import numpy as np
    path = _file(tmp_path, RELU)
    module = types.SimpleNamespace(relu_forward=lambda x: (np.maximum(x, 0) * 2, x),
                                   relu_backward=lambda dout, cache: dout * (cache > 0))
    results = check_file(path, module=module)
    assert _statuses(results) == [("relu", "failed")] and results[0].failure.function == "relu_forward"


def test_a_templates_function_returning_none_is_not_written_yet(tmp_path):
    path = _file(tmp_path, """
        import numpy as np

        def relu_forward(x):
            out = None
            # *****START OF YOUR CODE*****
            pass
            # *****END OF YOUR CODE*****
            return out, x

        def relu_backward(dout, cache):
            return dout * (cache > 0)
    """)
    (result,) = check_file(path)
    assert result.status == "not checked" and result.failure.message == (
        "relu_forward is not written yet (its YOUR CODE blocks are empty)")
    assert exit_status([result]) == 2


def test_a_file_that_does_not_import_is_a_user_error(tmp_path):
    with pytest.raises(UserCodeError):
        check_file(_file(tmp_path, RELU + "\nraise ValueError('broken')\n"))
