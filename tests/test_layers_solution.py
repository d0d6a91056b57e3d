"""The reference layers (examples/layers_*solution.py) and every correct style in tests/layers_styles/ agree
with torch's autograd, float64, on the designed inputs of tests/layers_cases.py: each forward output, the
batchnorms' running statistics, and every gradient the backward returns. The oracle is the torch twins of
tests/layers_twins.py, written from the interface, not from the code under test. The templates
(examples/layers_*template.py) have the solutions' functions and signatures, documented, to fill in.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path

import numpy as np
import pytest
from layers_cases import CASES, LAYERS, Case

try:
    import torch
    from layers_twins import compare, reference, run_file
except ImportError:                       # the template tests below need no torch
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("", "_conv", "_rnn")            # fully connected, convolutional, recurrent: one file each
SOLUTIONS = [ROOT / "examples" / f"layers{part}_solution.py" for part in PARTS]
TEMPLATES = [ROOT / "examples" / f"layers{part}_template.py" for part in PARTS]
STYLES = sorted((ROOT / "tests" / "layers_styles").glob("*.py"))

# Measured: the largest relative difference over all cases and files is about 1e-15 (summation order);
# 1e-12 leaves a margin of a few hundred and is still a million times below the zoo's smallest mistake.
TOLERANCE = 1e-12


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"layers_under_test_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def layers_in(module) -> list[str]:
    """The layers whose functions the module defines (both halves of a pair)."""
    names = {n for n, f in inspect.getmembers(module, inspect.isfunction)}
    return [name for name, layer in LAYERS.items()
            if layer.forward in names and (layer.backward is None or layer.backward in names)]


def file_cases(paths):
    for path in paths:
        module = load(path)
        for case in CASES:
            if case.layer in layers_in(module):
                yield pytest.param(path, case, id=f"{path.stem}-{case.id}")


def assert_agrees(module, case: Case):
    diffs = compare(module, case)
    wrong = {name: d for name, d in diffs.items() if not d <= TOLERANCE}
    assert not wrong, f"{case.id}: disagrees with torch in {wrong}"


def test_the_solutions_cover_every_layer_and_case():
    covered = {layer for path in SOLUTIONS for layer in layers_in(load(path))}
    assert covered == set(LAYERS)
    assert {c.layer for c in CASES} == set(LAYERS)


@needs_torch
@pytest.mark.parametrize("path, case", list(file_cases(SOLUTIONS)))
def test_solution_agrees_with_torch(path, case):
    assert_agrees(load(path), case)


@needs_torch
@pytest.mark.parametrize("path, case", list(file_cases(STYLES)))
def test_style_agrees_with_torch(path, case):
    assert_agrees(load(path), case)


def test_every_style_defines_whole_layers():
    for path in STYLES:
        assert layers_in(load(path)), f"{path.name} defines no complete layer"


@needs_torch
def test_batchnorm_running_statistics_follow_the_interface_not_torch():
    """cs231n: running = momentum * running + (1 - momentum) * batch mean / biased variance. torch's
    BatchNorm1d(momentum=m) keeps (1 - m) of the old value and uses the unbiased variance: with m = 1 - 0.8
    its running mean agrees, its running variance is off by n / (n - 1)."""
    case = next(c for c in CASES if c.id == "batchnorm-train")
    module = load(SOLUTIONS[0])
    param = dict(case.inputs["bn_param"])
    module.batchnorm_forward(case.inputs["x"], case.inputs["gamma"], case.inputs["beta"], param)
    bn = torch.nn.BatchNorm1d(3, momentum=1 - param["momentum"], eps=param["eps"]).double()
    bn.running_mean.copy_(torch.tensor(case.inputs["bn_param"]["running_mean"]))
    bn.running_var.copy_(torch.tensor(case.inputs["bn_param"]["running_var"]))
    bn.train()(torch.tensor(case.inputs["x"]))
    np.testing.assert_allclose(param["running_mean"], bn.running_mean.numpy(), rtol=1e-13)
    n = case.inputs["x"].shape[0]
    torch_var = case.inputs["bn_param"]["running_var"] * 0.8 + 0.2 * case.inputs["x"].var(axis=0) * n / (n - 1)
    np.testing.assert_allclose(bn.running_var.numpy(), torch_var, rtol=1e-13)
    assert np.abs(param["running_var"] - bn.running_var.numpy()).max() > 1e-3


@needs_torch
def test_lstm_twin_is_torchs_lstm_cell_with_the_gate_blocks_reordered():
    """The twin's gate order i, f, o, g against torch.nn.LSTMCell's i, f, g, o: the same numbers once the
    weight blocks are moved, so the twin is the interface's LSTM and not a second guess of it."""
    case = next(c for c in CASES if c.id == "lstm_step")
    inp = case.inputs
    H = inp["prev_h"].shape[1]
    order = np.r_[0:H, H:2 * H, 3 * H:4 * H, 2 * H:3 * H]          # torch's i, f, g, o from our i, f, o, g
    cell = torch.nn.LSTMCell(inp["x"].shape[1], H).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(inp["Wx"][:, order].T))
        cell.weight_hh.copy_(torch.tensor(inp["Wh"][:, order].T))
        cell.bias_ih.copy_(torch.tensor(inp["b"][order]))
        cell.bias_hh.zero_()
        h, c = cell(torch.tensor(inp["x"]), (torch.tensor(inp["prev_h"]), torch.tensor(inp["prev_c"])))
    want = reference(LAYERS["lstm_step"], inp, case.upstream)
    np.testing.assert_allclose(want["next_h"], h.numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(want["next_c"], c.numpy(), rtol=1e-13, atol=1e-15)


@needs_torch
def test_rnn_twin_is_torchs_rnn():
    case = next(c for c in CASES if c.id == "rnn")
    inp = case.inputs
    rnn = torch.nn.RNN(inp["x"].shape[2], inp["h0"].shape[1], batch_first=True).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(inp["Wx"].T))
        rnn.weight_hh_l0.copy_(torch.tensor(inp["Wh"].T))
        rnn.bias_ih_l0.copy_(torch.tensor(inp["b"]))
        rnn.bias_hh_l0.zero_()
        h, _ = rnn(torch.tensor(inp["x"]), torch.tensor(inp["h0"])[None])
    want = reference(LAYERS["rnn"], inp, case.upstream)
    np.testing.assert_allclose(want["h"], h.numpy(), rtol=1e-13, atol=1e-15)


@needs_torch
def test_max_pool_tie_goes_to_the_first_maximum_as_torch():
    """A window with two equal maxima: torch gives the gradient to the first in row-major order, and so
    does the solution (one case said as such; the designed cases have no ties)."""
    x = np.array([[[[1.0, 3.0, 3.0, 0.5], [3.0, -1.0, 2.0, 3.0]]]])           # (1, 1, 2, 4), ties in both
    case = Case("max_pool-tie", "max_pool", {"x": x, "pool_param": {"pool_height": 2, "pool_width": 2,
                                                                    "stride": 2}},
                {"out": np.array([[[[2.0, -5.0]]]])})
    assert_agrees(load(SOLUTIONS[1]), case)
    dx = run_file(load(SOLUTIONS[1]), LAYERS["max_pool"], case.inputs, case.upstream)["dx"]
    assert dx[0, 0].tolist() == [[0.0, 2.0, -5.0, 0.0], [0.0, 0.0, 0.0, 0.0]]


def test_dropout_mask_is_drawn_as_cs231n_draws_it():
    """np.random.seed(seed), then keep where np.random.rand(*x.shape) < p, scaled by 1/p."""
    case = next(c for c in CASES if c.id == "dropout-train")
    module = load(SOLUTIONS[0])
    out, _ = module.dropout_forward(case.inputs["x"], dict(case.inputs["dropout_param"]))
    np.random.seed(7)
    keep = np.random.rand(5, 6) < 0.6
    np.testing.assert_array_equal(out, np.where(keep, case.inputs["x"] / 0.6, 0.0))
    assert 0 < keep.sum() < keep.size


def test_each_template_has_its_solutions_functions_and_signatures():
    for template, solution in zip(TEMPLATES, SOLUTIONS):
        ours, theirs = load(template), load(solution)
        public = {n: inspect.signature(f) for n, f in inspect.getmembers(theirs, inspect.isfunction)
                  if any(n in (layer.forward, layer.backward) for layer in LAYERS.values())}
        mine = {n: inspect.signature(f) for n, f in inspect.getmembers(ours, inspect.isfunction)}
        assert mine == public, template.name
        assert layers_in(ours) == layers_in(theirs)


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.stem for t in TEMPLATES])
def test_template_bodies_are_to_fill_in_and_give_nothing_away(template):
    module = load(template)
    text = template.read_text()
    assert "solution" not in text.lower()
    for name, function in inspect.getmembers(module, inspect.isfunction):
        doc = inspect.getdoc(function)
        assert doc and all(re.search(rf"\b{p}\b", doc) for p in inspect.signature(function).parameters
                           if p not in ("cache", "verbose")), f"{name}: a parameter its docstring does not name"
        args = [None] * len(inspect.signature(function).parameters)
        with pytest.raises(NotImplementedError, match=name):
            function(*args)


def test_the_interface_doc_gives_every_function_with_the_solutions_signature():
    """docs/layers-interface.md's tables name each function as `name(args)`: the same arguments, in the same
    order, as the solutions define it, and no function is left out."""
    doc = (ROOT / "docs" / "layers-interface.md").read_text(encoding="utf-8")
    documented = {m[0]: [a.split("=")[0].strip() for a in m[1].split(",")]
                  for m in re.findall(r"^\| `(\w+)\(([^)]*)\)`", doc, flags=re.M)}
    expected = {}
    for path in SOLUTIONS:
        for name, function in inspect.getmembers(load(path), inspect.isfunction):
            if any(name in (layer.forward, layer.backward) for layer in LAYERS.values()):
                expected[name] = list(inspect.signature(function).parameters)
    assert documented == expected
