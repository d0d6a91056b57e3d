"""The check suite (`python -m compare check FILE.py`): every file in the bug zoo fails it at the right
experiment, update, stage, layer and parameter, with a right hint (or none); correct files written in
different styles pass; the verdict says what was covered and what was not. The oracle is torch's autograd,
through the shipped recordings (tests/test_suite_recordings.py proves them equal to a fresh torch run)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import compare
from compare import ParityError
from compare.usercode.load import UserCodeError, load_user_code
from compare.usercode.suite import CORE, SUITE
from compare.usercode.suite_run import run_suite
from compare.usercode.suite_verdict import ok_line, verdict

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "tests" / "zoo"
STYLES = ROOT / "tests" / "styles"

# file: (experiment, update, stage, layer, parameter), words every hint list must contain ([]: the location
# is enough, no formula to name)
EXPECTED = {
    "accumulates": (("batches", 2, "gradient", 3, "W3"), ["update 1 agreed", "carried from one call"]),
    "cached_weights": (("batches", 2, "gradient", 2, "W2"), ["update 1 agreed", "carried from one call"]),
    "averaged_twice": (("batches", 1, "gradient", 3, "W3"), ["averaged over the batch twice"]),
    "bias_last_sample": (("batches", 1, "gradient", 3, "b3"), ["row 2 of delta3", "dW3 agrees"]),
    "bias_one_row": (("batches", 1, "gradient", 3, "b3"), ["row 0 of delta3"]),
    "bias_sign": (("batches", 1, "gradient", 3, "b3"), ["exact negative", "the sign in its own formula"]),
    "bias_summed": (("batches", 1, "gradient", 3, "b3"), ["batch size B = 3", "dW3 agrees"]),
    "columns_swapped": (("batches", 1, "gradient", 3, "W3"), ["columns are paired with the wrong targets"]),
    "deltas_summed_over_batch": (("batches", 1, "gradient", 2, "W2"), ["summed over the batch's samples"]),
    "derivative_at_a": (("batches", 1, "gradient", 3, "W3"), ["taken at A3 instead of at Z3"]),
    "leaky_slope_hardcoded": (("leaky-slope", 1, "gradient", 2, "W2"),
                              ["uses the leaky_relu slope 0.01 (the default, hard-coded?)"]),
    "leaky_slope_fixed": (("hidden-leaky_relu", 1, "gradient", 2, "W2"),
                          ["right for the leaky_relu slope 0.2 (in its derivative)", "takes no `leaky_slope`"]),
    "relu_mask_inverted": (("hidden-relu", 1, "gradient", 2, "W2"), ["the relu's mask in delta2 is inverted"]),
    "l2_sum_not_w": (("batches", 1, "gradient", 3, "W3"), ["= 0.05 x sum(W3)", "reg * np.sum(W)"]),
    "dw_first_sample": (("batches", 1, "gradient", 3, "W3"), ["from the first sample of the batch only"]),
    "error_summed_over_outputs": (("batches", 1, "gradient", 3, "W3"), ["summed over the 2 outputs"]),
    "fixed_batch_size": (("batches", 3, "gradient", 3, "W3"), ["divided by 3 where this batch has B = 1"]),
    "forward_always_sigmoid": (("hidden-tanh", 1, "forward", 1, "A1"),
                               ["A1 is sigmoid(Z1); this experiment uses tanh"]),
    "forward_no_bias": (("batches", 1, "forward", 3, "A3"), ["bias b3 is missing"]),
    "hidden_not_averaged": (("batches", 1, "gradient", 2, "W2"), ["batch size B = 3"]),
    "ignores_activation": (("hidden-tanh", 1, "gradient", 2, "W2"),
                           ["right for hidden activation sigmoid; this experiment uses hidden activation tanh"]),
    "ignores_loss": (("loss-mean", 1, "gradient", 3, "W3"), ["right for loss \"sum\"; this experiment uses loss"]),
    "l2_term": (("batches", 1, "gradient", 3, "W3"), ["+ 0.01 x W", "L2 term", "check it with --l2 0.01"]),
    "loop_stops_early": (("batches", 1, "gradient", 1, "W1"), ["all zeros", "never computed"]),
    "mean_target": (("batches", 1, "gradient", 3, "W3"), ["MEAN target"]),
    "mse_not_halved": (("batches", 1, "gradient", 3, "W3"), ["MSE instead of MSE/2"]),
    "negated": (("batches", 1, "gradient", 3, "W3"), ["exact negative", "T - A"]),
    "no_batch_average": (("batches", 1, "gradient", 3, "W3"), ["average over the batch is missing",
                                                                "check it with --reduction sum"]),
    "no_derivative": (("batches", 1, "gradient", 3, "W3"), ["derivative of layer 3's activation (sigmoid)"]),
    "other_loss_convention": (("batches", 1, "gradient", 3, "W3"), ["the gradient of loss \"mean\"", "K = 2"]),
    "reversed_order": (("square", 1, "gradient", 3, "W3"), ["equals torch's dW1", "wrong layer order"]),
    "sigmoid_at_z": (("batches", 1, "gradient", 3, "W3"), ["taken at Z"]),
    "targets_reshaped": (("batches", 1, "gradient", 3, "W3"), ["reshape where a transpose was meant"]),
    "transposed_dw": (("square", 1, "gradient", 3, "W3"), ["transposed"]),
    "w_not_transposed": (("square", 1, "gradient", 2, "W2"), ["through W3 instead of W3.T"]),
    "wrong_activations": (("square", 1, "gradient", 3, "W3"), ["built from A1 instead of activations[2]"]),
}
# hints that would contradict each other if both were said about one failure
CONTRADICTIONS = [(r"delta(\d) is right", r"the wrong delta{0}\b"), (r"only layer (\d) is wrong", r"also wrong")]


def zoo_files() -> list[Path]:
    return sorted(ZOO.glob("*.py"))


def test_every_zoo_file_is_expected_and_the_issue_ten_are_there():
    assert {p.stem for p in zoo_files()} == set(EXPECTED)
    assert len(EXPECTED) >= 25


@pytest.mark.parametrize("path", zoo_files(), ids=lambda p: p.stem)
def test_the_default_suite_fails_every_zoo_file_at_the_right_place_with_a_right_hint(path):
    report = run_suite(load_user_code(path), jobs=1)
    assert report.exit_code == 1 and not report.ok
    failed = report.first_failure
    f = failed.failure
    (experiment, update, stage, layer, parameter), words = EXPECTED[path.stem]
    assert (failed.name, f.update, f.stage, f.layer, f.parameter) == (experiment, update, stage, layer, parameter)
    hints = " | ".join(f.hints)
    for word in words:
        assert word in hints, f"{word!r} not in hints: {hints}"
    for first, second in CONTRADICTIONS:
        for match in re.finditer(first, hints):
            assert not re.search(second.format(match.group(1)), hints), hints
    text = verdict(report)
    assert "check OK" not in text and f"first disagreement, in experiment `{experiment}`" in text


# checked with their convention's flag, or wrong on purpose: tests/test_check_real_code.py (nnfs_style:
# tests/test_conventions_mse_scale.py)
WITH_A_FLAG = ("cs231n_regularised", "dlai_style", "layered_style", "nnfs_style")


@pytest.mark.parametrize("path", [p for p in sorted(STYLES.glob("*.py")) if not p.stem.startswith("zoo_")
                                  and p.stem not in WITH_A_FLAG] + [ROOT / "examples" / "backprop_solution.py"],
                         ids=lambda p: p.stem)
def test_correct_files_in_every_style_pass(path):
    report = run_suite(load_user_code(path), jobs=1)
    assert report.ok and report.exit_code == 0, verdict(report)
    ran = {r.name for r in report.results if r.status == "ok"}
    assert set(CORE) <= ran
    ok = [r for r in report.results if r.status == "ok"]
    assert {r.name: r.updates_checked for r in ok} == {r.name: hand_counted_updates(r.name) for r in ok}
    assert {r.name: r.total_updates for r in ok} == {r.name: hand_counted_updates(r.name) for r in ok}


def hand_counted_updates(name: str) -> int:
    """Updates an experiment of the suite makes, counted from its definition (docs/check-suite.md's table):
    epochs x batches per epoch. Its versions in another setting or depth (`batches-relu-softmax`, ...) keep the
    shape. `batches` and every experiment "as batches": 7 samples in batches of 3, 3, 1; `square`: 5 samples,
    one batch; `long`: 5 samples, one per update."""
    base = name.split("-relu")[0].split("-2layer")[0]
    epochs, batches = {"batches": (2, 3), "square": (3, 1), "long": (24, 5)}.get(base, (1, 3))
    return epochs * batches


def test_a_file_taking_every_keyword_runs_every_experiment():
    report = run_suite(load_user_code(STYLES / "einsum_style.py"), jobs=1)
    assert [r.status for r in report.results] == ["ok"] * len(SUITE)
    # every update of every experiment, the last included: 2 x 3 + 3 x 1 + 24 x 5 + 11 experiments x 3 = 162
    assert [(r.name, r.updates_checked) for r in report.results] == [(c.name, hand_counted_updates(c.name))
                                                                     for c in SUITE]
    assert sum(r.updates_checked for r in report.results) == 6 + 3 + 120 + 11 * 3 == 162
    line = ok_line(report)
    assert "NOT covered" not in line and "every experiment of the suite ran" in line
    for word in ("batch sizes 1, 3, 5", "outputs 2, 3", "losses bce, cross_entropy, mean, sum", "tanh", "relu",
                 "softmax", "a leaky_relu slope other than 0.01", "a last partial batch"):
        assert word in line


def test_the_ok_line_says_what_was_not_covered_and_why():
    report = run_suite(load_user_code(STYLES / "minimal.py"), jobs=1)
    assert [r.name for r in report.results if r.status == "ok"] == list(CORE)
    line = ok_line(report)
    assert "3 experiments" in line and "losses sum;" in line
    assert "NOT covered: loss \"mean\"" in line and "(your backward takes no `loss`)" in line
    assert "hidden activation tanh" in line and "(your backward takes no `hidden_activation`)" in line
    table = verdict(report)
    assert re.search(r"hidden-tanh .* not run: your backward takes no `hidden_activation`", table)


def test_a_setting_the_file_raises_on_is_not_covered_not_ok():
    report = run_suite(load_user_code(ROOT / "tests" / "data" / "solution_without_leaky_relu.py"), jobs=1)
    status = {r.name: r.status for r in report.results}
    assert status["hidden-leaky_relu"] == "unsupported" and status["leaky-slope"] == "skipped"
    assert "hidden activation leaky_relu" in ok_line(report).split("NOT covered")[1]


def test_the_shipped_answer_runs_every_experiment_of_the_suite():
    report = run_suite(load_user_code(ROOT / "examples" / "backprop_solution.py"), jobs=1)
    assert [r.status for r in report.results] == ["ok"] * len(SUITE), verdict(report)
    assert "NOT covered" not in ok_line(report)


def test_jobs_give_the_same_results():
    code = load_user_code(ZOO / "fixed_batch_size.py")
    one, two = run_suite(code, jobs=1), run_suite(code, jobs=2)
    assert [(r.name, r.status, r.updates_checked, r.failure) for r in one.results] == \
        [(r.name, r.status, r.updates_checked, r.failure) for r in two.results]


def test_wrong_shapes_everywhere_are_bad_input(tmp_path):
    path = tmp_path / "count.py"
    path.write_text("def backward(weights, biases, activations, targets):\n    return [w * 0 for w in weights]\n")
    report = run_suite(load_user_code(path), jobs=1)
    assert report.exit_code == 2 and report.first_failure is None
    with pytest.raises(UserCodeError, match="check suite, experiment `batches`"):
        compare.check(str(path))


def test_nan_is_a_disagreement(tmp_path):
    path = tmp_path / "nan.py"
    path.write_text((STYLES / "minimal.py").read_text().replace("return dW, db", "dW[0] = dW[0] * float('nan')\n"
                                                                "    return dW, db"))
    report = run_suite(load_user_code(path), jobs=1)
    assert report.exit_code == 1 and "NaN" in " ".join(report.first_failure.failure.hints)


def test_python_api_runs_the_same_suite_and_hides_our_frames():
    ok = compare.check(str(STYLES / "minimal.py"))
    assert ok.ok and "check OK" in str(ok)
    backward = load_user_code(ZOO / "negated.py").backward     # a function in hand, as in a notebook
    with pytest.raises(ParityError) as caught:
        compare.check(backward=backward)
    message = str(caught.value)
    assert "first disagreement, in experiment `batches`" in message and "exact negative" in message
    frames = [f.filename for f in __import__("traceback").extract_tb(caught.value.__traceback__)]
    ours = [f for f in frames if "/compare/" in f and not f.endswith("compare/__init__.py")]
    assert ours == [], frames


def _without_torch(*args: str) -> subprocess.CompletedProcess:
    code = ("import sys; sys.modules['torch'] = None; from compare.cli.main import main; "
            f"sys.exit(main({list(args)!r}))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_without_torch_ok_fail_and_json():
    ok = _without_torch("check", str(STYLES / "minimal.py"))
    assert ok.returncode == 0 and "check OK" in ok.stdout and ok.stderr == ""
    bad = _without_torch("check", str(ZOO / "targets_reshaped.py"), "--quiet")
    assert bad.returncode == 1 and "reshape where a transpose was meant" in bad.stderr
    js = _without_torch("check", str(ZOO / "transposed_dw.py"), "--json")
    assert js.returncode == 1
    out = json.loads(js.stdout)
    assert set(out) == {"suite", "runs"} and out["suite"]["ok"] is False
    rows = {r["experiment"]: r["status"] for r in out["suite"]["experiments"]}
    assert rows["square"] == "failed" and rows["batches"] == "error" and rows["hidden-tanh"] == "skipped"
    assert any(r["parity"]["failure"] for r in out["runs"])


def test_missing_or_damaged_recordings_are_one_line_with_how_to_regenerate(tmp_path, monkeypatch):
    import compare.usercode.suite_record as record
    monkeypatch.setattr(record, "data_dir", lambda: tmp_path)
    with pytest.raises(compare.ExperimentError, match="is missing: .*python -m compare.usercode.suite_record"):
        run_suite(load_user_code(STYLES / "minimal.py"), jobs=1)
    for case in SUITE:
        (tmp_path / f"{case.name}.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(compare.ExperimentError, match="is damaged") as caught:
        run_suite(load_user_code(STYLES / "minimal.py"), jobs=1)
    assert "\n" not in str(caught.value)


def test_mode_all_json_is_always_runs_even_on_failure(capsys):
    from compare.cli.main import main
    assert main(["check", str(ZOO / "negated.py"), "exercise3", "--mode", "all", "--epochs", "2", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["runs"] and len(out["runs"]) == 1 and out["runs"][0]["parity"]["ok"] is False


def test_a_named_experiment_the_file_cannot_express_gets_a_plain_note():
    with pytest.raises(ParityError) as caught:
        compare.check(str(STYLES / "minimal.py"), "exercise3", hidden_activation="tanh", epochs=1)
    f = caught.value.failure
    assert "your backward takes no `hidden_activation`" in " ".join(f.notes)
    # the note says it; a hint "right for another setting" would ask about a keyword the file does not take
    assert not any("right for" in h or "keyword" in h for h in f.hints)
    assert not any(h.startswith("the layers above") for h in f.hints)


def test_live_torch_gives_the_same_verdict():
    pytest.importorskip("torch")
    for path in (STYLES / "minimal.py", ZOO / "dw_first_sample.py"):
        code = load_user_code(path)
        recorded, live = run_suite(code, jobs=1), run_suite(code, live=True, jobs=1)
        assert [(r.name, r.status, r.updates_checked) for r in recorded.results] == \
            [(r.name, r.status, r.updates_checked) for r in live.results]
        if recorded.first_failure:
            a, b = recorded.first_failure.failure, live.first_failure.failure
            assert (a.update, a.layer, a.parameter, a.element, a.hints) == \
                (b.update, b.layer, b.parameter, b.element, b.hints)
