"""The grading benchmark: a typical class of 100 submissions graded by `python -m compare grade`.

80 copies of `examples/backprop_solution.py` (every keyword: each check of the suite runs), 15 right for one
sample but wrong for batches (no keywords), 5 raising an exception; the default rubric, our
NumPy reference (`--reference numpy`: what a machine without torch runs), `--jobs` = the cores this process
may use, the default `--sandbox auto` (bubblewrap where it works here: a sandbox, user id and control group
per submission as root). The figure is the command's wall-clock time (its start-up included) over the 60 s
target; the CPU seconds it and everything it started used are reported beside it (on a shared machine the
wall clock also measures the neighbours).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from bench.suites import Row
from bench.timing import Figure, measure

TARGET_S = 60.0
RIGHT = '''
def backward(weights, biases, activations, targets):
    B = targets.shape[0]
    A = activations[-1]
    delta = (A - targets) * A * (1 - A)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        dW[l] = activations[l].T @ delta / B
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l:
            delta = (delta @ weights[l].T) * activations[l] * (1 - activations[l])
    return dW, db
'''
WRONG = RIGHT.replace(" / B", "")
RAISES = "def backward(weights, biases, activations, targets):\n    raise ValueError('not done')\n"


SOLUTION = Path(__file__).resolve().parents[1] / "examples" / "backprop_solution.py"


def write_class(folder: Path, n: int) -> None:
    right = SOLUTION.read_text(encoding="utf-8")
    for k in range(n):
        share = k * 100 // n
        source = right if share < 80 else WRONG if share < 95 else RAISES
        (folder / f"student{k:03d}.py").write_text(source)


def grading(repeats: int, quick: bool) -> tuple[list[Row], dict]:
    n = 10 if quick else 100
    times, cpu = [], []
    from compare.sandbox.choose import resolve
    level = resolve("auto", quiet=True)
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        write_class(Path(tmp), n)
        for _ in range(repeats):
            done: list[subprocess.CompletedProcess] = []
            wall, used = measure(lambda: done.append(subprocess.run(
                [sys.executable, "-m", "compare", "grade", tmp, "--reference", "numpy", "--quiet"],
                capture_output=True, text=True, stdin=subprocess.DEVNULL)))
            times.append(wall)
            cpu.append(used)
            run = done[0]
            if run.returncode != 0 or f"{n} submission(s) graded" not in run.stdout:
                raise RuntimeError(f"grade failed: {run.stderr.strip()[-300:]}")
    row = Row("grade 100 / 60 s", f"`compare grade` of {n} submissions (default rubric, NumPy reference, --jobs = "
              f"cores, sandbox {level}) / 60 s", Figure.of([t / TARGET_S for t in times]), 1.0, True, not quick)
    return [row], {"submissions": n, "seconds": {"grade": times}, "cpu_seconds": {"grade": cpu}, "sandbox": level}
