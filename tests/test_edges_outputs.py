"""Everything that will be written is checked before any work (exit 2, one line, nothing on stdout, nothing
written); the report's swap into place is atomic with respect to our signals; `check FILE EXPERIMENT
--against TRACE` accepts the very run recorded, for every preset and mode."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from compare.cli import cmd_report
from compare.cli.main import main
from compare.cli.runner import guarded
from compare.experiment.definition import MODES
from compare.experiment.sources import load_experiment, preset_names

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = str(ROOT / "examples" / "backprop_solution.py")
UNWRITABLE = Path("/proc")          # no file can be created there, not even by root
HIRING = (ROOT / "compare/experiment/presets/hiring.toml").read_text(encoding="utf-8")


def refused_before_work(argv: list[str], capsys, *words: str) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == "" and err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return err


def named(tmp_path: Path, name: str) -> str:
    path = tmp_path / "named.toml"
    path.write_text(HIRING.replace('name = "hiring"', f'name = "{name}"'), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("argv, words", [
    (["hiring", "--save-weights", str(UNWRITABLE / "w.npz")], ["--save-weights", "cannot write in /proc"]),
    (["record", "hiring", "--out", str(UNWRITABLE / "t.npz")], ["--out", "cannot write in /proc"]),
    (["hiring", "--out", str(UNWRITABLE / "plots")], ["--out", "cannot write in /proc"]),
    (["check", SOLUTION, "hiring", "--out", str(UNWRITABLE / "plots")], ["cannot write in /proc"]),
])
def test_an_unwritable_target_is_refused_before_the_run(capsys, argv, words):
    refused_before_work([*argv, "--epochs", "2"], capsys, *words)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_folder_is_refused_before_the_run(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        refused_before_work(["hiring", "--epochs", "2", "--save-weights", str(folder / "w.npz")], capsys,
                            "cannot write in")
        refused_before_work(["record", "hiring", "--epochs", "2", "--out", str(folder / "t.npz")], capsys,
                            "cannot write in")
    finally:
        folder.chmod(0o755)


def test_names_too_long_for_the_file_system(tmp_path, capsys):
    long = "n" * 300
    refused_before_work(["hiring", "--epochs", "2", "--save-weights", str(tmp_path / f"{long}.npz")], capsys,
                        "a name of 304 bytes in the path; at most 255")
    refused_before_work(["record", "hiring", "--epochs", "2", "--out", str(tmp_path / ("é" * 200))], capsys,
                        "a name of 400 bytes")
    refused_before_work(["hiring", "--epochs", "2", "--out", str(tmp_path / "x" / ("d" * 256))], capsys,
                        "at most 255")
    refused_before_work(["report", "--epochs", "2", "--seeds", "1", "--out", str(tmp_path / ("r" * 300))], capsys,
                        "a name of 300 bytes")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["é" * 120, "n" * 300], ids=["240 bytes", "300 bytes"])
def test_a_long_experiment_name_still_makes_valid_plot_names(tmp_path, capsys, name):
    out = tmp_path / "plots"
    assert main([named(tmp_path, name), "--epochs", "2", "--quiet", "--out", str(out)]) == 0
    capsys.readouterr()
    assert sorted(len(os.fsencode(p.name)) <= 255 for p in out.iterdir()) == [True, True]


def test_a_trace_too_large_to_read_back_is_refused_before_recording(tmp_path, capsys):
    refused_before_work(["record", "blobs", "--mode", "stochastic", "--epochs", "100", "--out",
                         str(tmp_path / "t.npz")], capsys, "trace would hold 4.", "read up to 1 GiB")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_where_a_file_is_wanted(tmp_path, capsys):
    refused_before_work(["hiring", "--epochs", "2", "--save-weights", str(tmp_path)], capsys, "is a folder")
    refused_before_work(["record", "hiring", "--epochs", "2", "--out", str(tmp_path)], capsys, "is a folder")
    (tmp_path / "file").write_text("x")
    refused_before_work(["hiring", "--epochs", "2", "--out", str(tmp_path / "file")], capsys,
                        "exists and is not a folder")
    refused_before_work(["hiring", "--epochs", "2", "--out", str(tmp_path / "file" / "sub")], capsys,
                        "is not a folder")


def test_a_failed_run_leaves_no_plots_folder(tmp_path, capsys):
    out = tmp_path / "new" / "plots"
    assert main([str(ROOT / "tests" / "data" / "diverge.toml"), "--out", str(out)]) == 3
    capsys.readouterr()
    assert list(tmp_path.iterdir()) == []


# --- the report's swap, interrupted at every step ------------------------------------------------------------

STEPS = ["mkdtemp", "replace 1", "replace 2", "rmtree"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("step", STEPS)
def test_a_signal_during_the_report_swap_leaves_one_whole_report(tmp_path, monkeypatch, sig, step):
    target, built = tmp_path / "report", tmp_path / ".report.build"
    for folder, text in ((target, "old"), (built, "new")):
        folder.mkdir()
        (folder / "index.html").write_text(text)
        (folder / cmd_report.MARKER).write_text("x")
    seen: list[str] = []

    def hit(name: str) -> None:
        seen.append(name)
        if name == step:
            signal.raise_signal(sig)            # lands right after this step

    real_replace, real_mkdtemp, real_rmtree = os.replace, cmd_report.tempfile.mkdtemp, shutil.rmtree

    def replace(a, b):
        real_replace(a, b)
        hit(f"replace {sum(s.startswith('replace') for s in seen) + 1}")

    def mkdtemp(*args, **kwargs):
        path = real_mkdtemp(*args, **kwargs)
        hit("mkdtemp")
        return path

    def rmtree(path, *args, **kwargs):
        real_rmtree(path, *args, **kwargs)
        hit("rmtree")
    monkeypatch.setattr(cmd_report.os, "replace", replace)
    monkeypatch.setattr(cmd_report.tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(cmd_report.shutil, "rmtree", rmtree)
    code = guarded(lambda: cmd_report.swap_into_place(built, target) or 0)
    assert code == 128 + sig and step in seen
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]          # no .old folder, no build
    assert (target / "index.html").read_text() == "new"                      # the swap completed first


# --- check --against the very run recorded -------------------------------------------------------------------

CASES = [(name, mode) for name in preset_names() for mode in MODES]


@pytest.mark.parametrize("name, mode", CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_check_against_the_run_recorded(tmp_path, capsys, name, mode):
    n = load_experiment(name).n_samples
    flags = ["--mode", mode, "--epochs", "2" if n < 20 else "1"]    # a short run; few updates for big data
    if mode == "minibatch" and n < 2:
        flags += ["--batch-size", "1"]
    if mode == "stochastic" and n > 100:        # 1,000 updates of blobs: 16 drawn samples tell as much
        flags += ["--order", "replacement", "--samples-per-epoch", "16"]
    trace = tmp_path / "t.npz"
    assert main(["record", name, *flags, "--out", str(trace), "--quiet"]) == 0, capsys.readouterr().err
    assert main(["check", SOLUTION, name, *flags, "--against", str(trace), "--quiet"]) == 0, \
        capsys.readouterr().err
    assert main(["check", SOLUTION, name, "--mode", mode, "--epochs", "1", "--against", str(trace), "--quiet"]
                + flags[4:]) == 0, capsys.readouterr().err   # fewer epochs than recorded
    other = "batch" if mode != "batch" else "stochastic"
    assert main(["check", SOLUTION, name, "--mode", other, "--epochs", "2", "--against", str(trace)]) == 2
    assert "the trace records" in capsys.readouterr().err


@pytest.mark.parametrize("flags", [["--order", "replacement", "--samples-per-epoch", "1"],
                                   ["--order", "sequential"], ["--mode", "minibatch", "--drop-last",
                                                               "--batch-size", "3"]])
def test_check_against_with_explicit_orders(tmp_path, capsys, flags):
    trace = tmp_path / "t.npz"
    assert main(["record", "exercise3", "--epochs", "2", *flags, "--out", str(trace), "--quiet"]) == 0
    assert main(["check", SOLUTION, "exercise3", "--epochs", "2", *flags, "--against", str(trace), "--quiet"]) == 0
    capsys.readouterr()
