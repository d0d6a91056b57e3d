"""`report --digits N`'s promises (README, "The report"), each against the commands' own `--json`:

- without `--digits`, every number shown is exactly what the run's command prints with `--json`, every digit
  (Python's repr of the float);
- `--digits N` (1-17) rounds every number the pages show (loss tables, outputs, the seeds' rows) to N
  significant digits, and `DIR/numbers.json` keeps every digit either way;
- 1 and 17 are accepted, 0, 18, a fraction or a word are one line, exit 2, nothing written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from compare.cli import cmd_report
from compare.cli import main as cli

QUICK = ["--epochs", "4", "--report-every", "2", "--seeds", "1", "--quiet"]


_SEEN: dict[str, dict] = {}


def _json_of(command: str, capsys) -> dict:
    """What `command --json` prints (each command run once per session: its output is deterministic)."""
    if command not in _SEEN:
        capsys.readouterr()
        assert cli.main(command.split()[3:] + ["--json"]) == 0
        _SEEN[command] = json.loads(capsys.readouterr().out)
    return _SEEN[command]


def _blocks(md: str) -> list[tuple[str, list[tuple[str, str]], list[list[str]]]]:
    """Each run block of solutions.md: (its command, its loss table rows as text, its outputs as text)."""
    out = []
    for block in md.split("\nCommand: `")[1:]:
        command, rest = block.split("`", 1)
        rest = rest.split("Parity:")[0]
        losses = re.findall(r"^\| (\d+) \| ([^|]+) \|$", rest, flags=re.M)
        outputs = [row.split(" | ")[3].split(", ") for row in re.findall(r"^\| (.+) \|$", rest, flags=re.M)
                   if row.count(" | ") == 4 and not row.startswith("candidate") and not row.startswith("---")]
        out.append((command, losses, outputs))
    return out


def _seed_rows(md: str) -> list[tuple[str, str, list[str]]]:
    rows = re.findall(r"^\| \d+ \| `(python -m compare [^`]+)` \| ([^|]+) \| ([^|]+) \|", md, flags=re.M)
    return [(command, loss.strip(), outputs.strip().split(", ")) for command, loss, outputs in rows]


def _build(out: Path, *extra: str) -> str:
    assert cmd_report.main(["--out", str(out), *QUICK, *extra]) == 0
    return (out / "solutions.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("digits")
    _build(tmp / "every")
    _build(tmp / "three", "--digits", "3")
    return {"every": tmp / "every", "three": tmp / "three"}


def _shown_as(reports, which: str, fmt, capsys) -> int:
    """Every loss and output the report `which` shows equals fmt(the command's --json value); returns the count."""
    md = (reports[which] / "solutions.md").read_text(encoding="utf-8")
    blocks, count = _blocks(md), 0
    assert len(blocks) == 8
    for command, losses, outputs in blocks:
        theirs = _json_of(command, capsys)
        assert [(e, v.strip()) for e, v in losses] == [(str(e), fmt(v)) for e, v in theirs["loss_log"]], command
        assert outputs == [[fmt(v) for v in row] for row in theirs["outputs"]], command
        count += len(losses) + sum(map(len, outputs))
    rows = _seed_rows(md)
    assert len(rows) == 3                         # three random modes x one seed
    for command, loss, outputs in rows:
        theirs = _json_of(command, capsys)
        assert loss == fmt(theirs["loss_log"][-1][1]) and outputs == [fmt(v[0]) for v in theirs["outputs"]]
        count += 1 + len(outputs)
    return count


def test_by_default_every_number_has_every_digit(reports, capsys):
    assert _shown_as(reports, "every", lambda v: repr(float(v)), capsys) > 50


def test_digits_rounds_every_number_shown(reports, capsys):
    assert _shown_as(reports, "three", lambda v: f"{float(v):.3g}", capsys) > 50
    page = (reports["three"] / "index.html").read_text(encoding="utf-8")     # the HTML page shows the same
    for command, _, _ in _blocks((reports["three"] / "solutions.md").read_text(encoding="utf-8")):
        for _, value in _json_of(command, capsys)["loss_log"]:
            assert f">{value:.3g}<" in page and repr(float(value)) not in page, (command, value)


def test_numbers_json_keeps_every_digit_either_way(reports, capsys):
    every = json.loads((reports["every"] / "numbers.json").read_text(encoding="utf-8"))
    three = json.loads((reports["three"] / "numbers.json").read_text(encoding="utf-8"))
    assert every == three
    for run in three["runs"].values():
        theirs = _json_of(run["command"], capsys)
        assert run["loss_log"] == theirs["loss_log"] and run["outputs"] == theirs["outputs"], run["command"]


@pytest.mark.parametrize("digits", ["1", "17"])
def test_the_ends_of_the_range_are_accepted(tmp_path, capsys, digits):
    """(The handout checks --digits as the report does, and builds in a second.)"""
    assert cmd_report.main(["--handout", "--out", str(tmp_path / "h"), "--digits", digits, "--quiet"]) == 0
    assert (tmp_path / "h" / "handout.md").is_file()


@pytest.mark.parametrize("digits", ["0", "18", "2.5", "six", "-3"])
def test_outside_1_to_17_is_one_line_exit_2_nothing_written(tmp_path, capsys, digits):
    for argv in (["--out", str(tmp_path / "r"), *QUICK], ["--handout", "--out", str(tmp_path / "h")]):
        assert cmd_report.main([*argv, "--digits", digits]) == 2
        out, err = capsys.readouterr()
        assert out == "" and len(err.strip().splitlines()) == 1 and "--digits" in err, err
        assert list(tmp_path.iterdir()) == []

