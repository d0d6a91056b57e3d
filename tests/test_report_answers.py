"""The answers as code: each corrected program in examples/answers/, run with the very command the report
shows, prints the report's numbers to the last digit (loss log, outputs, predictions). Exercise 3's random
modes, which draw their order with NumPy, print the table the report gives for them, and that table is what
`numpy_impl` alone computes. At full length the seed's example prints the seed's own check values."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_report import parse_runs

from compare import train_numpy

ROOT = Path(__file__).resolve().parents[1]
FLOAT = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def run_program(command: str, folder: Path) -> list[dict]:
    """Run `python answers/X.py ...` in `folder` (the report's, or the repository's examples/): its runs, as
    printed."""
    argv = command.split()
    assert argv[0] == "python" and argv[1].startswith("answers/")
    done = subprocess.run([sys.executable, *argv[1:]], cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    runs = []
    for block in re.split(r"^== .*$", done.stdout, flags=re.M):
        if not block.strip():
            continue
        losses, rest = block.split("output:")
        outputs, predictions = rest.split("predict:")
        runs.append({"loss_log": [[int(e), float(v)] for e, v in re.findall(rf"epochs: (\d+) loss: ({FLOAT})", losses)],
                     "outputs": [float(x) for x in re.findall(FLOAT, outputs)],
                     "predictions": [int(x) for x in re.findall(r"\d+", predictions)]})
    return runs


def shown_commands(md: str) -> dict[str, str]:
    return {name: command for command, name in
            re.findall(r"^(python answers/(\w+)\.py(?: [^\n]*)?)$", md, flags=re.M)}


def flat(rows: list[list]) -> list:
    return [x for row in rows for x in row]


def test_every_program_is_shown_in_the_report_and_copied_beside_it(en_report):
    md = (en_report / "solutions.md").read_text(encoding="utf-8")
    page = (en_report / "index.html").read_text(encoding="utf-8")
    commands = shown_commands(md)
    assert sorted(commands) == ["exercise1", "exercise2", "exercise3", "hiring"]
    for name in commands:
        source = (ROOT / "examples" / "answers" / f"{name}.py").read_text(encoding="utf-8")
        assert (en_report / "answers" / f"{name}.py").read_text(encoding="utf-8") == source
        assert source.strip() in md
        assert "def update(W, b, batch_X, batch_T, lr):" in page and "--epochs 20 --report-every 2" in commands[name]


def test_each_program_prints_the_reports_numbers(en_report):
    md = (en_report / "solutions.md").read_text(encoding="utf-8")
    report = parse_runs(md)                # hiring, exercise1, exercise2 x2, exercise3 batch + 3 at seed 0
    commands = shown_commands(md)
    printed = {name: run_program(command, en_report) for name, command in commands.items()}   # beside the report
    assert [len(printed[n]) for n in ("hiring", "exercise1", "exercise2", "exercise3")] == [1, 1, 2, 4]
    pairs = [(printed["hiring"][0], report[0]), (printed["exercise1"][0], report[1]),
             (printed["exercise2"][0], report[2]), (printed["exercise2"][1], report[3]),
             (printed["exercise3"][0], report[4])]
    for mine, theirs in pairs:
        assert mine["loss_log"] == theirs["loss_log"]            # every digit (repr round-trips)
        assert len(mine["loss_log"]) == 10
        assert mine["outputs"] == flat(theirs["outputs"])
        assert mine["predictions"] == flat(theirs["predictions"])
    # exercise 3's random modes: the report's table of what the program prints (NumPy's order, seed 0)
    table = md.split("those of `python -m numpy_impl exercise3` with the same options:")[1].split("\n\n")[1]
    rows = [line.strip("|").split(" | ") for line in table.splitlines()[2:]]
    assert len(rows) == 3
    flags = [dict(mode="stochastic"), dict(mode="minibatch", batch_size=2),
             dict(mode="stochastic", order="replacement", samples_per_epoch=1)]
    for mine, row, extra in zip(printed["exercise3"][1:], rows, flags):
        assert mine["loss_log"][-1][1] == float(row[1])
        assert mine["outputs"] == [float(x) for x in row[2].split(", ")]
        assert mine["predictions"] == [int(x) for x in row[3].split(", ")]
        alone = train_numpy("exercise3", seed=0, epochs=20, report_every=2, **extra)   # independent of the report
        assert mine["loss_log"] == [[e, v] for e, v in alone.loss_log]
        assert mine["outputs"] == flat(alone.outputs.tolist())
    # and the torch-order runs above differ from them: the report is right to show both
    assert printed["exercise3"][1]["loss_log"] != report[5]["loss_log"]


@pytest.mark.parametrize("name", ["hiring"])
def test_the_seed_example_at_full_length_prints_the_seeds_check_values(name):
    (run,) = run_program(f"python answers/{name}.py", ROOT / "examples")
    assert run["loss_log"][0] == [0, 0.11673740506651809]
    assert run["loss_log"][-1] == [9000, 0.0001174237438809849]
    assert f"{run['outputs'][0]:.8f}" == "0.98551454"
    assert run["predictions"] == [1]
