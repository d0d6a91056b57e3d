"""`report --digits N` rounds the numbers the pages show to N significant digits, while numbers.json keeps
every digit (the same numbers `--json` prints); the default shows every digit. `--digits` outside 1-17 and an
`--out` inside the package's own files are refused with one line, exit 2, nothing written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import compare
from compare.cli import cmd_report
from compare.cli import main as cli
from compare.reporting.answers import examples_dir

QUICK = ["--epochs", "6", "--seeds", "1", "--quiet"]


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_digits_round_the_pages_and_the_data_keeps_every_digit(tmp_path, capsys):
    out = tmp_path / "report"
    assert cmd_report.main(["--out", str(out), "--digits", "4", *QUICK]) == 0
    md = (out / "solutions.md").read_text(encoding="utf-8")
    losses = re.findall(r"^\| (\d+) \| ([0-9.e-]+) \|$", md, flags=re.M)
    assert losses and all(len(v.replace("0.", "", 1).lstrip("0").replace(".", "")) <= 4 for _, v in losses)
    data = json.loads((out / "numbers.json").read_text(encoding="utf-8"))
    run = data["runs"]["hiring/stochastic"]
    capsys.readouterr()
    assert cli.main(run["command"].split()[3:] + ["--json"]) == 0
    theirs = json.loads(capsys.readouterr().out)
    assert run["loss_log"] == theirs["loss_log"] and run["outputs"] == theirs["outputs"]     # every digit
    shown = dict(losses[:len(theirs["loss_log"])])
    for epoch, value in theirs["loss_log"]:
        assert shown[str(epoch)] == f"{value:.4g}"
    assert "--digits 4" in (out / ".compare-report").read_text()


@pytest.mark.parametrize("digits", ["0", "18", "-1"])
def test_digits_outside_1_to_17_are_refused(tmp_path, capsys, digits):
    assert cmd_report.main(["--out", str(tmp_path / "report"), "--digits", digits, *QUICK]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and f"--digits {digits}" in err and "1 to 17" in err
    assert listing(tmp_path) == []


@pytest.mark.parametrize("inside", ["package", "examples", "answers", "numpy_impl", "torch_impl"])
def test_out_inside_the_packages_own_files_is_refused(tmp_path, capsys, inside):
    base = {"package": Path(compare.__file__).parent / "reporting", "examples": examples_dir(),
            "answers": examples_dir() / "answers", "numpy_impl": Path(compare.__file__).parents[1] / "numpy_impl",
            "torch_impl": Path(compare.__file__).parents[1] / "torch_impl"}[inside]
    target = base / "report_here"
    before = listing(base)
    for argv in (["--out", str(target), *QUICK], ["--handout", "--out", str(target)]):
        assert cmd_report.main(argv) == 2
        out, err = capsys.readouterr()
        assert out == "" and len(err.splitlines()) == 1 and "inside the package's own files" in err
    assert listing(base) == before and not target.exists()
