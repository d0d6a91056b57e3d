"""`compare record` and `compare check --against`: a plain .npz with everything a torch-free check needs,
checked in a process where importing torch is impossible; bad traces are one line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

from compare.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = str(ROOT / "examples" / "backprop_solution.py")
ZOO = ROOT / "tests" / "zoo"
EPOCHS = 30


@pytest.fixture(scope="module")
def trace(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("trace") / "exercise3.npz"
    assert main(["record", "exercise3", "--mode", "minibatch", "--epochs", str(EPOCHS), "--out", str(path),
                 "--quiet"]) == 0
    return path


def test_trace_holds_the_torch_run(trace):
    import compare
    from compare.usercode.trace import FORMAT, VERSION, load_trace

    with np.load(trace, allow_pickle=False) as npz:
        assert str(npz["format"]) == FORMAT and int(npz["version"]) == VERSION
        assert "[train]" in str(npz["experiment"])
        assert json.loads(str(npz["environment"]))["torch"]
    t = load_trace(trace)
    e = t.experiment
    assert t.updates == EPOCHS * 2 and e.mode == "minibatch" and e.batch_size == 2
    torch_run = compare.train_torch("exercise3", mode="minibatch", epochs=EPOCHS)   # the oracle: torch alone
    for l in range(3):
        np.testing.assert_array_equal(t.initial_weights[l], torch_run.initial_weights[l])
        np.testing.assert_array_equal(t.arrays[f"W{l + 1}"][-1], torch_run.final_weights[l])
        np.testing.assert_array_equal(t.arrays[f"b{l + 1}"][-1], torch_run.final_biases[l])
    # the batch order is the DataLoader's, written out
    import torch

    from torch_impl.data import make_loader
    loader = make_loader(e, torch.tensor(e.inputs), torch.tensor(e.targets))
    order = [idx.tolist() for _ in range(EPOCHS) for *_, idx in loader]
    assert [t.samples(u).tolist() for u in range(t.updates)] == order


BLOCKER = textwrap.dedent("""
    import importlib.abc, sys
    attempts = []
    class NoTorch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                attempts.append(name)
                raise ImportError("torch is blocked in this test")
    sys.meta_path.insert(0, NoTorch())
    from compare.cli.main import main
    code = main(sys.argv[1:])
    assert not attempts, attempts
    assert not any(m == "torch" or m.startswith("torch.") for m in sys.modules), "torch was imported"
    sys.exit(code)
""")


def without_torch(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCKER, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_check_against_without_torch(trace):
    ok = without_torch("check", SOLUTION, "--against", str(trace))
    assert ok.returncode == 0, ok.stderr
    assert f"check OK: {SOLUTION} agrees with the recording" in ok.stdout
    assert "every stage" in ok.stdout and f"{EPOCHS * 2} updates" in ok.stdout


def test_a_bug_against_the_trace_reads_as_against_torch(trace, capsys):
    bug = str(ZOO / "mse_not_halved.py")
    offline = without_torch("check", bug, "--against", str(trace))
    assert offline.returncode == 1, offline.stderr
    assert main(["check", bug, "exercise3", "--mode", "minibatch", "--epochs", str(EPOCHS)]) == 1
    live = capsys.readouterr().err
    assert offline.stderr.strip() == live.strip()     # the same verdict, word for word


def test_fewer_epochs_than_recorded_and_a_json_report(trace, capsys):
    code = main(["check", SOLUTION, "--against", str(trace), "--epochs", "5", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["updates"] == 10 and out["parity"]["ok"] and out["check"]["against"] == str(trace)



def test_fewer_epochs_than_recorded_say_so_in_the_header(trace, capsys):
    """The header describes what is checked: 5 epochs of minibatch (4 samples, batches of 2: 2 updates an
    epoch), so 10 updates, not the 30 recorded epochs."""
    assert main(["check", SOLUTION, "--against", str(trace), "--epochs", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "every stage of 10 updates" in lines[0]
    assert "2 update(s)/epoch x 5 epochs" in lines[1] and f"x {EPOCHS} epochs" not in lines[1]
    assert sum(line.startswith("epoch ") for line in lines) == 1    # the loss line of epoch 0 only

def bad(argv, capsys, fragment):
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == "" and err.count("\n") == 1 and err.startswith("error: ") and fragment in err, err


def test_other_experiment_or_settings_are_refused(trace, capsys):
    bad(["check", SOLUTION, "hiring", "--against", str(trace)], capsys, "the trace records `exercise3` with inputs")
    bad(["check", SOLUTION, "--against", str(trace), "--lr", "0.5"], capsys,
        "with lr = 0.1, but this run (`exercise3`) asks for 0.5")
    bad(["check", SOLUTION, "--against", str(trace), "--epochs", str(EPOCHS + 1)], capsys, "asks for more")
    bad(["check", SOLUTION, "--against", str(trace), "--mode", "all"], capsys, "records one mode")


def test_bad_trace_files(trace, tmp_path, capsys):
    bad(["check", SOLUTION, "--against", str(tmp_path / "none.npz")], capsys, "no such file")
    text = tmp_path / "text.npz"
    text.write_text("hello")
    bad(["check", SOLUTION, "--against", str(text)], capsys, "not a readable trace")
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, W1=np.zeros((2, 2)))
    bad(["check", SOLUTION, "--against", str(foreign)], capsys, "not a trace written by `python -m compare record`")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(trace.read_bytes()[: trace.stat().st_size // 2])
    bad(["check", SOLUTION, "--against", str(truncated)], capsys, "not a readable trace")
    with np.load(trace, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    newer = tmp_path / "newer.npz"
    np.savez(newer, **{**arrays, "version": np.array(99)})
    bad(["check", SOLUTION, "--against", str(newer)], capsys, "trace format version 99")
    short = tmp_path / "short.npz"
    np.savez(short, **{**arrays, "W2": arrays["W2"][:-1]})
    bad(["check", SOLUTION, "--against", str(short)], capsys, "`W2` has shape")
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **{**arrays, "experiment": np.array([{"evil": 1}], dtype=object)})
    bad(["check", SOLUTION, "--against", str(pickled)], capsys, "refused")
    assert zipfile.is_zipfile(pickled)


def test_record_needs_a_file_and_one_mode(tmp_path, capsys):
    bad(["record", "hiring", "--epochs", "2"], capsys, "--out TRACE.npz is required")
    bad(["record", "exercise3", "--mode", "all", "--out", str(tmp_path / "t.npz")], capsys, "one run")
    bad(["record", "hiring", "--out", str(tmp_path)], capsys, "is a folder")
    bad(["record", "hiring", "--out", str(tmp_path / "no" / "t.npz")], capsys, "does not exist")
    assert list(tmp_path.iterdir()) == []
