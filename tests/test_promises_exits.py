"""Exit statuses with `--mode all`: one mode's failure is the command's failure (exit 1), whichever mode it
is, first, middle or last; the text names it FAILED once, and the JSON marks exactly that run. The seed's
exercise 3 has 4 samples: batch mode trains on B = 4, stochastic on B = 1, minibatch on B = 2, so a backward
wrong only at one batch size is wrong in exactly one mode (modes run in the order batch, stochastic,
minibatch).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

BACKWARD = '''
import numpy as np

def backward(weights, biases, activations, targets):
    B = targets.shape[0]
    A = activations[-1]
    delta = (A - targets) * A * (1 - A)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = activations[l].T @ delta / B
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l > 0:
            delta = delta @ weights[l].T * activations[l] * (1 - activations[l])
    if B == {wrong_at}:
        dW[0] = dW[0] * 1.5
    return dW, db
'''
MODES = {4: "batch", 1: "stochastic", 2: "minibatch"}


def _file(tmp_path: Path, wrong_at: int) -> Path:
    path = tmp_path / f"wrong_at_{wrong_at}.py"
    path.write_text(BACKWARD.format(wrong_at=wrong_at), encoding="utf-8")
    return path


def _compare(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "compare", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("wrong_at", sorted(MODES))
def test_gradcheck_mode_all_fails_when_any_one_mode_fails(tmp_path, wrong_at):
    path = str(_file(tmp_path, wrong_at))
    text = _compare("gradcheck", "exercise3", "--mode", "all", "--epochs", "2", "--backward", path, "--quiet")
    assert text.returncode == 1, text.stdout + text.stderr
    failed = [line for line in text.stdout.splitlines() if line.startswith("gradcheck FAILED")]
    assert len(failed) == 1 and f"exercise3 {MODES[wrong_at]})" in failed[0]
    assert text.stdout.count("gradcheck OK") == 2
    out = _compare("gradcheck", "exercise3", "--mode", "all", "--epochs", "2", "--backward", path, "--json")
    assert out.returncode == 1
    runs = json.loads(out.stdout)["runs"]
    assert {r["mode"]: r["ok"] for r in runs} == {m: m != MODES[wrong_at] for m in MODES.values()}


def test_gradcheck_mode_all_passes_only_when_every_mode_passes(tmp_path):
    path = str(_file(tmp_path, 0))          # B is never 0: right everywhere
    text = _compare("gradcheck", "exercise3", "--mode", "all", "--epochs", "2", "--backward", path, "--quiet")
    assert text.returncode == 0, text.stdout + text.stderr
    assert text.stdout.count("gradcheck OK") == 3


@pytest.mark.parametrize("wrong_at", [4, 1])
def test_check_mode_all_fails_when_one_mode_fails(tmp_path, wrong_at):
    pytest.importorskip("torch")
    result = _compare("check", str(_file(tmp_path, wrong_at)), "exercise3", "--mode", "all", "--epochs", "3",
                      "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "check FAILED at update 1" in result.stderr
    assert f"samples [{', '.join(['0', '1', '2', '3'][:wrong_at])}" in result.stderr or wrong_at == 1


def test_divergence_is_exit_3_with_one_line_and_no_verdict():
    """docs/exit-codes.md: exit 3, the output so far on stdout (nothing with --json), one line on stderr."""
    pytest.importorskip("torch")
    args = ("exercise3", "--mode", "batch", "--epochs", "200", "--lr", "1e6", "--activation", "identity")
    for extra in ([], ["--json"]):
        result = _compare(*args, *extra)
        assert result.returncode == 3, result.stderr
        assert "parity" not in result.stdout and (result.stdout == "" if extra else "epoch" in result.stdout)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "diverged at update" in lines[0]


@pytest.mark.parametrize("args", [["exercise3", "--lr", "-1"], ["no-such-preset"], ["exercise3", "--epochs", "0"]])
def test_bad_input_is_exit_2_with_one_error_line_and_nothing_on_stdout(args):
    result = _compare(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in result.stderr


def test_a_reader_that_goes_away_early_ends_the_command_quietly_with_141():
    process = subprocess.Popen([sys.executable, "-m", "compare", "hiring", "--epochs", "3000"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()                   # the reader is gone before the first line is written
    err = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert err == b""


@pytest.mark.parametrize("args", [["--seeds", "0"], ["--seeds", "101"], ["--lang", "fr"], ["--jobs", "0"]])
def test_report_bad_input_is_exit_2_and_nothing_written(tmp_path, args):
    """`report --help`: "--seeds K ... 1 <= K <= 100"; exit 2 for bad input, nothing written."""
    out = tmp_path / "r"
    result = _compare("report", "--out", str(out), "--epochs", "2", *args)
    assert result.returncode == 2, result.stderr
    assert not out.exists()
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
