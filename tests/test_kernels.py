"""What a CPU's floating-point kernels may change, and what they may not.

torch picks its kernels by CPU (`ATEN_CPU_CAPABILITY=default|avx2|avx512` forces one), MKL its code path,
NumPy's OpenBLAS its core (`OPENBLAS_CORETYPE=Haswell|SkylakeX|Sandybridge|Nehalem|...`). They round
differently in the last bits, so a number that two libraries compute (the parity figures, a recording
against a fresh one) may differ by a few ulps from CPU to CPU. What this project states "bit for bit" is
checked here under whatever kernels run this process (`-m kernel`), and by `test_..._under_forced_kernels`
in fresh processes under two forced kernels of each library (`.ci/run` runs `-m kernel` under them as well):

- numpy_impl reproduces the seed's printed numbers to the last digit, and the seed script's whole
  trajectory bit for bit (both are NumPy: the same kernel computes both);
- `--jobs N` gives the serial loop's numbers bit for bit (each worker runs the same code on the same kernel);
- the same run records the same bytes (on one machine, under one kernel);
- the shipped suite recordings are within their bound (tests/test_suite_recordings.py).

A forced kernel that torch or OpenBLAS does not have on this CPU (avx512 on a CPU without it, avx2 on an ARM
machine) is not silently replaced: those tests skip, saying which kernel runs instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from compare import load_experiment, train_numpy
from tests.seed_oracle import seed_train

ROOT = Path(__file__).resolve().parents[1]
# the seed script's printed check values (its own output, not ours)
SEED_LOSS_0 = "0.11673740506651809"
SEED_LOSS_9000 = "0.0001174237438809849"
FORCED = [{"ATEN_CPU_CAPABILITY": "default", "OPENBLAS_CORETYPE": "Nehalem"},
          {"ATEN_CPU_CAPABILITY": "avx2", "OPENBLAS_CORETYPE": "Haswell"}]


def forced_kernel_missing() -> str | None:
    """Why the kernels forced on this process are not the ones running (torch or OpenBLAS fell back to
    another on this CPU), or None."""
    wanted = os.environ.get("ATEN_CPU_CAPABILITY")
    if wanted:
        try:
            import torch
        except ImportError:
            torch = None
        if torch is not None:
            running = torch.backends.cpu.get_cpu_capability()
            if running.lower() != wanted.lower():
                return f"torch has no `{wanted}` kernel on this CPU (ATEN_CPU_CAPABILITY): it runs `{running}`"
    core = os.environ.get("OPENBLAS_CORETYPE")
    if core:
        try:
            from threadpoolctl import threadpool_info
        except ImportError:
            return f"OPENBLAS_CORETYPE={core} cannot be confirmed without threadpoolctl"
        cores = [p.get("architecture") for p in threadpool_info() if p.get("internal_api") == "openblas"]
        if cores and any((c or "").lower() != core.lower() for c in cores):
            return f"NumPy's OpenBLAS has no `{core}` core on this CPU (OPENBLAS_CORETYPE): it runs {cores}"
    return None


MISSING = forced_kernel_missing()


@pytest.mark.parametrize("name", ["hiring", "exercise2"])
@pytest.mark.kernel
@pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
def test_numpy_impl_is_the_seed_script_bit_for_bit(name):
    epochs = 10000 if name == "hiring" else 2000            # hiring: the seed's whole run
    e = load_experiment(name, {"epochs": epochs, "report_every": epochs // 10})
    Ws, bs = [np.array(w) for w in e.init_weights], [np.array(b) for b in e.init_biases]
    seed_log, seed_output = seed_train(np.array(e.inputs), np.array(e.targets), Ws, bs, epochs=epochs,
                                       report=epochs // 10)
    history = train_numpy(e)
    assert history.loss_log == seed_log                     # every logged loss, every bit
    np.testing.assert_array_equal(history.outputs, seed_output)
    if name == "hiring":                                    # and the seed's printed digits, as printed
        log = dict(history.loss_log)
        assert (repr(log[0]), repr(log[9000])) == (SEED_LOSS_0, SEED_LOSS_9000)


def _parity(mode: str) -> tuple:
    import compare
    report = compare.run("exercise3", mode=mode, epochs=100, report_every=10)
    return (report.numpy.loss_log, report.torch.loss_log, report.max_abs_diff, report.per_update.tobytes(),
            report.numpy.outputs.tobytes())


@pytest.mark.kernel
@pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
def test_jobs_give_the_serial_numbers_bit_for_bit():
    pytest.importorskip("torch")
    from compare.running.parallel import map_jobs

    modes = ["batch", "stochastic", "minibatch"]
    assert map_jobs(_parity, modes, jobs=2) == map_jobs(_parity, modes, jobs=1)


@pytest.mark.kernel
@pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
def test_the_same_run_records_the_same_bytes(tmp_path):
    pytest.importorskip("torch")
    from compare.experiment.initial import initial_parameters
    from compare.usercode.trace import record, save_trace

    e = load_experiment("exercise3", {"mode": "minibatch", "epochs": 50, "report_every": 10})
    for name in ("a.npz", "b.npz"):
        save_trace(tmp_path / name, record(e, *initial_parameters(e)))
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


@pytest.mark.parametrize("forced", FORCED, ids=lambda f: "+".join(f.values()))
def test_every_kernel_claim_holds_under_forced_kernels(forced):
    """The `kernel` tests (these and the recordings') in a fresh process whose kernels are forced."""
    pytest.importorskip("torch")
    env = {**os.environ, **forced, "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-m", "kernel", "-p", "no:randomly",
                           "-p", "no:xdist", "-p", "no:cacheprovider", "tests/test_kernels.py",
                           "tests/test_suite_recordings.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    tail = done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 0, tail
    summary = done.stdout.strip().splitlines()[-1]
    if " passed" not in summary:
        reasons = sorted({line.split(": ", 1)[-1] for line in done.stdout.splitlines() if line.startswith("SKIPPED")})
        pytest.skip("; ".join(reasons) or summary)
    assert "skipped" not in summary, tail


@pytest.mark.kernel
@pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
def test_jobs_1_and_jobs_2_print_the_same_json_for_a_network_torch_splits_across_threads(capsys):
    """blobs' full batch (1,000 x 64 inputs) is wide enough that torch rounds differently on two threads
    than on one: several runs compute on one thread each, in workers and in the serial loop alike."""
    torch = pytest.importorskip("torch")
    from compare.cli.main import main

    threads = torch.get_num_threads()
    printed = []
    for jobs in ("1", "2"):
        assert main(["blobs", "--mode", "all", "--epochs", "1", "--json", "--jobs", jobs]) == 0
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]
    assert torch.get_num_threads() == threads           # the caller's own setting, restored
