"""An interrupted run (SIGINT, SIGTERM) exits 130 / 143 with one line and leaves no file behind: neither a
half-written one nor a temporary one."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {signal.SIGINT: (130, "interrupted (SIGINT)"), signal.SIGTERM: (143, "terminated (SIGTERM)")}


def start(args: list[str], marker: str) -> subprocess.Popen:
    """Start a process and wait until it prints `marker` on stdout (so it is past its imports and working).
    SIGINT is reset to its default in the child: a test runner started in the background may ignore it,
    and Python installs its KeyboardInterrupt handler only when SIGINT is not ignored."""
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if marker in line:
            return proc
        if not line and proc.poll() is not None:
            raise AssertionError(f"exited early ({proc.returncode}): {proc.stderr.read()}")
    proc.kill()
    raise AssertionError(f"never printed {marker!r}")


def finish(proc: subprocess.Popen, sig: signal.Signals) -> tuple[int, str]:
    time.sleep(0.3)
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_training_exits_cleanly_and_writes_nothing(tmp_path, sig):
    out = tmp_path / "plots"
    weights = tmp_path / "w.npz"
    proc = start(["-m", "compare", "exercise3", "--epochs", "2000000", "--report-every", "1",
                  "--out", str(out), "--save-weights", str(weights)], marker="epoch      1 ")
    code, err = finish(proc, sig)
    status, words = EXPECTED[sig]
    assert code == status, err
    assert err.splitlines() == [f"{words}: nothing half-written was left behind"], err
    assert not weights.exists()
    leftovers = [p.name for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == []


WRITER = """
import sys, time
from compare.files.atomic import atomic_write
from compare.cli.runner import guarded

def write(tmp):
    with open(tmp, "wb") as handle:
        handle.write(b"half of a file")
        handle.flush()
        print("writing", flush=True)
        time.sleep(60)                      # the signal arrives here, mid-write
        handle.write(b" and the rest")

sys.exit(guarded(lambda: atomic_write(sys.argv[1], write) and 0))
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_a_write_leaves_the_old_file_and_no_temporary(tmp_path, sig):
    target = tmp_path / "result.npz"
    target.write_bytes(b"the previous, complete file")
    proc = start(["-c", WRITER, str(target)], marker="writing")
    assert len(list(tmp_path.iterdir())) == 2          # the target and the temporary being written
    code, err = finish(proc, sig)
    assert code == EXPECTED[sig][0], err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["result.npz"]
    assert target.read_bytes() == b"the previous, complete file"
