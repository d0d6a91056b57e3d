"""The check meets real course code: files written by us in the styles of Nielsen's network.py, cs231n's
TwoLayerNet, deeplearning.ai's L_model_backward and a layered framework (ML-From-Scratch), each behind an
adapter of at most 15 lines, each checked with the flag of its convention; the structure experiments run in
the setting and depth a file supports; wrong files in those styles fail where they should. The oracle is
torch's autograd (the shipped recordings, or torch live for a convention other than torch's default)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from compare.usercode.load import load_user_code
from compare.usercode.suite_run import run_suite
from compare.usercode.suite_verdict import ok_line, verdict

ROOT = Path(__file__).resolve().parents[1]
STYLES = ROOT / "tests" / "styles"
ADAPTER = "# --- the adapter"

# style file: (the conventions it is checked with, the structure version each structure experiment runs in)
CORRECT = {
    "nielsen_style": ({}, {"batches": "", "square": "", "long": ""}),
    "cs231n_style": ({}, {"batches": "batches-relu-softmax-2layer", "square": "square-relu-softmax-2layer",
                          "long": "long-relu-softmax"}),
    "cs231n_regularised": ({"l2": 0.1}, {"batches": "batches-relu-softmax-2layer",
                                         "square": "square-relu-softmax-2layer", "long": "long-relu-softmax"}),
    "dlai_style": ({"bce_outputs": "sum"}, {"batches": "batches-relu-bce", "square": "square-relu-bce",
                                            "long": "long-relu-bce"}),
    "layered_style": ({"reduction": "sum"}, {"batches": "", "square": "", "long": ""}),
}
# the same files under the default check: the hint that names their convention's flag
WITHOUT_FLAG = {"cs231n_regularised": "check it with --l2 0.1", "dlai_style": "check it with --bce-outputs sum",
                "layered_style": "check it with --reduction sum"}
# wrong files in those styles: (conventions, experiment, stage, layer, parameter, words in the hints)
WRONG = {
    "zoo_nielsen_prime_at_a": ({}, "batches", "gradient", 3, "W3", "taken at A3 instead of at Z3"),
    "zoo_cs231n_reg_twice": ({"l2": 0.05}, "batches", "gradient", 2, "W2", "the L2 term counted twice"),
    "zoo_dlai_db_not_averaged": ({"bce_outputs": "sum"}, "batches", "gradient", 3, "b3", "batch size B = 3"),
    "zoo_layered_gradient_at_output": ({"reduction": "sum"}, "batches", "gradient", 3, "W3", "taken at A3"),
}


def _needs_torch(conventions: dict) -> None:
    if conventions:
        pytest.importorskip("torch")


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_each_style_behind_its_adapter_gets_ok_with_its_flag(name):
    conventions, versions = CORRECT[name]
    _needs_torch(conventions)
    report = run_suite(load_user_code(STYLES / f"{name}.py"), jobs=1, conventions=conventions)
    assert report.ok and report.exit_code == 0, verdict(report)
    ran = {r.name: r.ran for r in report.results if r.status == "ok"}
    assert {k: ran.get(k) for k in versions} == versions, verdict(report)
    line = ok_line(report)
    for base, version in versions.items():
        if version:     # the OK line and the table say where it ran
            from compare.usercode.suite import case
            assert f"`{base}`" in line and case(version).where() in line
            assert re.search(rf"\n  {base} +{'-'.join(map(str, case(version).experiment().sizes))} ", verdict(report))


@pytest.mark.parametrize("name", sorted(WITHOUT_FLAG))
def test_without_its_flag_a_style_fails_with_the_hint_naming_the_flag(name):
    report = run_suite(load_user_code(STYLES / f"{name}.py"), jobs=1)
    assert report.exit_code == 1
    assert WITHOUT_FLAG[name] in " | ".join(report.first_failure.failure.hints)


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_files_in_each_style_fail_at_the_right_place(name):
    conventions, experiment, stage, layer, parameter, words = WRONG[name]
    _needs_torch(conventions)
    report = run_suite(load_user_code(STYLES / f"{name}.py"), jobs=1, conventions=conventions)
    failed = report.first_failure
    assert failed is not None, verdict(report)
    f = failed.failure
    assert (failed.name, f.stage, f.layer, f.parameter) == (experiment, stage, layer, parameter), verdict(report)
    assert words in " | ".join(f.hints)


@pytest.mark.parametrize("path", [STYLES / f"{name}.py" for name in sorted(CORRECT)], ids=lambda p: p.stem)
def test_every_adapter_is_at_most_15_lines(path):
    text = path.read_text()
    if ADAPTER in text:
        adapter = text.split(ADAPTER, 1)[1].splitlines()[1:]
    else:   # the whole file is its adapter: after the docstring and imports
        adapter = [line for line in text.split('"""', 2)[2].splitlines()
                   if not line.startswith(("import ", "from "))]
    lines = [line for line in adapter if line.strip()]
    assert 0 < len(lines) <= 15, f"{path.name}: {len(lines)} lines"


def test_the_adapters_are_the_recipes_in_the_docs():
    docs = (ROOT / "docs" / "check-interface.md").read_text()
    for name in ("nielsen_style", "cs231n_style", "dlai_style", "layered_style"):
        text = (STYLES / f"{name}.py").read_text()
        body = text.split(ADAPTER, 1)[1].split("\n", 1)[1].strip()
        assert body in docs, f"{name}'s adapter is not shown as it is in docs/check-interface.md"


def test_the_default_command_line_on_a_relu_softmax_file_is_ok_in_its_setting():
    done = subprocess.run([sys.executable, "-m", "compare", "check", str(STYLES / "cs231n_style.py")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "check OK" in done.stdout and "hidden relu, output softmax, loss cross_entropy, 2 layers" in done.stdout


def test_cs231n_regularised_loss_checks_with_the_right_flag_from_the_command_line():
    pytest.importorskip("torch")
    ok = subprocess.run([sys.executable, "-m", "compare", "check", str(STYLES / "cs231n_regularised.py"), "--l2",
                         "0.1", "--quiet"], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0 and "check OK" in ok.stdout and "l2 = 0.1" in ok.stdout, ok.stderr
    wrong = subprocess.run([sys.executable, "-m", "compare", "check", str(STYLES / "cs231n_regularised.py"),
                            "--l2", "0.05", "--quiet"], capture_output=True, text=True, cwd=ROOT)
    assert wrong.returncode == 1 and "the L2 term counted twice" in wrong.stderr


def test_not_implemented_everywhere_stays_not_implemented():
    done = subprocess.run([sys.executable, "-m", "compare", "check", "examples/backprop_template.py"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and done.stdout == ""
    assert "backward is not implemented yet" in done.stderr and "fill in its formulas" in done.stderr
    assert "--sizes" not in done.stderr


def test_where_nothing_in_the_suite_fits_the_check_suggests_sizes_that_do(tmp_path):
    (tmp_path / "four.py").write_text(
        "import numpy as np\n"
        "def backward(weights, biases, activations, targets):\n"
        "    if len(weights) != 4 or targets.shape[1] != 1:\n"
        "        raise NotImplementedError('a 4-layer network with one output only')\n"
        "    return [np.zeros_like(w) for w in weights], [np.zeros_like(b) for b in biases]\n")
    done = subprocess.run([sys.executable, "-m", "compare", "check", str(tmp_path / "four.py")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    command = re.search(r"`(python -m compare check \S+ --sizes [0-9,]+)`", done.stderr).group(1)
    assert command.endswith("--sizes 3,5,4,4,1")
    follow = subprocess.run([sys.executable, *command.split()[1:]], capture_output=True, text=True, cwd=ROOT)
    assert "not implemented" not in follow.stderr     # the suggested command runs the file (its zeros fail)


def test_a_file_supporting_two_layers_of_the_seed_setting_runs_the_two_layer_versions(tmp_path):
    minimal = (STYLES / "minimal.py").read_text()
    guard = "    if len(weights) != 2:\n        raise NotImplementedError('two layers only')\n"
    first = "    B = targets.shape[0]\n"
    (tmp_path / "two.py").write_text(minimal.replace(first, guard + first, 1))
    report = run_suite(load_user_code(tmp_path / "two.py"), jobs=1)
    assert report.ok, verdict(report)
    assert {r.name: r.ran for r in report.results if r.status == "ok"} == {
        "batches": "batches-2layer", "square": "square-2layer", "long": ""}


def test_sibling_modules_load_the_way_python_would_and_each_file_gets_its_own(tmp_path):
    for folder, sign in (("a", 1), ("b", -1)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "helper.py").write_text(f"SIGN = {sign}\n")
        (tmp_path / folder / "mine.py").write_text(
            (STYLES / "minimal.py").read_text().replace("import numpy as np", "import numpy as np\nimport helper")
            .replace("return dW, db", "return [helper.SIGN * g for g in dW], [helper.SIGN * g for g in db]"))
    first = run_suite(load_user_code(tmp_path / "a" / "mine.py"), jobs=1)
    second = run_suite(load_user_code(tmp_path / "b" / "mine.py"), jobs=1)     # its own helper: the negative
    assert first.ok and second.exit_code == 1
    assert "exact negative" in " ".join(second.first_failure.failure.hints)
    assert "helper" not in sys.modules


def test_a_module_the_submission_did_not_bring_is_said_in_plain_words(tmp_path):
    (tmp_path / "mine.py").write_text("import network\n\ndef backward(weights, biases, activations, targets):\n"
                                      "    return network.backward(weights, biases, activations, targets)\n")
    done = subprocess.run([sys.executable, "-m", "compare", "check", str(tmp_path / "mine.py")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and done.stdout == ""
    last = done.stderr.strip().splitlines()[-1]
    assert "it imports `network`, which is not beside it (no network.py in" in last
    assert "put network.py in the same folder as mine.py" in last


def test_the_json_says_which_version_ran_and_where():
    import json
    done = subprocess.run([sys.executable, "-m", "compare", "check", str(STYLES / "cs231n_style.py"), "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    suite = json.loads(done.stdout)["suite"]
    row = next(r for r in suite["experiments"] if r["experiment"] == "batches")
    assert row["ran_as"] == "batches-relu-softmax-2layer"
    assert row["setting"] == "hidden relu, output softmax, loss cross_entropy, 2 layers"
    assert suite["conventions"] == {}


def test_the_python_api_keeps_the_suite_with_a_convention():
    pytest.importorskip("torch")
    import compare
    report = compare.check(str(STYLES / "cs231n_regularised.py"), l2=0.1)
    assert report.ok and report.conventions == {"l2": 0.1}
    assert report.results[0].ran == "batches-relu-softmax-2layer"
