"""`--jobs N`: runs in parallel processes give what the serial loop gives, bit for bit, printed alike
(`--mode all` of every training command, the report's runs and seed bands); a bad count is exit 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from compare.cli import main as cli
from compare.reporting.plan import Settings, plan_runs
from compare.reporting.runs import run_all
from compare.running.progress import Progress
from numpy_impl.__main__ import main as numpy_main
from torch_impl.__main__ import main as torch_main

DATA = Path(__file__).parent / "data"
MAINS = {"compare": cli.main, "numpy_impl": numpy_main, "torch_impl": torch_main}


def run(main, argv, capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", sorted(MAINS))
@pytest.mark.parametrize("output", [["--json"], []])
def test_mode_all_in_two_processes_prints_what_one_prints(command, output, capsys):
    argv = ["exercise3", "--mode", "all", "--epochs", "30", "--report-every", "10", *output]
    serial = run(MAINS[command], [*argv, "--jobs", "1"], capsys)
    parallel = run(MAINS[command], [*argv, "--jobs", "2"], capsys)
    assert serial[0] == 0 and serial == parallel
    if output:
        runs = json.loads(serial[1])["runs"]
        assert [r["mode"] for r in runs] == ["batch", "stochastic", "minibatch"]
        assert runs[0]["environment"]["torch"] is None if command == "numpy_impl" else runs[0]["environment"]["torch"]


def test_a_diverging_run_ends_both_alike(capsys):
    argv = [str(DATA / "diverge.toml"), "--mode", "all", "--json"]
    serial = run(cli.main, [*argv, "--jobs", "1"], capsys)
    parallel = run(cli.main, [*argv, "--jobs", "2"], capsys)
    assert serial[0] == 3 and serial == parallel
    assert serial[1] == "" and "training diverged" in serial[2]


def test_a_disagreement_ends_both_alike(monkeypatch, capsys):
    """A NumPy step that is wrong from update 3 on: exit 1, the JSON of the failing run, the same message."""
    from numpy_impl.trainer import NumpyTrainer

    step = NumpyTrainer.step

    def late_bug(self, indices):
        out = step(self, indices)
        if self.updates >= 3:
            self.theta[0] += 1e-6
        return out
    monkeypatch.setattr(NumpyTrainer, "step", late_bug)      # inherited by the forked workers
    argv = ["exercise3", "--mode", "all", "--epochs", "5", "--json"]
    serial = run(cli.main, [*argv, "--jobs", "1"], capsys)
    parallel = run(cli.main, [*argv, "--jobs", "2"], capsys)
    assert serial[0] == 1 and serial == parallel
    (first,) = json.loads(serial[1])["runs"]       # the first run (batch) fails: the output ends there
    assert first["mode"] == "batch" and first["parity"]["failure"]["update"] == 3


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_a_bad_job_count_is_exit_2(jobs, capsys):
    code, out, err = run(cli.main, ["--jobs", jobs], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "--jobs" in err


def test_report_runs_and_seed_bands_in_parallel_are_the_serial_numbers():
    plans = plan_runs(Settings(seeds=2, epochs=15, report_every=5))
    experiments = [plan.experiment() for plan in plans]
    assert any("seed1" in plan.key for plan in plans)          # the seed bands are among them
    with Progress(1, enabled=False) as bar:
        serial = run_all(plans, experiments, progress=bar, jobs=1)
        parallel = run_all(plans, experiments, progress=bar, jobs=2)
    assert list(serial) == list(parallel)
    for key in serial:
        a, b = serial[key].report, parallel[key].report
        assert a.numpy.loss_log == b.numpy.loss_log and a.torch.loss_log == b.torch.loss_log
        assert np.array_equal(a.per_update, b.per_update)
        for x, y in zip(a.numpy.final_weights + a.torch.final_weights, b.numpy.final_weights + b.torch.final_weights):
            assert np.array_equal(x, y)


def test_the_default_is_the_cores_this_process_may_use(monkeypatch):
    from compare.running import parallel
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert parallel.resolve_jobs(None) == 3


def test_quiet_mode_all_names_each_runs_mode_in_order(capsys):
    """--quiet with several runs: one parity line per mode, each saying which, in the order of --mode all;
    the update counts are the hand count (4 samples: batch 1 a epoch, stochastic 4, minibatch of 2: 2)."""
    assert cli.main(["exercise3", "--mode", "all", "--epochs", "3", "--quiet", "--jobs", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": parity OK: ")[0] for line in lines] == [
        "exercise3 batch", "exercise3 stochastic", "exercise3 minibatch"]
    assert [int(line.split("parity OK: ")[1].split()[0]) for line in lines] == [3, 12, 6]
