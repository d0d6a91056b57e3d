"""`load_trace` refuses whatever is not a whole, current trace, in one line naming the member and what it
found against what the experiment implies: each case a real recording of exercise3 (3 epochs of mini-batches
of 2: 6 updates of 2 samples, 12 sample rows, layers 2-2-2-1) with one member changed by hand."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from compare.errors import ExperimentError
from compare.experiment.initial import initial_parameters
from compare.experiment.sources import load_experiment
from compare.usercode.trace import load_trace, record


@pytest.fixture(scope="module")
def arrays() -> dict[str, np.ndarray]:
    e = load_experiment("exercise3", {"mode": "minibatch", "epochs": 3})
    return record(e, *initial_parameters(e))


def message(path, arrays, drop=(), **changes) -> str:
    np.savez(path, **{k: v for k, v in {**arrays, **changes}.items() if k not in drop})
    with pytest.raises(ExperimentError) as caught:
        load_trace(path)
    return str(caught.value)


def damaged(path, text: str) -> str:
    return f"--against {path}: {text} (truncated or damaged trace)"


def with_header_only(path, arrays, key: str, dtype: str) -> None:
    """A trace whose member `key` declares `dtype` (shape ()) in its .npy header and holds no data after it."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": dtype, "fortran_order": False, "shape": ()})
    with zipfile.ZipFile(path, "w") as z:
        for k, v in arrays.items():
            if k != key:
                with z.open(f"{k}.npy", "w") as f:
                    np.lib.format.write_array(f, v, allow_pickle=False)
        z.writestr(f"{key}.npy", header.getvalue())


def test_a_whole_trace_loads_and_its_environment_is_a_table_or_nothing(tmp_path, arrays):
    path = tmp_path / "t.npz"
    np.savez(path, **arrays)
    t = load_trace(path)
    assert sorted(t.arrays) == sorted(arrays) and t.environment["dtype"] == "float64"
    for key, value in arrays.items():
        np.testing.assert_array_equal(t.arrays[key], value)
    np.savez(path, **{**arrays, "environment": np.array("[1, 2]")})
    assert load_trace(path).environment == {}


def test_a_file_of_other_arrays_is_named_by_its_members(tmp_path, arrays):
    p = tmp_path / "t.npz"
    head = f"--against {p}: not a trace written by `python -m compare record` (no `format` = \"backprop-parity-trace\""
    assert message(p, arrays, drop=("format",)) == f"{head} in it; found A1, A2, A3, W1, W2, W3)"
    for odd in ("a-b", "é"):
        np.savez(p, **{odd: np.zeros(1), "c": np.zeros(1)})
        with pytest.raises(ExperimentError, match="; found 2 members\\)$"):
            load_trace(p)
    for bad in (np.array(7), np.array(["backprop-parity-trace"]), np.array("backprop-parity-trac"),
                np.array("x" * 256)):
        assert message(p, arrays, format=bad).startswith(head)
    assert message(p, arrays, format=np.array("x" * 257)) == damaged(p, "`format` is longer than a trace's 256 "
                                                                        "characters")


def test_a_trace_without_this_version_says_record_it_again(tmp_path, arrays):
    p = tmp_path / "t.npz"
    none = f"--against {p}: no trace format version in it; this tool reads version 1 (record it again)"
    assert message(p, arrays, drop=("version",)) == none
    assert message(p, arrays, version=np.array(1.0)) == none
    assert message(p, arrays, version=np.array([1])) == none
    for v in (0, 2):
        assert message(p, arrays, version=np.array(v)) == (f"--against {p}: trace format version {v}; this tool "
                                                           "reads version 1 (record it again)")
    np.savez(p, **{**arrays, "version": np.array(1, dtype=np.uint8)})
    assert load_trace(p).updates == 6


def test_the_texts_must_be_text_of_a_bounded_length_that_parses(tmp_path, arrays):
    p = tmp_path / "t.npz"
    assert message(p, arrays, drop=("experiment",)) == damaged(p, "missing `experiment`")
    assert message(p, arrays, experiment=np.array(3)) == damaged(p, "`experiment` holds int64, expected text")
    assert message(p, arrays, environment=np.array(["{}"])) == damaged(p, "`environment` has shape (1,), "
                                                                         "expected ()")
    for key, name in (("experiment", "TOMLDecodeError"), ("environment", "JSONDecodeError")):
        assert message(p, arrays, **{key: np.array("[x")}) == damaged(
            p, f"its experiment or environment text does not parse ({name})")
    assert message(p, arrays, environment=np.array("[" * 100_000)) == damaged(
        p, "its experiment or environment text does not parse (RecursionError)")
    for key, most in (("experiment", 64 << 20), ("environment", 1 << 20)):
        with_header_only(p, arrays, key, f"<U{most + 1}")
        with pytest.raises(ExperimentError) as caught:
            load_trace(p)
        assert str(caught.value) == damaged(p, f"`{key}` is longer than a trace's {most:,} characters")
        with_header_only(p, arrays, key, f"<U{most}")      # as long as a trace's may be: read (and found cut)
        with pytest.raises(ExperimentError, match=f"member `{key}` is damaged or truncated"):
            load_trace(p)
    wrong = message(p, arrays, experiment=np.array(str(arrays["experiment"]).replace("lr = 0.1", "lr = -1")))
    assert wrong.startswith(f"--against {p}: experiment: ") and "lr" in wrong, wrong


def test_the_sizes_and_the_schedule_are_the_experiments(tmp_path, arrays):
    p = tmp_path / "t.npz"
    assert message(p, arrays, sizes=np.array([2, 2, 2])) == damaged(p, "`sizes` has shape (3,), expected (4,)")
    assert message(p, arrays, sizes=np.array([2.0, 2, 2, 1])) == damaged(p, "`sizes` holds float64, expected "
                                                                         "integers")
    assert message(p, arrays, sizes=np.array([2, 2, 2, 2])) == damaged(
        p, "`sizes` [2, 2, 2, 2] do not match its experiment's [2, 2, 2, 1]")
    assert message(p, arrays, epoch=arrays["epoch"][:5]) == damaged(p, "5 updates recorded; its experiment has 6")
    assert message(p, arrays, epoch=np.array(0)) == damaged(p, "0 updates recorded; its experiment has 6")
    assert message(p, arrays, epoch=np.zeros((5, 2), dtype=np.int64)) == damaged(p, "5 updates recorded; its "
                                                                                   "experiment has 6")
    assert message(p, arrays, drop=("epoch",)) == damaged(p, "missing `epoch`")
    assert message(p, arrays, epoch=np.zeros((6, 2), dtype=np.int64)) == damaged(p, "`epoch` has shape (6, 2), "
                                                                                   "expected (6,)")
    assert message(p, arrays, batch=arrays["batch"][:5]) == damaged(p, "`batch` has shape (5,), expected (6,)")
    assert message(p, arrays, offsets=arrays["offsets"][:6]) == damaged(p, "`offsets` has shape (6,), "
                                                                          "expected (7,)")
    assert message(p, arrays, epoch=np.array([0, 0, 1, 1, 2, 3])) == damaged(
        p, "`epoch`: not the epoch numbers of its experiment's updates")
    assert message(p, arrays, batch=np.array([0, 1, 0, 1, 0, 0])) == damaged(
        p, "`batch`: not the batch numbers of its experiment's updates")
    for offsets in ([1, 2, 4, 6, 8, 10, 12], [0, 3, 4, 6, 8, 10, 12], [0, 2, 4, 6, 8, 10, 11]):
        assert message(p, arrays, offsets=np.array(offsets)) == damaged(p, "`offsets`: inconsistent batch offsets")


def test_the_samples_and_the_loss(tmp_path, arrays):
    p = tmp_path / "t.npz"
    assert message(p, arrays, samples=arrays["samples"][:11]) == damaged(p, "`samples` has shape (11,), "
                                                                           "expected (12,)")
    for wrong in (-1, 4):
        samples = arrays["samples"].copy()
        samples[7] = wrong
        assert message(p, arrays, samples=samples) == damaged(p, "`samples`: sample indices do not fit its 4 "
                                                                 "samples")
    samples = arrays["samples"].copy()
    samples[:] = 3                                      # the last sample, every time: indices that fit
    np.savez(p, **{**arrays, "samples": samples})
    assert load_trace(p).samples(5).tolist() == [3, 3]
    assert message(p, arrays, loss=arrays["loss"].astype(np.float32)) == damaged(p, "`loss` holds float32, "
                                                                                   "expected float64")
    assert message(p, arrays, loss=arrays["loss"][:5]) == damaged(p, "`loss` has shape (5,), expected (6,)")
    assert message(p, arrays, loss=np.arange(6)) == damaged(p, "`loss` holds int64, expected float64")


@pytest.mark.parametrize("key, shape", [("initial_W1", (2, 2)), ("initial_b3", (1, 1)), ("A2", (12, 2)),
                                        ("dZ3", (12, 1)), ("dW2", (6, 2, 2)), ("db1", (6, 1, 2)),
                                        ("W3", (6, 2, 1)), ("b2", (6, 1, 2))])
def test_every_layer_member_is_checked_before_any_is_read(tmp_path, arrays, key, shape):
    p = tmp_path / "t.npz"
    assert message(p, arrays, drop=(key,)) == damaged(p, f"missing `{key}`")
    assert message(p, arrays, **{key: arrays[key].astype(np.float32)}) == damaged(
        p, f"`{key}` has shape {shape} (float32), expected {shape} (float64)")
    cut = arrays[key].reshape(-1)[1:]
    assert message(p, arrays, **{key: cut}) == damaged(p, f"`{key}` has shape {cut.shape} (float64), "
                                                          f"expected {shape} (float64)")
