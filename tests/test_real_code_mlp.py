"""Real public backprop code, each behind the adapter it was checked with: the verdict, the place and the
hints of `python -m compare check FILE.py` (with the flag of its convention where it has one). The fixtures in
tests/real_code/ are recipes written by us from the real files (Nielsen's network.py and network2.py,
ML-From-Scratch's layers, cs231n TwoLayerNet / FullyConnectedNet solutions, deeplearning.ai L_model helpers;
each header names its repository, path, commit and licence, and what the real file got). The oracle is torch's
autograd: the shipped recordings, or torch live for a convention; each expectation was derived by hand from the
real code (a factor, a term, a mask) and matches what the real file got, number for number."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from compare.usercode.load import load_user_code
from compare.usercode.suite_run import run_suite

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "real_code"

# fixture: conventions it is checked with -> the suite's verdict: OK, with the experiments that must have run
RIGHT = {
    "mlp_nielsen_network": ({}, {"batches", "square", "long"}),
    "mlp_nielsen_network2": ({"bce_outputs": "sum"}, {"batches", "square", "long", "loss-bce"}),
    "mlp_cs231n_tln_half_reg": ({"l2": 0.05}, {"batches", "square", "long"}),
    "mlp_cs231n_fcn_reg_biases": ({"l2": 0.05, "l2_biases": True}, {"batches", "square", "long"}),
    "mlp_dlai_utils": ({"bce_outputs": "sum"}, {"batches", "square", "long"}),
    "mlp_nnfs_book": ({"mse_scale": 1}, {"batches", "square", "long", "loss-mean", "loss-bce", "cross-entropy"}),
}
# fixture: (conventions, first failing experiment, layer, parameter, words in the hints, words in no hint)
WRONG = {
    "mlp_nielsen_network2": ({}, "loss-bce", 3, "W3", ["check it with --bce-outputs sum"], []),
    "mlp_mlfromscratch": ({}, "batches", 3, "W3", ["check it with --reduction sum"], []),
    "mlp_cs231n_tln_half_reg": ({}, "batches", 2, "W2", ["check it with --l2 0.05", "the whole difference"],
                                ["--l2-biases", "consequence of the wrong delta"]),
    "mlp_cs231n_tln_no_relu_mask": ({}, "batches", 1, "W1", ["derivative of layer 1's activation (relu) is missing"],
                                    ["activation identity", "does your backward read"]),
    "mlp_cs231n_fcn_reg_sum": ({}, "batches", 2, "W2", ["the same number added to each (= 0.05 x sum(W2))",
                                                        "reg * np.sum(W) in place of reg * W"], ["L2 term"]),
    "mlp_cs231n_fcn_reg_biases": ({}, "batches", 3, "W3", ["check it with --l2 0.05 --l2-biases",
                                                           "and is the whole difference"], ["consequence"]),
    "mlp_dlai_utils": ({}, "batches", 3, "W3", ["check it with --bce-outputs sum"], []),
    "mlp_dlai_relu_flipped": ({"bce_outputs": "sum"}, "batches", 2, "W2", ["the relu's mask in delta2 is inverted"],
                              []),
    "mlp_nnfs_book": ({}, "loss-mean", 3, "W3", ["MSE instead of MSE/2", "torch's MSELoss and nnfs'",
                                                  "check it with --mse-scale 1"], ["`mse_scale`"]),
}
# under torch live: (conventions, first failing experiment, layer, parameter, words in the hints)
WRONG_LIVE = {
    "mlp_mlfromscratch": ({"reduction": "sum", "bce_outputs": "sum"}, "hidden-leaky_relu", 3, "W3",
                          ["right for the leaky_relu slope 0.2 (in the forward your backward recomputes",
                           "takes no `leaky_slope`"]),
    "mlp_cs231n_fcn_reg_sum": ({"l2": 0.05}, "batches", 3, "W3", ["the L2 term is missing"]),
    "mlp_cs231n_fcn_reg_biases": ({"l2": 0.05}, "batches", 3, "b3", ["the L2 term on the biases too",
                                                                     "check it with --l2-biases as well"]),
}


def _suite(name: str, conventions: dict):
    if conventions:
        pytest.importorskip("torch")
    return run_suite(load_user_code(REAL / f"{name}.py"), jobs=1, conventions=conventions)


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_real_code_that_is_right_gets_ok_with_its_flag(name):
    conventions, ran = RIGHT[name]
    report = _suite(name, conventions)
    assert report.ok and report.exit_code == 0, str(report)
    assert ran <= {r.name for r in report.results if r.status == "ok"}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_real_code_fails_where_the_derivation_says_with_right_hints(name):
    conventions, experiment, layer, parameter, words, never = WRONG[name]
    report = _suite(name, conventions)
    failed = report.first_failure
    assert report.exit_code == 1 and failed is not None, str(report)
    f = failed.failure
    assert (failed.name, f.stage, f.layer, f.parameter) == (experiment, "gradient", layer, parameter), f.message
    hints = " | ".join(f.hints)
    for word in words:
        assert word in hints, hints
    for word in never:
        assert word not in hints, hints


@pytest.mark.parametrize("name", sorted(WRONG_LIVE))
def test_real_code_under_its_convention_fails_where_it_should(name):
    conventions, experiment, layer, parameter, words = WRONG_LIVE[name]
    report = _suite(name, conventions)
    failed = report.first_failure
    assert report.exit_code == 1 and failed is not None, str(report)
    f = failed.failure
    assert (failed.name, f.layer, f.parameter) == (experiment, layer, parameter), f.message
    for word in words:
        assert word in " | ".join(f.hints)


def _check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "compare", "check", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_a_raise_in_the_only_setting_a_file_supports_is_an_error_with_its_traceback_and_where():
    done = _check(str(REAL / "mlp_cs231n_tln_no_bias_grads.py"))
    assert done.returncode == 2 and done.stdout == ""
    assert "KeyError: 'b1'" in done.stderr and 'grads["b1"]' in done.stderr    # the user's line, shown
    last = done.stderr.strip().splitlines()[-1]
    assert "backward raised KeyError: 'b1' at update 1, run in hidden relu, output softmax" in last
    assert "raised backward raised" not in done.stderr and "no experiment of the check suite ran" not in last


def test_a_one_output_network_is_pointed_to_the_sizes_it_supports_and_they_pass(tmp_path):
    done = _check(str(REAL / "mlp_dlai_one_output.py"))
    assert done.returncode == 2
    assert "raised NotImplementedError on every network of the check suite" in done.stderr
    assert "fill in its formulas" not in done.stderr
    command = "--sizes 3,5,4,1 --hidden-activation relu --loss bce"
    assert command in done.stderr
    pytest.importorskip("torch")
    ok = _check(str(REAL / "mlp_dlai_one_output.py"), *command.split(), "--epochs", "3", "--quiet")
    assert ok.returncode == 0, ok.stderr
    unguarded = tmp_path / "model.py"      # without the adapter's guard: the course's own assert, shown
    unguarded.write_text((REAL / "mlp_dlai_one_output.py").read_text().replace("GUARD = True", "GUARD = False"))
    done = _check(str(unguarded))
    assert done.returncode == 2 and "assert AL.shape == (1, X.shape[1])" in done.stderr
    assert "backward raised AssertionError at update 1, run in hidden relu, output sigmoid, loss bce" in done.stderr


def test_a_library_missing_inside_a_files_own_package_names_the_file_that_imports_it(tmp_path):
    # cs231n's classifiers/__init__.py imports k_nearest_neighbor.py, which imports past.builtins (the `future`
    # package); ML-From-Scratch's deep_learning/__init__.py imports terminaltables
    package = tmp_path / "cs231n" / "classifiers"
    package.mkdir(parents=True)
    (tmp_path / "cs231n" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("from cs231n.classifiers.k_nearest_neighbor import *\n")
    (package / "k_nearest_neighbor.py").write_text("import numpy as np\nfrom past.builtins import xrange\n")
    (tmp_path / "check_tln.py").write_text("from cs231n.classifiers import k_nearest_neighbor\n\n\n"
                                           "def backward(weights, biases, activations, targets):\n    pass\n")
    done = _check(str(tmp_path / "check_tln.py"))
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert "`past` is imported by cs231n/classifiers/k_nearest_neighbor.py (line 2)" in last
    assert "install it where you run the check" in last and "put past.py" not in last


def test_isolated_a_single_file_whose_package_lies_beside_it_is_told_to_send_the_folder(tmp_path):
    (tmp_path / "cs231n").mkdir()
    (tmp_path / "cs231n" / "__init__.py").write_text("")
    (tmp_path / "cs231n" / "net.py").write_text("import numpy as np\n")
    (tmp_path / "check_tln.py").write_text("from cs231n import net\n\n\n"
                                           "def backward(weights, biases, activations, targets):\n    pass\n")
    done = _check(str(tmp_path / "check_tln.py"), "--isolate", "--sandbox", "none")
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert "`cs231n` lies beside it (cs231n/ in" in last and "give the folder holding both" in last
    assert "include cs231n.py" not in last


def test_nnfs_regularisers_on_weights_and_biases_are_l2_with_biases_and_the_mse_factor_stays_named(tmp_path):
    pytest.importorskip("torch")
    path = tmp_path / "nnfs_reg.py"      # Layer_Dense(..., weight_regularizer_l2=0.05, bias_regularizer_l2=0.05)
    path.write_text((REAL / "mlp_nnfs_book.py").read_text().replace("REG = 0.0", "REG = 0.05"))
    report = run_suite(load_user_code(path), jobs=1, conventions={"l2": 0.1, "l2_biases": True})
    ok = {r.name for r in report.results if r.status == "ok"}
    assert {"batches", "square", "long", "loss-bce", "cross-entropy"} <= ok, str(report)
    failed = report.first_failure
    assert failed.name == "loss-mean" and failed.failure.parameter == "W3"
    hints = " | ".join(failed.failure.hints)
    assert "apart from the L2 term" in hints and "MSE instead of MSE/2" in hints and "--mse-scale 1" in hints
    report = run_suite(load_user_code(path), jobs=1, conventions={"l2": 0.1, "l2_biases": True, "mse_scale": 1})
    assert report.ok and "loss-mean" in {r.name for r in report.results if r.status == "ok"}, str(report)


def test_a_file_with_a_relative_import_is_told_to_be_checked_from_beside_its_package(tmp_path):
    # cs231n's fast_layers.py (2020): `from .im2col import *`
    package = tmp_path / "cs231n"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "im2col.py").write_text("")
    (package / "fast_layers.py").write_text("from .im2col import *\n\n\ndef affine_forward(x, w, b):\n"
                                            "    return x @ w + b, None\n")
    done = _check(str(package / "fast_layers.py"))
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert "fast_layers.py uses a relative import" in last and "beside the folder cs231n/" in last


def test_layer_functions_of_another_interface_are_named_as_such(tmp_path):
    # deeplearning.ai course 4 week 1: conv_forward(A_prev, W, b, hparameters), (m, n_H, n_W, n_C) layout
    (tmp_path / "cnn.py").write_text("def conv_forward(A_prev, W, b, hparameters):\n    return None, None\n\n\n"
                                     "def conv_backward(dZ, cache):\n    return None, None, None\n")
    done = _check(str(tmp_path / "cnn.py"))
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert "defines no function `backward(" in last
    assert "its functions conv_backward, conv_forward are no layer the check knows" in last
    assert "conv_forward_naive(x, w, b, conv_param)" in last


def test_a_module_missing_from_a_package_that_is_there_is_named_with_its_importer(tmp_path):
    # cs231n 2025: classifiers/fc_net.py imports layer_utils, a file of the package left behind
    package = tmp_path / "cs231n" / "classifiers"
    package.mkdir(parents=True)
    (tmp_path / "cs231n" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "fc_net.py").write_text("import numpy as np\n\nfrom cs231n.layer_utils import *\n")
    (tmp_path / "check_fcn.py").write_text("from cs231n.classifiers.fc_net import *\n\n\n"
                                           "def backward(weights, biases, activations, targets):\n    pass\n")
    done = _check(str(tmp_path / "check_fcn.py"))
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert "`cs231n.layer_utils`, imported by cs231n/classifiers/fc_net.py (line 3), is not in the package" in last
    assert "no cs231n/layer_utils.py" in last
