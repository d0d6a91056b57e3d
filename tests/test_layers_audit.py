"""The layer check against what real cs231n solutions do (an audit on public 2016-2024 solutions; our own
files here, written in their styles): right variants pass (relu's mask from its output, max-pooling's last
tied maximum, lists, extra keyword arguments, dict caches), a body still cs231n's template (`out = None`,
empty YOUR CODE blocks) leaves its layer "not checked", what cannot be used is one line naming the function,
and --isolate (as grading) gives the same verdicts, an array of more than four axes included."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

from compare.layers.run import check_file, exit_status
from compare.layers.unwritten import unwritten_functions

ROOT = Path(__file__).resolve().parents[1]
OWN = ROOT / "tests" / "layers_own" / "audit"
ZOO = ROOT / "tests" / "layers_zoo"


def run(path: Path):
    with contextlib.redirect_stdout(io.StringIO()):
        return {r.layer: r for r in check_file(path)}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "compare", "check", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_right_variants_of_real_solutions_pass():
    results = run(OWN / "right_variants.py")
    assert {k: r.status for k, r in results.items()} == {
        "affine": "ok", "relu": "ok", "max_pool": "ok", "temporal_softmax_loss": "ok"}
    assert all(r.max_rel_diff < 1e-11 for r in results.values())
    # the last tied maximum is a rule of its own, said in a note, never a disagreement
    assert any("last" in note for note in results["max_pool"].notes), results["max_pool"].notes


def test_a_template_body_not_written_yet_is_not_checked_and_a_written_one_is():
    assert unwritten_functions(OWN / "template_style.py") == {
        "relu_forward", "relu_backward", "layernorm_forward", "layernorm_backward"}
    results = run(OWN / "template_style.py")
    assert {k: r.status for k, r in results.items()} == {
        "affine": "ok", "relu": "not checked", "layernorm": "not checked", "dropout": "error"}
    assert "not written yet" in results["relu"].failure.message
    # dropout's test branch is written: no longer the template, its train branch's None is an error
    assert results["dropout"].failure.function == "dropout_forward"
    assert exit_status(list(results.values())) == 2


def test_what_cannot_be_used_is_one_line_naming_the_function():
    results = run(OWN / "unusable.py")
    assert {k: (r.status, r.failure.function) for k, r in results.items()} == {
        "affine": ("error", "affine_forward"), "softmax_loss": ("error", "softmax_loss"),
        "rnn_step": ("error", "rnn_step_forward"), "word_embedding": ("error", "word_embedding_backward"),
        "temporal_affine": ("error", "temporal_affine_forward"), "batchnorm": ("error", "batchnorm_forward")}
    assert "float32" in results["affine"].failure.message
    # bn_param's optional keys read as required: the case where cs231n's notebook gives only the mode
    bn = results["batchnorm"].failure
    assert "KeyError: 'eps'" in bn.message and "'eps' is optional" in " ".join(bn.hints)
    assert "NoneType" in results["temporal_affine"].failure.message
    assert all("\n" not in r.failure.message for r in results.values())


def test_isolated_verdicts_are_the_same_even_for_an_array_of_seven_axes():
    for name, layers in (("many_axes.py", {"relu": "ok", "spatial_groupnorm": "error"}),
                         ("unusable.py", {k: "error" for k in ("affine", "softmax_loss", "batchnorm", "rnn_step",
                                                              "word_embedding", "temporal_affine")})):
        plain = run(OWN / name)
        done = cli(str(OWN / name), "--isolate", "--json")
        assert done.returncode == 2, done.stderr
        isolated = {r["layer"]: r for r in json.loads(done.stdout)["layers"]}
        assert {k: r["status"] for k, r in isolated.items()} == layers
        for layer, r in isolated.items():
            if r["failure"]:
                assert (r["failure"]["function"], r["failure"]["item"] or "") == (
                    plain[layer].failure.function, plain[layer].failure.item), layer
    assert "NoneType" in isolated["temporal_affine"]["failure"]["message"]
    assert "'eps' is optional" in " ".join(isolated["batchnorm"]["failure"]["hints"])


def test_keepdims_names_the_shape_and_the_old_dropout_convention_is_named():
    results = run(ZOO / "affine_db_keepdims.py")
    assert results["affine"].failure.item == "db" and "keepdims" in " ".join(results["affine"].failure.hints)
    hints = " ".join(run(ZOO / "dropout_drop_probability.py")["dropout"].failure.hints)
    assert "2017" in hints and "keep probability" in hints


def test_a_file_mixing_an_mlp_backward_with_layer_functions_is_a_backward_file(tmp_path):
    mixed = tmp_path / "mixed.py"
    mixed.write_text("import numpy as np\n\n\ndef affine_forward(x, w, b):\n    return x @ w + b, (x, w)\n\n\n"
                     "def affine_backward(dout, cache):\n    return dout, dout, dout\n\n\n"
                     "def backward(weights, biases, activations, targets):\n    return [], []\n")
    done = cli(str(mixed))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()   # a note that its layers are not checked, then the one error
    assert len(lines) == 2 and lines[0].startswith("note:") and "affine_forward" in lines[0]
    assert lines[1].startswith("error:")


def test_layers_imported_from_the_course_package(tmp_path):
    """A file beside cs231n/ that takes some layers from it: those it names are checked with its own; one
    that only star-imports them is told to check the file that defines them (exit 2, one line)."""
    package = tmp_path / "cs231n"
    package.mkdir()
    (package / "__init__.py").write_text("")
    right = (OWN / "right_variants.py").read_text()
    (package / "layers.py").write_text(right)
    (tmp_path / "mine.py").write_text(
        "from cs231n.layers import affine_forward, relu_forward as relu_forward\n\n\n"
        "def relu_backward(dout, cache):\n    return dout * (cache > 0)\n")
    try:
        results = run(tmp_path / "mine.py")
    finally:                                          # the package this test made is no other test's
        for name in ("cs231n.layers", "cs231n"):
            sys.modules.pop(name, None)
    assert {k: r.status for k, r in results.items()} == {"affine": "not checked", "relu": "ok"}
    assert "affine_backward" in results["affine"].failure.message
    (tmp_path / "star.py").write_text("from cs231n.layers import *  # noqa: F403\n")
    done = cli(str(tmp_path / "star.py"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "from cs231n.layers import *" in done.stderr and len(done.stderr.strip().splitlines()) == 1
