"""`python -m compare check`: the shipped solution passes, the template and every kind of bad file get exit 2
and one clear line (a user's exception: their traceback only), NaN gets exit 1 with the update named, and
the CLI and the Python API say the same thing."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import compare
from compare.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = str(ROOT / "examples" / "backprop_solution.py")
TEMPLATE = str(ROOT / "examples" / "backprop_template.py")
GOOD_BODY = """
    B = targets.shape[0]
    A = activations[-1]
    delta = (A - targets) * A * (1 - A)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = activations[l].T @ delta / B
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l > 0:
            delta = (delta @ weights[l].T) * activations[l] * (1 - activations[l])
"""


def write(tmp_path: Path, text: str, name: str = "mine.py") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def backward_file(tmp_path: Path, ending: str, before: str = "") -> str:
    return write(tmp_path, "import numpy as np\n" + before + "\ndef backward(weights, biases, activations, targets):"
                 + GOOD_BODY + "    " + ending + "\n")


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("preset, mode", [("exercise3", "all"), ("hiring", "stochastic"), ("exercise1", "batch"),
                                          ("exercise2", "batch"), ("xor", "all"), ("blobs", "batch")])
def test_solution_passes(preset, mode, capsys):
    code, out, err = run(["check", SOLUTION, preset, "--mode", mode, "--epochs", "40", "--quiet"], capsys)
    assert code == 0, err
    assert out.count("check OK") == (3 if mode == "all" else 1)


def test_solution_passes_with_loss_mean_on_several_outputs(capsys):
    code, _, err = run(["check", SOLUTION, "exercise1", "--loss", "mean", "--epochs", "40", "--quiet"], capsys)
    assert code == 0, err


def test_template_is_not_implemented(capsys):
    code, out, err = run(["check", TEMPLATE, "--epochs", "3"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "backward is not implemented yet" in err and "line " in err
    assert "Traceback" not in err


def one_line_error(argv, capsys, *fragments):
    code, out, err = run(argv, capsys)
    assert code == 2, err
    assert out == "" or "--json" not in argv
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ")
    for fragment in fragments:
        assert fragment in last, last
    return err


def test_missing_file(capsys, tmp_path):
    err = one_line_error(["check", str(tmp_path / "nope.py")], capsys, "no such file")
    assert err.count("\n") == 1


def test_no_backward(capsys, tmp_path):
    path = write(tmp_path, "def forward(weights, biases, X):\n    return [X]\n")
    one_line_error(["check", path], capsys, "defines no function `backward(")


@pytest.mark.parametrize("source, fragments", [
    ("def backward(weights, biases, activations, targets)\n    return 1\n", ["does not import (SyntaxError"]),
    ("import numpy as np\nHALF = 1 / 0\n", ["does not import (ZeroDivisionError"]),
    ("import not_a_module_anyone_has\n", ["does not import (ModuleNotFoundError"]),
])
def test_file_that_does_not_import_shows_only_its_own_traceback(source, fragments, capsys, tmp_path):
    path = write(tmp_path, source)
    err = one_line_error(["check", path], capsys, *fragments)
    assert "mine.py" in err.splitlines()[0] or "mine.py" in err
    assert "compare/" not in err and "importlib" not in err


def test_exception_inside_backward_shows_only_the_users_frames(capsys, tmp_path):
    path = write(tmp_path, """
        import numpy as np

        def helper(delta):
            raise ValueError("boom in my helper")

        def backward(weights, biases, activations, targets):
            return helper(activations[-1] - targets)
        """)
    err = one_line_error(["check", path, "--epochs", "2"], capsys, "backward raised ValueError: boom in my helper",
                         "at update 1")
    assert "Traceback (most recent call last)" in err
    assert "in helper" in err and "in backward" in err
    assert "compare/" not in err and "numpy_impl/" not in err


@pytest.mark.parametrize("ending, fragment", [
    ("return dW", "its return value has 3 items; expected 2: (dW, db)"),
    ("return dW, db, 0", "its return value has 3 items; expected 2"),
    ("return dW[:2], db", "dW has 2 items; expected 3"),
    ("return [w.tolist() for w in dW], db", "dW[0] (the gradient of W1) is a list; expected a NumPy array"),
    ("return dW, [b.reshape(-1, 1) for b in db]", "db[0] (the gradient of b1) has shape (2, 1); expected (1, 2)"),
    ("return np.array(1.0), db", "dW is a NumPy array; expected a list or tuple of 3"),
    ("return dW, 'db'", "db is a str"),
])
def test_wrong_return_values(ending, fragment, capsys, tmp_path):
    path = backward_file(tmp_path, ending)
    err = one_line_error(["check", path, "--epochs", "2"], capsys, fragment)
    assert err.count("\n") == 1


def test_bias_gradient_of_shape_n_is_accepted(capsys, tmp_path):
    path = backward_file(tmp_path, "return dW, [b.reshape(-1) for b in db]")
    code, _, err = run(["check", path, "--epochs", "5", "--quiet"], capsys)
    assert code == 0, err


def test_nan_is_a_disagreement_at_the_update_where_it_appears(capsys, tmp_path):
    # NaN only on Wang Wu's sample (index 2): in sequential stochastic order that is update 3
    path = backward_file(tmp_path, "return [dW[0] * np.nan if np.any(np.all(activations[0] == [0.1, 0.1], axis=1)) "
                                   "else dW[0]] + dW[1:], db")
    code, out, err = run(["check", path, "exercise3", "--order", "sequential", "--epochs", "2"], capsys)
    assert code == 1
    assert "update 3 (epoch 0, batch 2, samples [2]), stage gradient: layer 1, dW1[" in err
    assert "yours nan" in err and "NaN in dW1" in err


def test_the_users_file_cannot_change_our_arrays(capsys, tmp_path):
    path = backward_file(tmp_path, "return dW, db",
                         before="")
    text = Path(path).read_text().replace("    return dW, db", "    for a in activations + weights + biases:\n"
                                          "        a[...] = 0\n    targets[...] = 0\n    return dW, db")
    Path(path).write_text(text)
    code, _, err = run(["check", path, "--epochs", "5", "--quiet"], capsys)
    assert code == 0, err


def test_cli_and_api_say_the_same(capsys):
    zoo = ROOT / "tests" / "zoo" / "mse_not_halved.py"
    code, out, err = run(["check", str(zoo), "exercise3", "--mode", "minibatch", "--epochs", "3", "--json"], capsys)
    assert code == 1
    from compare.usercode.load import load_user_code
    with pytest.raises(compare.ParityError) as caught:
        compare.check("exercise3", backward=load_user_code(zoo).backward, mode="minibatch", epochs=3)
    assert err.strip() == str(caught.value)
    assert isinstance(caught.value, AssertionError)
    failure = json.loads(out)["parity"]["failure"]
    assert failure == json.loads(json.dumps(caught.value.failure.as_json()))
    for key in ("stage", "layer", "parameter", "element", "yours", "torch", "hints", "update", "epoch", "batch",
                "samples"):
        assert key in failure


def test_json_stdout_is_only_json_even_if_the_file_prints(capsys, tmp_path):
    path = backward_file(tmp_path, "print('debugging', B)\n    return dW, db")
    code, out, err = run(["check", path, "--epochs", "3", "--json"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["parity"]["ok"] and report["updates"] == 3
    assert "debugging" in err


def test_api_returns_a_report_and_takes_a_forward():
    import importlib.util
    spec = importlib.util.spec_from_file_location("solution", SOLUTION)
    solution = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solution)
    report = compare.check("exercise3", backward=solution.backward, forward=solution.forward, mode="batch",
                           epochs=20)
    assert report.ok and report.updates_checked == 20 and report.max_abs_diff < 1e-14
    assert report.history.final_weights[0].shape == (2, 2)
