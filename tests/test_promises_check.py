"""`compare check`'s promises, each against numbers computed here by hand: every update is compared, the last
included ("every stage of every update"); the OK line's counts are the suite's real sizes; a file whose
backward raises everywhere is never "OK" (never "0 experiments"); each exit status.

The suite's sizes, by hand from its definition (docs/check-suite.md): `batches` 7 samples in batches of 3 for
2 epochs = 2 x 3 = 6 updates, `square` one batch of 5 for 3 epochs = 3 updates, `long` 5 single samples for 24
epochs = 120 updates: a file taking no keywords runs these three, 129 updates.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SEED_BACKWARD = '''
import numpy as np
CALLS = []

def backward(weights, biases, activations, targets{keywords}):
    B = targets.shape[0]
    A = activations[-1]
    delta = (A - targets) * A * (1 - A)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = activations[l].T @ delta / B
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l > 0:
            delta = delta @ weights[l].T * activations[l] * (1 - activations[l])
{corrupt}
    return dW, db
'''

# wrong only at the last update of `batches` (its second partial batch of one sample: update 6 of 6)
LAST_OF_BATCHES = '''
    if B == 1 and weights[0].shape == (3, 5):
        CALLS.append(1)
        if len(CALLS) == 2:
            dW[0] = dW[0] + 1e-3
'''
# wrong only at the last update of `long` (its 120th single-sample update on the 3-4-2 network)
LAST_OF_LONG = '''
    if weights[0].shape == (3, 4):
        CALLS.append(1)
        if len(CALLS) == 120:
            db[1] = db[1] + 1e-3
'''


def _file(tmp_path: Path, corrupt: str = "", keywords: str = "", name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text(SEED_BACKWARD.format(corrupt=corrupt, keywords=keywords), encoding="utf-8")
    return path


def _compare(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "compare", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_a_correct_file_checks_every_update_of_the_three_experiments_it_can_express(tmp_path):
    result = _compare("check", str(_file(tmp_path)), "--json")
    assert result.returncode == 0, result.stderr
    suite = json.loads(result.stdout)["suite"]
    checked = {row["experiment"]: row["updates_checked"] for row in suite["experiments"] if row["status"] == "ok"}
    assert checked == {"batches": 6, "square": 3, "long": 120}
    assert suite["ok"] is True
    text = _compare("check", str(_file(tmp_path)), "--quiet")
    assert text.returncode == 0
    assert "3 experiments, 129 updates" in text.stdout


@pytest.mark.parametrize("corrupt, experiment, update", [(LAST_OF_BATCHES, "batches", 6),
                                                         (LAST_OF_LONG, "long", 120)])
def test_a_mistake_only_in_the_last_update_is_caught(tmp_path, corrupt, experiment, update):
    result = _compare("check", str(_file(tmp_path, corrupt)), "--jobs", "1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"first disagreement, in the suite's experiment `{experiment}`" in result.stderr
    assert f"update {update}" in result.stderr
    assert "check OK" not in result.stdout


def test_the_torch_free_api_compares_the_last_update_of_a_recording(tmp_path):
    from compare.errors import ParityError
    from compare.usercode.check import check_against_trace
    from compare.usercode.load import load_user_code
    from compare.usercode.suite import case
    from compare.usercode.suite_record import load_recording

    trace = load_recording(case("batches"))
    good = check_against_trace(load_user_code(_file(tmp_path, name="good.py")), trace)
    assert good.updates_checked == 6 and good.ok
    with pytest.raises(ParityError) as caught:
        check_against_trace(load_user_code(_file(tmp_path, LAST_OF_BATCHES, name="last.py")), trace)
    assert caught.value.failure.update == 6


def test_a_recorded_trace_is_checked_to_its_last_update_by_check_against(tmp_path):
    pytest.importorskip("torch")
    trace = tmp_path / "t.npz"
    recorded = _compare("record", "exercise3", "--epochs", "3", "--mode", "minibatch", "--batch-size", "3",
                        "--out", str(trace))
    if recorded.returncode != 0:
        pytest.skip(f"record: {recorded.stderr.strip()[:200]}")
    ok = _compare("check", "examples/backprop_solution.py", "--against", str(trace), "--json")
    assert ok.returncode == 0, ok.stderr
    checked = json.loads(ok.stdout)["parity"]["updates_checked"]
    assert checked == 3 * 2      # the seed's exercise 3 has 4 samples: batches of 3 and 1, for 3 epochs


KEYWORDS = ', loss="sum", hidden_activation="sigmoid", output_activation="sigmoid", leaky_slope=0.01'


@pytest.mark.parametrize("keywords", ["", KEYWORDS])
def test_a_backward_that_raises_everywhere_is_never_ok(tmp_path, keywords):
    path = tmp_path / "raises.py"
    path.write_text(f"def backward(weights, biases, activations, targets{keywords}):\n"
                    "    raise ValueError('not written yet')\n", encoding="utf-8")
    for extra in ([], ["--json"], ["--quiet"]):
        result = _compare("check", str(path), *extra)
        assert result.returncode == 2, (extra, result.stdout, result.stderr)
        assert "check OK" not in result.stdout
        assert "0 experiments" not in result.stdout + result.stderr
        assert "not written yet" in result.stderr


def test_the_unfilled_template_stops_with_exit_2_and_says_not_implemented():
    result = _compare("check", "examples/backprop_template.py")
    assert result.returncode == 2
    assert "not implemented" in result.stderr
    assert "check OK" not in result.stdout


def test_a_suite_report_with_nothing_run_is_not_ok():
    """The report itself, whatever the runner did: experiments that were all set aside are not a pass."""
    from compare.usercode.suite_run import CaseResult, SuiteReport

    report = SuiteReport("x.py", False, [CaseResult("batches", "unsupported", reason="it raised"),
                                         CaseResult("long", "skipped", reason="no keyword")])
    assert not report.ok
    assert report.exit_code == 2
    assert "check OK" not in str(report)
    ran = SuiteReport("x.py", False, [CaseResult("batches", "ok", 6, 6), CaseResult("long", "skipped")])
    assert ran.ok and ran.exit_code == 0
    failed = SuiteReport("x.py", False, [CaseResult("batches", "ok", 6, 6), CaseResult("long", "failed")])
    assert not failed.ok and failed.exit_code == 1
    error = SuiteReport("x.py", False, [CaseResult("batches", "ok", 6, 6), CaseResult("long", "error")])
    assert not error.ok and error.exit_code == 2


def test_the_python_api_never_returns_a_suite_where_nothing_ran(tmp_path):
    import compare
    from compare.usercode.load import UserCodeError

    def backward(weights, biases, activations, targets, loss="sum", hidden_activation="sigmoid",
                 output_activation="sigmoid", leaky_slope=0.01):
        raise ValueError("not written yet")
    with pytest.raises(UserCodeError, match="not written yet"):
        compare.check(backward=backward, jobs=1)


def test_a_core_experiment_the_file_raises_on_is_an_error_not_a_setting_it_does_not_handle(tmp_path):
    """`long` changes no keyword: a backward raising there is broken (exit 2), whatever the others say."""
    raising = "\n    if weights[0].shape == (3, 4):\n        raise ValueError('no single samples')\n"
    result = _compare("check", str(_file(tmp_path, raising)), "--jobs", "1")
    assert result.returncode == 2, result.stdout
    assert "no single samples" in result.stderr and "`long`" in result.stderr
    assert "check OK" not in result.stdout
