"""The layer check on right and wrong layer files: the reference solution, every correct style, our own
compact set (all OK, torch not imported) and every file of the zoo (fails at the manifest's function and
gradient, with a right hint or none)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from compare.layers.run import check_file, exit_status

ROOT = Path(__file__).resolve().parents[1]
CORRECT = sorted([*ROOT.glob("examples/layers*_solution.py"), *(ROOT / "tests" / "layers_styles").glob("*.py"),
                  ROOT / "tests" / "layers_own" / "correct.py"])
ZOO = ROOT / "tests" / "layers_zoo"
MANIFEST = tomllib.loads((ZOO / "MANIFEST.toml").read_text()) if (ZOO / "MANIFEST.toml").exists() else {}
# zoo files the manifest expects no hint for, where the check names the mistake: the keyword it must name
NAMED_HERE = {"batchnorm_alt_no_xhat_term": "variance", "softmax_no_max_shift": "overflow"}


def run(path: Path, only: str | None = None):
    with contextlib.redirect_stdout(io.StringIO()):
        return check_file(path, only)


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.name)
def test_right_layer_files_pass_every_layer(path):
    results = run(path)
    assert results, path
    assert exit_status(results) == 0, [(r.layer, r.failure) for r in results if r.status != "ok"]
    for r in results:
        assert r.max_rel_diff < 1e-11, (r.layer, r.max_rel_diff)


def test_every_layer_of_the_table_is_checked_by_some_right_file():
    from compare.layers.table import LAYERS
    seen = {r.layer for path in CORRECT for r in run(path) if r.status == "ok"}
    assert seen == set(LAYERS)


def test_the_whole_file_runs_in_about_a_second_without_torch():
    """In a fresh process: every layer checked, torch never imported (a generous bound: a loaded CI machine)."""
    code = ("import sys, time; from compare.layers.run import check_file; t = time.monotonic(); "
            "r = check_file('tests/layers_own/correct.py'); "
            "print(len(r), time.monotonic() - t, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    count, seconds, torch = out.stdout.split()
    assert (count, torch) == ("19", "False") and float(seconds) < 10, out.stdout + out.stderr


@pytest.mark.skipif(not MANIFEST, reason="no zoo")
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_zoo_file_fails_where_the_manifest_says_with_a_right_hint_or_none(name):
    entry = MANIFEST[name]
    results = run(ZOO / f"{name}.py")
    wrong = [r for r in results if r.status in ("failed", "error")]
    assert len(wrong) == 1, [(r.layer, r.status) for r in results]
    failure = wrong[0].failure
    expected = entry["output"] if entry["gradient"] == "forward" else entry["gradient"]
    assert (failure.function, failure.item) == (entry["function"], expected), failure.message
    keyword = NAMED_HERE.get(name, entry["hint"]).lower()
    if keyword:
        # every hint said must be this mistake's: none may name another
        assert all(keyword in h.lower() for h in failure.hints), failure.hints
    else:
        assert not failure.hints, failure.hints
    assert exit_status(results) in (1, 2)


def test_most_zoo_files_get_their_hint():
    """Silence is allowed, but the check names the mistake for nearly every file of the zoo."""
    named = 0
    for name, entry in MANIFEST.items():
        keyword = NAMED_HERE.get(name, entry["hint"]).lower()
        failure = next(r.failure for r in run(ZOO / f"{name}.py") if r.status in ("failed", "error"))
        named += bool(keyword) and any(keyword in h.lower() for h in failure.hints)
    assert named >= len([e for e in MANIFEST.values() if e["hint"]]) - 1
