"""A malformed trace is exit 2 naming the member (wrong dtype, NaN where an integer belongs, wrong rank,
offsets that do not match the schedule); the untouched trace passes."""

from __future__ import annotations

import numpy as np
import pytest

from compare.cli.main import main
from tests.test_edges_exits import refuses, user_file

# --- a malformed trace: exit 2 naming the member --------------------------------------------------------------

@pytest.fixture(scope="module")
def arrays(tmp_path_factory) -> dict[str, np.ndarray]:
    trace = tmp_path_factory.mktemp("trace") / "t.npz"
    assert main(["record", "exercise3", "--epochs", "2", "--out", str(trace), "--quiet"]) == 0
    with np.load(trace, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def nan_epoch(a):
    epoch = a["epoch"].astype(float)
    epoch[1] = np.nan
    return {"epoch": epoch}


MALFORMED = {
    "NaN where an epoch belongs": (nan_epoch, "`epoch` holds float64, expected integers"),
    "a 2-D epoch": (lambda a: {"epoch": a["epoch"].reshape(2, -1)}, "updates recorded"),
    "float offsets": (lambda a: {"offsets": a["offsets"].astype(float)}, "`offsets` holds float64"),
    "offsets out of order": (lambda a: {"offsets": a["offsets"][::-1].copy()}, "inconsistent batch offsets"),
    "epochs renumbered": (lambda a: {"epoch": a["epoch"] + 1}, "`epoch`: not the epoch numbers"),
    "a NaN version": (lambda a: {"version": np.array(np.nan)}, "no trace format version"),
    "a 2-D version": (lambda a: {"version": np.array([[1]])}, "no trace format version"),
    "float32 weights": (lambda a: {"W2": a["W2"].astype(np.float32)}, "`W2` has shape"),
    "a W1 of the wrong rank": (lambda a: {"W1": a["W1"][0]}, "`W1` has shape (2, 2) (float64)"),
    "samples out of range": (lambda a: {"samples": a["samples"] + 10}, "`samples`: sample indices do not fit"),
    "float samples": (lambda a: {"samples": a["samples"].astype(float)}, "`samples` holds float64"),
    "a numeric experiment": (lambda a: {"experiment": np.array(1.0)}, "`experiment` holds float64, expected text"),
    "bytes as format": (lambda a: {"format": np.array(b"backprop-parity-trace")}, "not a trace written by"),
    "an experiment that is not TOML": (lambda a: {"experiment": np.array("[[[")}, "does not parse"),
    "sizes as floats": (lambda a: {"sizes": a["sizes"].astype(float)}, "`sizes` holds float64"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_trace_is_exit_2_naming_the_member(tmp_path, capsys, arrays, case):
    change, words = MALFORMED[case]
    bad = tmp_path / "bad.npz"
    np.savez(bad, **{**arrays, **change(arrays)})
    path = user_file(tmp_path, "")
    err = refuses(["check", path, "--against", str(bad)], capsys, words)
    assert err.count("\n") == 1


def test_the_untouched_trace_passes(tmp_path, capsys, arrays):
    good = tmp_path / "good.npz"
    np.savez(good, **arrays)
    assert main(["check", user_file(tmp_path, ""), "--against", str(good), "--quiet"]) == 0
    capsys.readouterr()
