"""The convention `mse_scale` (`--mse-scale`): the MSE losses' factor of (t - a)^2, 0.5 (the lesson's) or 1
(torch's `nn.MSELoss`, Keras, the nnfs book). The oracle is torch's autograd of `nn.MSELoss`, written out here
(no code of ours); then the nnfs-style file passes with the flag and fails without it with the hint that
names it, the lesson's file gets the reverse hint, a wrong file fails where it is wrong, and bad values are
one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from compare.cli.cmd_check import main as check_main  # noqa: E402
from compare.cli.cmd_explain import main as explain_main  # noqa: E402
from compare.cli.cmd_gradcheck import main as gradcheck_main  # noqa: E402
from compare.cli.cmd_grade import main as grade_main  # noqa: E402
from compare.cli.main import main as compare_main  # noqa: E402
from compare.usercode.load import load_user_code  # noqa: E402
from compare.usercode.suite_run import run_suite  # noqa: E402
from numpy_impl.__main__ import main as numpy_main  # noqa: E402
from numpy_impl.network import backward, forward  # noqa: E402
from tests.test_conventions_commands import experiment_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NNFS = ROOT / "tests" / "styles" / "nnfs_style.py"
LESSON = ROOT / "examples" / "backprop_solution.py"
NET = ["--sizes", "3,4,2", "--activation", "sigmoid", "--mode", "batch"]
# (loss, reduction) -> torch's own MSELoss for (t - a)^2 with no 1/2: per element mean (loss "mean") or summed
# over the outputs (loss "sum"), then averaged (reduction "mean") or summed (reduction "sum") over the batch
MSE_LOSS = {
    ("mean", "mean"): lambda A, T: torch.nn.MSELoss()(A, T),
    ("sum", "mean"): lambda A, T: torch.nn.MSELoss(reduction="sum")(A, T) / T.shape[0],
    ("mean", "sum"): lambda A, T: torch.nn.MSELoss(reduction="sum")(A, T) / T.shape[1],
    ("sum", "sum"): lambda A, T: torch.nn.MSELoss(reduction="sum")(A, T),
}


def cli(capsys, main, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def torch_gradients(weights, biases, X, T, loss, reduction):
    """(loss, dW, db) of torch's MSELoss through a sigmoid network, by autograd."""
    Ws = [torch.tensor(w, requires_grad=True) for w in weights]
    bs = [torch.tensor(b, requires_grad=True) for b in biases]
    A = torch.tensor(X)
    for W, b in zip(Ws, bs):
        A = torch.sigmoid(A @ W + b)
    value = MSE_LOSS[(loss, reduction)](A, torch.tensor(T))
    value.backward()
    return float(value.detach()), [W.grad.numpy() for W in Ws], [b.grad.numpy() for b in bs]


@pytest.mark.parametrize("loss", ["sum", "mean"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_numpy_gradients_are_torch_autograd_of_mse_loss(loss, reduction):
    rng = np.random.default_rng(7)
    sizes = (3, 5, 4, 2)
    weights = [rng.normal(size=(a, b)) for a, b in zip(sizes, sizes[1:])]
    biases = [rng.normal(size=(1, b)) for b in sizes[1:]]
    X, T = rng.normal(size=(6, 3)), rng.uniform(size=(6, 2))
    value, tW, tb = torch_gradients(weights, biases, X, T, loss, reduction)
    Zs, activations = forward(weights, biases, X)
    dW, db = backward(weights, Zs, activations, T, loss=loss, reduction=reduction, mse_scale=1.0)
    for ours, theirs in zip(dW + db, tW + tb):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    half = backward(weights, Zs, activations, T, loss=loss, reduction=reduction)   # the lesson's: half of it
    np.testing.assert_allclose(half[0][-1] * 2, tW[-1], rtol=1e-12)
    from numpy_impl.losses import value as numpy_value
    assert numpy_value(loss, Zs[-1], activations[-1], T, reduction=reduction, mse_scale=1.0) == pytest.approx(
        value, rel=1e-12)


@pytest.mark.parametrize("loss", ["sum", "mean"])
def test_a_few_updates_in_lockstep_are_torch_sgd_on_mse_loss(loss, capsys):
    argv = [*NET, "--loss", loss, "--mse-scale", "1", "--epochs", "4", "--report-every", "1"]
    code, out, err = cli(capsys, compare_main, *argv, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["conventions"]["mse_scale"] == 1.0 and data["parity"]["ok"]
    e = experiment_of(argv)
    Ws = [torch.tensor(np.array(w), requires_grad=True) for w in e.init_weights]
    bs = [torch.tensor(np.array(b), requires_grad=True) for b in e.init_biases]
    X, T = torch.tensor(np.array(e.inputs)), torch.tensor(np.array(e.targets))

    def outputs():
        A = X
        for W, b in zip(Ws, bs):
            A = torch.sigmoid(A @ W + b)
        return A

    sgd = torch.optim.SGD(Ws + bs, lr=e.lr)
    for _ in range(4):
        sgd.zero_grad()
        MSE_LOSS[(loss, "mean")](outputs(), T).backward()
        sgd.step()
    theirs = outputs().detach().numpy()
    np.testing.assert_allclose(data["outputs"], theirs, rtol=1e-12, atol=0)
    # numpy_impl alone trains the same
    code, out, err = cli(capsys, numpy_main, *argv, "--json")
    assert code == 0, err
    np.testing.assert_allclose(json.loads(out)["outputs"], theirs, rtol=1e-12, atol=0)
    # the log stays the lesson's mean((T - A)^2 / 2), not MSELoss's mean((T - A)^2)
    lesson = float(np.mean((theirs - np.array(e.targets)) ** 2 / 2))
    assert data["loss_log"][-1] == [3, pytest.approx(lesson, rel=1e-12)]


def _suite(path, **conventions):
    return run_suite(load_user_code(path), jobs=1, conventions=conventions)


def test_an_nnfs_style_file_passes_with_the_flag_and_fails_without_it_with_the_hint():
    report = _suite(NNFS, mse_scale=1)
    assert report.ok, str(report)
    assert {"loss-mean", "batches", "square", "long"} <= {r.name for r in report.results if r.status == "ok"}
    failed = _suite(NNFS).first_failure
    assert failed is not None and failed.name == "loss-mean"
    f = failed.failure
    assert (f.stage, f.layer, f.parameter) == ("gradient", 3, "W3")
    hints = " | ".join(f.hints)
    assert "torch's x 2" in hints and "MSE instead of MSE/2" in hints and "check it with --mse-scale 1" in hints
    assert "`mse_scale`" not in hints          # the file takes no such keyword: never asked about it


def test_the_lesson_checked_with_mse_scale_1_gets_the_reverse_hint(capsys):
    code, out, err = cli(capsys, check_main, LESSON, "--mse-scale", "1", "--jobs", "1")
    assert code == 1
    hints = [line for line in out.splitlines() + err.splitlines() if "hint:" in line]
    text = " | ".join(hints)
    assert "torch's x 0.5" in text and "drop --mse-scale 1 if your loss halves" in text
    assert "--mse-scale 1 on purpose" not in text and "`mse_scale`" not in text


KEYWORD_FILE = '''import numpy as np


def backward(weights, biases, activations, targets, mse_scale=0.5):
    B = targets.shape[0]
    delta = FACTOR * (activations[-1] - targets) * activations[-1] * (1 - activations[-1])
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        dW[l] = activations[l].T @ delta / B
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l:
            delta = (delta @ weights[l].T) * activations[l] * (1 - activations[l])
    return dW, db
'''


@pytest.mark.parametrize("factor, keyword", [("2 * mse_scale", True), ("2", False), ("1", True)])
def test_files_are_held_to_the_flag_whether_or_not_they_take_the_keyword(factor, keyword, tmp_path):
    path = tmp_path / "mine.py"
    text = KEYWORD_FILE.replace("FACTOR", factor)
    path.write_text(text if keyword else text.replace(", mse_scale=0.5", ""))
    with_flag, without = _suite(path, mse_scale=1), _suite(path)
    if factor == "2 * mse_scale":          # reads the keyword: right for both
        assert with_flag.ok and without.ok, str(with_flag)
    elif factor == "2":                    # no keyword, always (t - a)^2: right with the flag only
        assert with_flag.ok and not without.ok
        assert "check it with --mse-scale 1" in " | ".join(without.first_failure.failure.hints)
    else:                                  # takes it and ignores it: asked whether it reads it
        assert without.ok and not with_flag.ok
        hints = " | ".join(with_flag.first_failure.failure.hints)
        assert "right for mse_scale 0.5; this experiment uses mse_scale 1" in hints
        assert "read the keyword argument `mse_scale`" in hints


def test_a_wrong_nnfs_file_fails_at_the_right_place_under_the_flag(tmp_path):
    path = tmp_path / "nnfs_wrong.py"      # the sigmoid's derivative taken at its input Z, not at its output
    text = NNFS.read_text().replace("        self.output = 1 / (1 + np.exp(-inputs))",
                                    "        self.inputs, self.output = inputs, 1 / (1 + np.exp(-inputs))")
    path.write_text(text.replace("dvalues * (1 - self.output) * self.output",
                                 "dvalues * (1 - self.inputs) * self.inputs"))
    report = _suite(path, mse_scale=1)
    failed = report.first_failure
    assert failed is not None and failed.name == "loss-mean", str(report)
    assert (failed.failure.layer, failed.failure.parameter) == (3, "W3")
    hints = " | ".join(failed.failure.hints)
    assert "the sigmoid's derivative in delta3 is taken at Z" in hints and "mse-scale" not in hints


def test_gradcheck_explain_and_isolate_use_the_loss_without_its_half(capsys, tmp_path):
    net = ["--sizes", "3,4,2", "--loss", "mean", "--epochs", "3"]
    code, out, err = cli(capsys, gradcheck_main, *net, "--backward", NNFS, "--mse-scale", "1", "--quiet")
    assert code == 0, out + err
    code, out, err = cli(capsys, gradcheck_main, *net, "--backward", NNFS, "--quiet")
    assert code == 1, out + err
    code, out, err = cli(capsys, explain_main, *net, "--mse-scale", "1")
    assert code == 0, err
    assert "delta2 = dL_i/dZ2 = 2 (A2 - T) * A2 * (1 - A2) / K" in out and "(no 1/2: mse_scale 1)" in out
    code, out, err = cli(capsys, check_main, NNFS, "--mse-scale", "1", "--isolate", "--quiet")
    assert code == 0, err
    reads = tmp_path / "reads.py"            # an isolated file that names the keyword receives it
    reads.write_text(KEYWORD_FILE.replace("FACTOR", "2 * mse_scale"))
    code, out, err = cli(capsys, check_main, reads, "--mse-scale", "1", "--isolate", "--quiet")
    assert code == 0, err


def test_grade_applies_a_rubrics_mse_scale_to_the_mse_checks(tmp_path, capsys):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text('[[check]]\nname = "MSELoss"\nsuite = "loss-mean"\nmse_scale = 1\n')
    report = tmp_path / "grades.json"
    code, _, err = cli(capsys, grade_main, NNFS, LESSON, "--rubric", rubric, "--jobs", "1", "--json", report,
                       "--quiet")
    scores = {Path(s["file"]).name: s["score"] for s in json.loads(report.read_text())["submissions"]}
    assert scores == {"nnfs_style.py": 1, "backprop_solution.py": 0}, err
    rubric.write_text('[[check]]\nname = "ce"\nsuite = "cross-entropy"\nmse_scale = 1\n')
    code, _, err = cli(capsys, grade_main, NNFS, "--rubric", rubric, "--jobs", "1", "--quiet")
    assert code == 2 and err.count("\n") == 1 and "mse_scale: applies to the MSE losses only" in err


@pytest.mark.parametrize("value", ["0", "2", "-1", "half", "0.25"])
def test_a_bad_value_is_one_line_exit_2_naming_the_flag(value, capsys):
    code, out, err = cli(capsys, compare_main, "--mse-scale", value, "--show")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--mse-scale" in err and "expected 0.5" in err and "or 1" in err and value.lstrip("-") in err
    code, out, err = cli(capsys, check_main, NNFS, "--mse-scale", value)
    assert code == 2 and out == "" and err.count("\n") == 1 and "--mse-scale" in err


@pytest.mark.parametrize("text", ['"half"', "2", "0", "true", "[1]"])
def test_a_bad_key_in_a_file_names_the_key(text, tmp_path, capsys):
    preset = tmp_path / "mine.toml"
    shown = cli(capsys, compare_main, "--show")[1]
    preset.write_text(shown.replace("[train]\n", f"[train]\nmse_scale = {text}\n"))
    code, out, err = cli(capsys, compare_main, preset, "--quiet")
    assert code == 2 and out == "" and err.count("\n") == 1 and "train.mse_scale" in err and "expected 0.5" in err


@pytest.mark.parametrize("loss", ["bce", "cross_entropy"])
def test_with_a_loss_that_is_not_mse_it_is_exit_2(loss, capsys):
    act = "softmax" if loss == "cross_entropy" else "sigmoid"
    args = ["--sizes", "3,4,2", "--loss", loss, "--output-activation", act]
    code, out, err = cli(capsys, compare_main, *args, "--mse-scale", "1", "--show")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--mse-scale" in err and "applies to the MSE losses" in err and f'"{loss}"' in err
    assert cli(capsys, compare_main, *args, "--mse-scale", "0.5", "--show")[0] == 0   # the default: allowed


def test_show_prints_it_and_loads_back(tmp_path, capsys):
    assert "mse_scale" not in cli(capsys, compare_main, "--show")[1]
    code, shown, _ = cli(capsys, compare_main, "--loss", "mean", "--mse-scale", "1", "--show")
    assert code == 0 and "\nmse_scale = 1.0\n" in shown
    path = tmp_path / "shown.toml"
    path.write_text(shown)
    assert experiment_of([str(path)]).mse_scale == 1.0


def test_the_nnfs_adapter_is_at_most_15_lines_and_is_the_recipe_in_the_docs():
    adapter = NNFS.read_text().split("# --- the adapter", 1)[1].split("\n", 1)[1].strip()
    assert 0 < len([line for line in adapter.splitlines() if line.strip()]) <= 15
    assert adapter in (ROOT / "docs" / "check-interface.md").read_text()


def test_a_classic_mistake_is_still_named_under_the_flag(tmp_path):
    path = tmp_path / "mean_target.py"     # (t - a)^2's gradient 2 (A - T), with the batch's mean target
    path.write_text(KEYWORD_FILE.replace(", mse_scale=0.5", "").replace(
        "FACTOR * (activations[-1] - targets)", "2 * (activations[-1] - targets.mean(axis=0, keepdims=True))"))
    failed = _suite(path, mse_scale=1).first_failure
    assert failed is not None and (failed.name, failed.failure.layer, failed.failure.parameter) == ("batches", 3, "W3")
    assert "delta3: every sample's error uses the batch's MEAN target" in " | ".join(failed.failure.hints)


def test_grades_numpy_reference_records_the_deltas_of_the_loss_with_its_conventions(tmp_path, capsys):
    path = tmp_path / "mean_target_sum.py"   # summed over the batch, 2 (A - T) with the batch's mean target
    path.write_text(KEYWORD_FILE.replace(", mse_scale=0.5", "").replace(" / B\n", "\n").replace(
        "FACTOR * (activations[-1] - targets)", "2 * (activations[-1] - targets.mean(axis=0, keepdims=True))"))
    rubric = tmp_path / "rubric.toml"
    rubric.write_text('[[check]]\nname = "sum"\nsuite = "batches"\nmse_scale = 1\nreduction = "sum"\n')
    report = tmp_path / "grades.json"
    cli(capsys, grade_main, path, "--rubric", rubric, "--reference", "numpy", "--json", report, "--quiet")
    check = json.loads(report.read_text())["submissions"][0]["checks"][0]
    assert check["score"] == 0 and "every sample's error uses the batch's MEAN target" in json.dumps(check)
