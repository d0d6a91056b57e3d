"""`python -m compare explain` with the loss's conventions: every value against torch's autograd of the loss
written out (tests/conventions_reference.py), the formulas read back and evaluated (so the formula shown is the
one used: delta with or without 1/B, dW with + lambda W, the loss with its penalty), exit 0 when both sides
agree and the verdict printed once, and `--backward FILE.py` with a file that follows the conventions or not."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from compare.cli.cmd_explain import main as explain_main  # noqa: E402
from compare.usercode.explain import explain  # noqa: E402
from tests.conventions_reference import BCE_SUM, BCE_SUM_ALL, CONVENTIONS, loss_and_gradients  # noqa: E402
from tests.test_conventions_commands import experiment_of  # noqa: E402

FILES = Path(__file__).parent / "conventions_files"
CASES = {"default": ([], {}), **CONVENTIONS, "bce-sum": BCE_SUM, "bce-sum+sum+l2": BCE_SUM_ALL}
RUN = ["exercise3", "--mode", "minibatch", "--epochs", "3"]


def _penalty_coefficient(formula: str, name: str) -> float:
    """The lambda of `+ lambda NAME` in a formula, 0 when there is none."""
    found = re.search(rf"\+ ([0-9.e+-]+) {name}\d", formula)
    return float(found.group(1)) if found else 0.0


def _data_term(e, A, T):
    """Per-sample losses from the loss's definition (numpy, float64)."""
    K = T.shape[1]
    if e.loss == "sum":
        return ((T - A) ** 2).sum(1) / 2
    if e.loss == "mean":
        return ((T - A) ** 2).sum(1) / (2 * K)
    if e.loss == "bce":
        return -(T * np.log(A) + (1 - T) * np.log(1 - A)).sum(1) / (K if e.bce_outputs == "mean" else 1)
    return -(T * np.log(A)).sum(1)


@pytest.mark.parametrize("update", [1, 4])
@pytest.mark.parametrize("case", list(CASES))
def test_every_value_is_torch_autograd_of_the_loss_with_its_conventions(case, update):
    flags, _ = CASES[case]
    e = experiment_of([*RUN, *flags])
    ex = explain(e, update)
    assert ex.first_difference() is None
    rows = np.array(ex.samples)
    W = [ex.get(f"W{l}", "before").torch for l in range(1, e.n_layers + 1)]
    b = [ex.get(f"b{l}", "before").torch for l in range(1, e.n_layers + 1)]
    loss, dW, db, dZ = loss_and_gradients(e, W, b, rows)
    B = len(rows)
    np.testing.assert_allclose(ex.get("L").numpy[0, 0], loss, rtol=1e-12)
    np.testing.assert_allclose(ex.get("L").torch[0, 0], loss, rtol=1e-12)
    for l in range(e.n_layers):
        per_sample = dZ[l] * (B if e.reduction == "mean" else 1)   # dL_i/dZ: the batch mean divides by B
        q = ex.get(f"delta{l + 1}")
        np.testing.assert_allclose(q.numpy, per_sample, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(q.torch, per_sample, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(q.torch_raw, dZ[l], rtol=1e-10, atol=1e-15)
        for name, ref in ((f"dW{l + 1}", dW[l]), (f"db{l + 1}", db[l])):
            np.testing.assert_allclose(ex.get(name).numpy, ref, rtol=1e-10, atol=1e-15)
            np.testing.assert_allclose(ex.get(name).torch, ref, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("case", list(CASES))
def test_the_formulas_shown_are_the_ones_used(case):
    """Each gradient's and the loss's formula, read back (its 1/B, its + lambda W, its penalty) and evaluated
    on the printed A, delta and W, gives autograd's number."""
    flags, keys = CASES[case]
    e = experiment_of([*RUN, *flags])
    ex = explain(e, 2)
    rows = np.array(ex.samples)
    L = e.n_layers
    W = [ex.get(f"W{l}", "before").torch for l in range(1, L + 1)]
    b = [ex.get(f"b{l}", "before").torch for l in range(1, L + 1)]
    loss, dW, db, _ = loss_and_gradients(e, W, b, rows)
    B = len(rows)
    for l in range(1, L + 1):
        A_prev = ex.get(f"A{l - 1}", "forward").torch if l > 1 else ex.get("X").torch
        delta = ex.get(f"delta{l}").torch
        f_dW, f_db = ex.get(f"dW{l}").formula, ex.get(f"db{l}").formula
        n = B if "/ B" in f_dW else 1
        assert ("/ B" in f_db) == ("/ B" in f_dW) == (keys.get("reduction", "mean") == "mean")
        assert _penalty_coefficient(f_dW, "W") == keys.get("l2", 0.0)
        assert _penalty_coefficient(f_db, "b") == (keys.get("l2", 0.0) if keys.get("l2_biases") else 0.0)
        np.testing.assert_allclose(A_prev.T @ delta / n + _penalty_coefficient(f_dW, "W") * W[l - 1], dW[l - 1],
                                   rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(delta.sum(0, keepdims=True) / n + _penalty_coefficient(f_db, "b") * b[l - 1],
                                   db[l - 1], rtol=1e-10, atol=1e-15)
    f_loss = ex.get("L").formula
    data = _data_term(e, ex.get(f"A{L}", "forward").torch, ex.get("T").torch)
    total = data.mean() if f_loss.startswith("L = (1/B) sum_i") else (data.sum() if f_loss.startswith("L = sum_i")
                                                                        else np.nan)
    found = re.search(r"\+ \(([0-9.e+-]+)/2\) sum_l (\S+)", f_loss)
    if found:
        squares = sum((w ** 2).sum() for w in W) + (sum((c ** 2).sum() for c in b) if "|b_l|^2" in f_loss else 0)
        total += float(found.group(1)) / 2 * squares
    assert ("|b_l|^2" in f_loss) == bool(keys.get("l2_biases"))
    np.testing.assert_allclose(total, loss, rtol=1e-12)
    if e.loss == "bce":
        out = ex.get(f"delta{L}").formula
        assert ("/ K" in out) == (keys.get("bce_outputs", "mean") == "mean")


def run_cli(capsys, *argv):
    code = explain_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", list(CASES))
def test_agreement_exits_0_with_the_verdict_once(case, capsys):
    flags, _ = CASES[case]
    code, out, err = run_cli(capsys, *RUN, *flags)
    assert code == 0 and err == ""
    assert out.count("numpy and torch agree on every quantity") == 1 and "first difference" not in out
    code, out, err = run_cli(capsys, *RUN, *flags, "--quiet")
    assert code == 0 and err == "" and len(out.strip().splitlines()) == 1 and "agree" in out


def test_the_backward_section_says_how_torch_delta_is_shown(capsys):
    _, out, _ = run_cli(capsys, *RUN, "--reduction", "sum")
    assert "torch's column is autograd's dL/dZ itself" in out and "B x autograd" not in out
    _, out, _ = run_cli(capsys, *RUN)
    assert "torch's column is B x autograd's dL/dZ" in out


def test_json_carries_the_conventions_and_autograd_dz(capsys):
    flags, keys = CONVENTIONS["sum+l2-biases"]
    code, out, _ = run_cli(capsys, *RUN, *flags, "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True
    assert data["conventions"] == {"reduction": "sum", "bce_outputs": "mean", "l2": 0.2, "l2_biases": True,
                                   "mse_scale": 0.5}
    delta = [q for q in data["quantities"] if q["name"] == "delta3"][0]
    assert delta["torch"] == delta["torch_dL_dZ"]      # the summed loss: autograd's dL/dZ is the delta itself


@pytest.mark.parametrize("case", ["sum", "l2-biases", "sum+l2-biases", "bce-sum+sum+l2"])
def test_a_file_that_follows_the_conventions_agrees(case, capsys):
    flags, _ = CASES[case]
    code, out, err = run_cli(capsys, *RUN, "--update", "3", *flags, "--backward",
                             str(FILES / "conventions_solution.py"))
    assert code == 0 and err == "" and "yours, numpy and torch agree" in out


@pytest.mark.parametrize("file,flags,first", [
    ("wrong_l2_missing.py", ["--l2", "0.3"], "dW3"),
    ("wrong_always_mean.py", ["--reduction", "sum"], "dW3"),
])
def test_a_file_that_ignores_a_convention_is_marked_once_exit_1(file, flags, first, capsys):
    code, out, err = run_cli(capsys, *RUN, *flags, "--backward", str(FILES / file))
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and f"first difference at {first}[" in err
    assert "first difference at" not in out         # the verdict once: on stderr
    marked = [block for block in out.split("\n\n") if "FIRST DIFFERENCE" in block]
    assert len(marked) == 1 and marked[0].lstrip("\n").startswith(f"{first} = ")
    code, out, err = run_cli(capsys, *RUN, *flags, "--backward", str(FILES / file), "--quiet")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    # the same file is right where the convention is off: the test bites on the convention alone
    code, _, _ = run_cli(capsys, *RUN, "--backward", str(FILES / file), "--quiet")
    assert code == 0


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_every_optimizer_steps_on_the_penalised_summed_gradient(optimizer, dtype):
    from tests.conventions_reference import first_step
    flags, _ = CONVENTIONS["sum+l2-biases"]
    e = experiment_of([*RUN, "--optimizer", optimizer, "--lr", "0.01", "--dtype", dtype, *flags])
    ex = explain(e, 1)
    assert ex.first_difference() is None
    rows = np.array(ex.samples)
    W = [ex.get(f"W{l}", "before").torch for l in range(1, e.n_layers + 1)]
    b = [ex.get(f"b{l}", "before").torch for l in range(1, e.n_layers + 1)]
    _, dW, db, _ = loss_and_gradients(e, W, b, rows)
    rtol = 1e-9 if dtype == "float64" else 1e-4
    for l in range(e.n_layers):
        for name, before, g in ((f"W{l + 1}", W[l], dW[l]), (f"b{l + 1}", b[l], db[l])):
            after = ex.get(name, "update")
            np.testing.assert_allclose(after.torch, first_step(e, before, g), rtol=rtol, atol=rtol * 1e-2)
            np.testing.assert_allclose(after.numpy, first_step(e, before, g), rtol=rtol, atol=rtol * 1e-2)
