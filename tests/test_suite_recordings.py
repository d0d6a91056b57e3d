"""The check suite's shipped recordings are what torch records now, on this CPU and under its other kernels:
every whole number and the experiment exactly, every float quantity within the bound of
`compare.usercode.suite_compare` (a few float64 ulps of its scale, measured there), and a recording changed by
1e-13 relative, in any one quantity, is caught. `python -m compare.usercode.suite_record --verify` says by how
much each quantity differs, and refuses a missing, damaged or foreign recording in one line (exit 2)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import compare.usercode.suite_record as record
from compare.usercode.suite import RECORDED as SUITE
from compare.usercode.suite_compare import BOUND_ULPS, EPS, compare_recordings
from compare.usercode.suite_record import beyond_bound, fresh_recording, load_recording, recording_path
from tests.test_kernels import forced_kernel_missing

pytest.importorskip("torch")
MISSING = forced_kernel_missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
PERTURBED = 1e-13                     # relative: the "a real change", 450 ulps
BY_NAME = {case.name: case for case in SUITE}


def shipped_arrays(case) -> dict[str, np.ndarray]:
    with np.load(recording_path(case), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


@pytest.fixture(scope="module")
def long_pair():
    """The longest recording, shipped and fresh (the one where kernels drift most: `dW1`, 4.2 ulps)."""
    case = BY_NAME["long"]
    return shipped_arrays(case), fresh_recording(case)


@pytest.mark.kernel
@pytest.mark.parametrize("case", SUITE, ids=lambda c: c.name)
def test_shipped_recording_is_a_fresh_torch_recording_within_the_bound(case):
    shipped = shipped_arrays(case)
    fresh = fresh_recording(case)
    assert beyond_bound(shipped, fresh) == []
    assert set(shipped) == set(fresh) and len(shipped) > 10
    for key in ("epoch", "batch", "offsets", "samples", "sizes"):      # no bound on whole numbers
        np.testing.assert_array_equal(shipped[key], fresh[key])
    for key, a in shipped.items():                                   # the bound, recomputed here
        if a.dtype == np.float64 and np.isfinite(a).all() and a.size:
            assert np.max(np.abs(a - fresh[key])) <= 16 * 2.0 ** -52 * np.max(np.abs(a)), key
    trace = load_recording(case)          # and it loads as the suite's own experiment
    assert trace.updates == case.experiment().total_updates


def test_the_bound_is_a_few_ulps_of_the_scale():
    assert EPS == 2.0 ** -52 and 2 <= BOUND_ULPS <= 16
    assert BOUND_ULPS * EPS < PERTURBED / 10          # a 1e-13 change is far beyond it


@pytest.mark.kernel
def test_every_quantity_changed_by_1e_13_relative_is_caught(long_pair):
    shipped, fresh = long_pair
    floats = [k for k, a in shipped.items() if a.dtype == np.float64 and np.any(a)]
    assert len(floats) >= 14, floats                   # A, dZ, dW, db, W, b of two layers, loss, initial weights
    for key in floats:
        changed = dict(shipped, **{key: shipped[key] * (1 + PERTURBED)})
        found = beyond_bound(changed, fresh)
        assert len(found) == 1 and found[0].startswith(f"`{key}` largest difference"), (key, found)
        # one element alone, the largest (where the difference is largest against the scale)
        one = shipped[key].copy()
        flat = one.reshape(-1)
        k = int(np.argmax(np.abs(flat)))
        flat[k] *= 1 + PERTURBED
        assert [d.split(" ")[0] for d in beyond_bound(dict(shipped, **{key: one}), fresh)] == [f"`{key}`"]


def test_whole_numbers_text_and_layout_have_no_bound(long_pair):
    shipped, fresh = long_pair
    samples = shipped["samples"].copy()
    samples[0] = 1 - samples[0]
    assert beyond_bound(dict(shipped, samples=samples), fresh) == [
        f"`samples` differs in 1 of {samples.size} elements (no bound for whole numbers or text)"]
    other = str(shipped["experiment"][()]).replace("epochs = ", "epochs = 1")
    assert beyond_bound(dict(shipped, experiment=np.array(other)), fresh) == ["`experiment` differs: another run"]
    assert beyond_bound({k: v for k, v in shipped.items() if k != "dW2"}, fresh) == [
        "`dW2` only in the fresh recording"]
    assert beyond_bound(dict(shipped, W1=shipped["W1"][:-1]), fresh)[0].startswith("`W1` is float64")
    nan = shipped["loss"].copy()
    nan[3] = np.nan
    assert beyond_bound(dict(shipped, loss=nan), fresh) == ["`loss` has its NaN or inf elements elsewhere"]
    # the environment (machine, versions) is not compared
    assert beyond_bound(dict(shipped, environment=np.array("{}")), fresh) == []


def test_a_difference_says_how_much_absolute_and_relative():
    a = {"W1": np.array([[2.0, -0.5]]), "environment": np.array("x")}
    b = {"W1": np.array([[2.0, -0.5 + 2 * EPS]]), "environment": np.array("y")}
    (d,) = compare_recordings(a, b)
    assert (d.key, d.largest, d.scale, d.relative) == ("W1", 2 * EPS, 2.0, EPS)
    assert not d.beyond and d.bound == 16 * EPS * 2.0
    assert str(d) == (f"`W1` largest difference {2 * EPS:.3g} absolute, {EPS:.3g} relative to its scale 2 (1 ulps; "
                      f"bound 16 ulps = {32 * EPS:.3g})")
    b["W1"][0, 0] = 2.0 + 32 * EPS + 4 * EPS        # just past the bound
    assert compare_recordings(a, b)[0].beyond
    assert compare_recordings(a, a) == []


def test_verify_prints_each_difference_and_exits_1_beyond_the_bound(tmp_path, monkeypatch, capsys):
    for case in SUITE:
        shutil.copy(recording_path(case), tmp_path / f"{case.name}.npz")
    arrays = shipped_arrays(BY_NAME["square"])
    arrays["dW2"] = arrays["dW2"] * (1 + PERTURBED)
    np.savez_compressed(tmp_path / "square.npz", **arrays)
    monkeypatch.setattr(record, "data_dir", lambda: tmp_path)
    assert record.main(["--verify"]) == 1
    out = capsys.readouterr().out.splitlines()
    at = out.index("square: DIFFERS beyond the bound")
    line = next(x for x in out[at + 1:] if "`dW2`" in x)
    assert line.endswith("<- beyond") and " absolute, " in line and " relative to its scale " in line
    relative = float(line.split(" absolute, ")[1].split(" ")[0])
    assert relative == pytest.approx(PERTURBED, rel=0.05)
    assert out[-1].startswith(f"{len(SUITE) - 1} of {len(SUITE)} recordings within the bound; "
                              "regenerate them with `python -m ")


@pytest.mark.parametrize("damage", ["missing", "truncated", "not a trace", "another experiment"])
def test_verify_refuses_a_bad_recording_in_one_line(tmp_path, monkeypatch, capsys, damage):
    for case in SUITE:
        shutil.copy(recording_path(case), tmp_path / f"{case.name}.npz")
    target = tmp_path / "hidden-tanh.npz"
    if damage == "missing":
        target.unlink()
    elif damage == "truncated":
        target.write_bytes(target.read_bytes()[:5000])
    elif damage == "not a trace":
        np.savez(target, W1=np.zeros((2, 2)))
    else:
        shutil.copy(recording_path(BY_NAME["hidden-relu"]), target)
    monkeypatch.setattr(record, "data_dir", lambda: tmp_path)
    assert record.main(["--verify"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"error: the check suite's recording {target} ")
    assert "python -m compare.usercode.suite_record" in err


def test_recordings_are_small_compressed_plain_npz():
    total = 0
    for case in SUITE:
        path = recording_path(case)
        total += path.stat().st_size
        with np.load(path, allow_pickle=False) as npz:   # no pickle: object arrays would refuse to load
            assert all(npz[k].dtype != object for k in npz.files)
    assert total < 500_000   # 29 recordings: the suite and its structure experiments in other settings, depths
