"""The progress bar: silent off a terminal and with --quiet, tqdm with the mode and loss on a terminal."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

from compare.running.progress import Progress, wanted


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_not_a_terminal_means_no_bar():
    assert not wanted(False, io.StringIO())
    assert not wanted(True, FakeTTY())          # --quiet beats a terminal
    assert wanted(False, FakeTTY())


def test_disabled_bar_writes_nothing_and_passes_lines_through(capsys):
    with Progress(100, "exercise3 minibatch", enabled=False) as bar:
        for epoch in range(100):
            bar.advance(loss=0.1 if epoch % 10 == 0 else None)
        bar.write("epoch      0  loss 0.1")
    out, err = capsys.readouterr()
    assert err == ""
    assert out == "epoch      0  loss 0.1\n"


def test_enabled_bar_shows_mode_and_loss(monkeypatch):
    monkeypatch.setattr("compare.running.progress.DELAY_S", 0.0)   # the real bar waits a second before it appears
    stream = FakeTTY()
    with Progress(50, "exercise3 minibatch", enabled=True, stream=stream) as bar:
        bar._bar.ncols, bar._bar.nrows = 100, 40           # a StringIO has no window size
        for _ in range(50):
            bar.advance(loss=0.123)
        bar._bar.refresh()
        shown = stream.getvalue()
    assert "exercise3 minibatch" in shown
    assert "loss 1.230e-01" in shown


def test_a_piped_run_has_a_clean_stderr(root):
    """stderr is a pipe here, not a terminal: no bar although the run takes over a second, and stdout holds
    the JSON object and nothing else."""
    proc = subprocess.run([sys.executable, "-m", "compare", "exercise3", "--mode", "minibatch", "--epochs", "1500",
                           "--json"], cwd=root, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert json.loads(proc.stdout)["updates"] == 3000
