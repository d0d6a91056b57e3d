"""The layer check on files that cannot be used as they are, and its command line: each problem one line
naming the function and the item, the other layers still checked, exit 0 / 1 / 2, --layer, --json."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from compare.cli.cmd_check import main

ROOT = Path(__file__).resolve().parents[1]
CORRECT = (ROOT / "tests" / "layers_own" / "correct.py").read_text()


def layer_file(tmp_path: Path, extra: str, keep: tuple[str, ...] = ("relu", "affine")) -> Path:
    """Our correct relu and affine, then `extra` (which may redefine them)."""
    source = CORRECT.split("\n\n\n")
    kept = [block for block in source if block.startswith(("import", '"""')) or
            any(block.startswith(f"def {name}_") for name in keep)]
    path = tmp_path / "layers.py"
    path.write_text("\n\n\n".join(kept) + "\n\n\n" + textwrap.dedent(extra))
    return path


def check(path: Path, *args: str, capsys) -> tuple[int, str, str]:
    code = main([str(path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_forward_without_its_backward_is_not_checked_and_the_rest_is(tmp_path, capsys):
    path = layer_file(tmp_path, "def conv_forward_naive(x, w, b, conv_param):\n    return x, None\n")
    code, out, err = check(path, "--json", capsys=capsys)
    layers = {d["layer"]: d for d in json.loads(out)["layers"]}
    assert layers["conv"]["status"] == "not checked"
    assert "conv_backward_naive" in layers["conv"]["failure"]["message"]
    assert layers["relu"]["status"] == layers["affine"]["status"] == "ok"
    assert code == 0


def test_a_wrong_signature_names_the_expected_one(tmp_path, capsys):
    path = layer_file(tmp_path, "def affine_forward(x, w):\n    return x @ w, None\n")
    code, out, err = check(path, capsys=capsys)
    line = next(x for x in err.splitlines() if x.startswith("affine:"))
    assert "affine_forward(x, w, b) -> (out, cache)" in line
    assert "relu" in out and "OK" in out.split("relu")[1].splitlines()[0]
    assert code == 2


@pytest.mark.parametrize("body, words", [
    ("return dout @ cache[1].T", "returned a NumPy array; expected a tuple (dx, dw, db)"),
    ("return 1, 2, 3", "dx is an int; expected a NumPy array"),
    ("return (dout @ cache[1].T).reshape(cache[0].shape).astype('float32'), 0, 0", "dx has dtype float32"),
    ("x, w, b = cache\n    dx = (dout @ w.T).reshape(x.shape)\n    dx[0, 0, 0] = float('nan')\n"
     "    return dx, x.reshape(len(x), -1).T @ dout, dout.sum(0)", "dx has NaN at dx[0, 0, 0]"),
    ("return 1, 2", "returned 2 items; expected 3: (dx, dw, db)"),
    ("raise ValueError('not yet')", "affine_backward raised ValueError: not yet"),
])
def test_a_backward_returning_something_unusable_is_one_line_and_other_layers_go_on(tmp_path, capsys, body, words):
    path = layer_file(tmp_path, f"def affine_backward(dout, cache):\n    {body}\n")
    code, out, err = check(path, "--json", capsys=capsys)
    layers = {d["layer"]: d for d in json.loads(out)["layers"]}
    assert layers["affine"]["status"] == "error"
    assert words in layers["affine"]["failure"]["message"]
    assert layers["affine"]["failure"]["function"] == "affine_backward"
    assert layers["relu"]["status"] == "ok"
    assert code == 2


def test_a_cache_changed_in_place_is_said(tmp_path, capsys):
    path = layer_file(tmp_path, """
        def relu_backward(dout, cache):
            dx = dout * (cache > 0)
            cache[...] = 0.0
            return dx
    """)
    code, out, err = check(path, "--layer", "relu", capsys=capsys)
    assert "relu_backward changed cache in place" in err
    assert code == 2


def test_a_forward_changing_its_input_is_said(tmp_path, capsys):
    path = layer_file(tmp_path, """
        def relu_forward(x):
            np.maximum(x, 0, out=x)
            return x, x
    """)
    code, out, err = check(path, "--layer", "relu", capsys=capsys)
    assert "relu_forward changed its argument x in place" in err
    assert code == 2


def test_a_disagreement_names_the_element_both_values_and_the_hint(tmp_path, capsys):
    path = layer_file(tmp_path, """
        def affine_backward(dout, cache):
            x, w, b = cache
            return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.mean(0)
    """)
    code, out, err = check(path, capsys=capsys)
    assert code == 1
    assert "affine_backward: db disagrees with torch" in err and "db[" in err
    assert "hint: a factor N" in err
    code, out, err = check(path, "--json", "--layer", "affine_backward", capsys=capsys)
    (layer,) = json.loads(out)["layers"]
    grads = {g["name"]: g for g in layer["gradients"]}
    assert layer["status"] == "failed" and not grads["db"]["ok"] and grads["dw"]["ok"]
    assert grads["dx"]["max_rel_diff"] < 1e-12 and grads["db"]["max_rel_diff"] == pytest.approx(0.75, rel=1e-9)


def test_the_ok_line_names_the_largest_relative_difference(tmp_path, capsys):
    code, out, err = check(layer_file(tmp_path, ""), capsys=capsys)
    assert code == 0
    assert "largest relative difference" in out.splitlines()[-1]
    affine = next(x for x in out.splitlines() if x.strip().startswith("affine"))
    assert float(affine.split("difference ")[1].split()[0]) < 1e-13


def test_layer_options(tmp_path, capsys):
    path = layer_file(tmp_path, "")
    assert check(path, "--layer", "nope", capsys=capsys)[0] == 2
    code, out, err = check(path, "--layer", "conv", capsys=capsys)
    assert code == 2 and "defines no conv_forward_naive" in err
    code, out, err = check(path, "exercise1", capsys=capsys)
    assert code == 2 and "not for a layer file" in err


def test_a_backprop_file_refuses_layer(capsys):
    code = main([str(ROOT / "examples" / "backprop_solution.py"), "--layer", "affine"])
    assert code == 2 and "--layer" in capsys.readouterr().err


def test_a_templates_unwritten_functions_are_not_checked_and_the_written_one_is(tmp_path, capsys):
    template = (ROOT / "examples" / "layers_template.py").read_text()
    own = CORRECT.split("\n\n\n")
    affine = "\n\n\n".join(b for b in own if b.startswith(("def affine_forward", "def affine_backward")))
    path = tmp_path / "partly.py"
    path.write_text(template + "\n\n" + affine + "\n")          # the later definitions win
    code, out, err = check(path, "--json", capsys=capsys)
    layers = {d["layer"]: d for d in json.loads(out)["layers"]}
    assert layers["affine"]["status"] == "ok"
    assert layers["relu"]["status"] == "not checked"
    assert "NotImplementedError" in layers["relu"]["failure"]["message"]
    assert code == 0
    code, out, err = check(ROOT / "examples" / "layers_template.py", capsys=capsys)
    assert code == 2 and "no layer could be checked" in err


DROPOUT = """
import numpy as np

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = (np.random.rand(*x.shape) < p) / p
    if mode == "train":
        return x * mask{forward}, (dropout_param, mask)
    return x{test}, (dropout_param, mask)

def dropout_backward(dout, cache):
    dropout_param, mask = cache
    p = dropout_param["p"]
    if dropout_param["mode"] == "train":
        return dout * mask{backward}
    return dout
"""


@pytest.mark.parametrize("forward, test, backward, item, words", [
    ("", "", "", None, None),
    (" * p * p", "", "", "out", "kept units multiplied by p"),
    (" * p", "", "", "out", "kept units not scaled by 1/p"),
    ("", " * mask", "", "out", "in test mode dropout is the identity"),
    ("", "", " * 0 + dout / p", "dx", "dx ignores the mask"),
    ("", "", " * p", "dx", "kept units not scaled by 1/p"),
])
def test_dropout_is_checked_against_the_mask_its_forward_drew(tmp_path, capsys, forward, test, backward, item, words):
    path = tmp_path / "dropout.py"
    path.write_text(DROPOUT.format(forward=forward, test=test, backward=backward))
    code, out, err = check(path, "--json", capsys=capsys)
    (layer,) = json.loads(out)["layers"]
    if item is None:
        assert code == 0 and layer["status"] == "ok"
        return
    assert code == 1 and layer["failure"]["item"] == item
    assert any(words in h for h in layer["failure"]["hints"]), layer["failure"]
    assert len(layer["failure"]["hints"]) == 1


def test_dropout_keeping_the_wrong_fraction_is_named(tmp_path, capsys):
    path = tmp_path / "dropout.py"
    path.write_text(DROPOUT.format(forward="", test="", backward="").replace(
        "np.random.rand(*x.shape) < p", "np.random.rand(*x.shape) >= p"))
    code, out, err = check(path, "--json", capsys=capsys)
    (layer,) = json.loads(out)["layers"]
    assert code == 1 and "keeps 2" in layer["failure"]["message"]
    assert any("keep probability" in h for h in layer["failure"]["hints"])
