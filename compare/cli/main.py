"""`python -m compare`: the lockstep run by default, or a subcommand (check, record, gradcheck, explain,
report, presets, grade). Each subcommand lives in its own module with a `main(argv) -> int`."""

from __future__ import annotations

import importlib
import sys

from compare.cli.runner import run_command

SUBCOMMANDS = {
    "presets": "compare.cli.cmd_presets",
    "check": "compare.cli.cmd_check",
    "record": "compare.cli.cmd_record",
    "gradcheck": "compare.cli.cmd_gradcheck",
    "report": "compare.cli.cmd_report",
    "explain": "compare.cli.cmd_explain",
    "grade": "compare.cli.cmd_grade",
}

DESCRIPTION = ("Train the experiment twice from identical weights, by hand-written NumPy backprop and by a "
               "torch nn.Module + SGD + DataLoader, and compare every weight and bias after every update. "
               f"Subcommands: {', '.join(SUBCOMMANDS)} (each with --help). "
               "Exit: 0 parity, 1 disagreement, 2 bad input, 3 diverged, 130/143/129 interrupted.")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        return importlib.import_module(SUBCOMMANDS[argv[0]]).main(argv[1:])
    return run_command("compare", argv, "python -m compare", DESCRIPTION)
