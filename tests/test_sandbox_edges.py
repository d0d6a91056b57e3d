"""The edges of what `grade` and `check --isolate` take: folder submissions (helper modules, the entry
point, caps), a UTF-8 byte-order mark, paths that are not files (each a row), names that would forge the
table or a spreadsheet formula, the wire's size arithmetic, and messages bounded per submission. They run
with `--sandbox auto`: in bubblewrap where it works, else in a process of their own.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from compare.grading import wire
from compare.grading.bundle import MAX_FILES
from tests.test_grading import CLASS, ROOT, RUBRIC, grade
from tests.test_grading_isolation import raw

RIGHT = (CLASS / "right.py").read_text()
HELPER_MAIN = "from network import backprop\n\n\ndef backward(weights, biases, activations, targets):\n" \
              "    return backprop(weights, activations, targets)\n"
# the right file's formulas, moved into a helper module
HELPER = RIGHT.replace("def backward(weights, biases, activations, targets):",
                       "def backprop(weights, activations, targets):")


def check(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "compare", "check", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=300)


def graded(tmp: Path, *paths: str, extra: tuple[str, ...] = ()) -> tuple[subprocess.CompletedProcess, dict]:
    rubric = tmp / "rubric.toml"
    rubric.write_text(RUBRIC)
    out = tmp / "out.json"
    run = grade(*paths, "--rubric", str(rubric), "--jobs", "2", "--json", str(out), *extra)
    assert run.returncode == 0, run.stderr
    return run, {s["file"]: s for s in json.loads(out.read_text())["submissions"]}


def test_helper_module_in_right_file_asserts_the_helper_is_needed() -> None:
    assert "def backward" not in HELPER and "def backprop" in HELPER


def test_folder_submissions_in_grade(tmp_path: Path) -> None:
    cls = tmp_path / "class"
    (cls / "ana").mkdir(parents=True)
    (cls / "ana" / "main.py").write_text(HELPER_MAIN)              # the one file defining backward
    (cls / "ana" / "network.py").write_text(HELPER)
    (cls / "ben").mkdir()
    (cls / "ben" / "a.py").write_text(RIGHT)
    (cls / "ben" / "b.py").write_text(RIGHT)
    (cls / "cy").mkdir()
    (cls / "cy" / "main.py").write_text(HELPER_MAIN)                # network.py not brought
    (cls / "dee").mkdir()
    (cls / "dee" / "submission.py").write_text(RIGHT)
    for k in range(MAX_FILES + 1):
        (cls / "dee" / f"data{k}.txt").write_text("x")
    (cls / "eve").mkdir()
    (cls / "eve" / "submission.py").write_text(HELPER_MAIN)        # submission.py wins; subfolder copied
    (cls / "eve" / "network.py").write_text(HELPER)
    (cls / "eve" / "more").mkdir()
    (cls / "eve" / "more" / "notes.txt").write_text("kept")
    _, by = graded(tmp_path, str(cls))
    assert (by["ana"]["score"], by["ana"]["verdict"]) == (4, "pass"), by["ana"]
    assert (by["eve"]["score"], by["eve"]["verdict"]) == (4, "pass"), by["eve"]
    assert by["ben"]["verdict"] == "error" and "2 files define backward (a.py, b.py)" in by["ben"]["reason"]
    assert by["cy"]["verdict"] == "error" and "include network.py in your folder" in by["cy"]["reason"], by["cy"]
    assert by["dee"]["verdict"] == "error" and f"more than {MAX_FILES} files" in by["dee"]["reason"]


def test_folder_submission_in_check_isolate(tmp_path: Path) -> None:
    sub = tmp_path / "mine"
    sub.mkdir()
    (sub / "main.py").write_text(HELPER_MAIN)
    (sub / "network.py").write_text(HELPER)
    run = check(str(sub), "--isolate")
    assert run.returncode == 0, run.stderr
    assert "check suite" in run.stdout
    (sub / "other.py").write_text(RIGHT)
    run = check(str(sub), "--isolate")
    assert run.returncode == 2 and run.stdout == ""
    assert "2 files define backward (main.py, other.py)" in run.stderr and len(run.stderr.splitlines()) == 1
    (sub / "other.py").unlink()
    (sub / "network.py").unlink()
    run = check(str(sub), "--isolate")
    assert run.returncode == 2 and "include network.py in your folder" in run.stderr, run.stderr


def test_a_byte_order_mark_is_accepted_as_python_accepts_it(tmp_path: Path) -> None:
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + RIGHT.encode())
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + RIGHT.encode())
    for sandbox in ("auto", "none"):
        _, by = graded(tmp_path, str(bom), str(latin), extra=("--sandbox", sandbox))
        assert (by["bom.py"]["score"], by["latin.py"]["score"]) == (4, 4), by
    assert check(str(bom), "--isolate").returncode == 0
    assert check(str(bom)).returncode == 0


def test_every_path_found_gets_a_row(tmp_path: Path) -> None:
    cls = tmp_path / "class"
    cls.mkdir()
    (cls / "right.py").write_text(RIGHT)
    os.mkfifo(cls / "fifo.py")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(cls / "sock.py"))
    (cls / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    (cls / "loop.py").symlink_to(cls / "loop.py")
    (cls / "folder.py").mkdir()
    (cls / "link.py").symlink_to(CLASS / "right.py")
    (cls / "notes.txt").write_text("not a submission")
    try:
        os.mkfifo(tmp_path / "given.py")      # named on the command line
        run, by = graded(tmp_path, str(cls), str(tmp_path / "given.py"))
    finally:
        sock.close()
    assert set(by) == {"right.py", "fifo.py", "sock.py", "dangling.py", "loop.py", "folder.py", "link.py", "given.py"}
    assert by["right.py"]["score"] == 4
    reasons = {name: by[name]["reason"] for name in by if name != "right.py"}
    assert all(by[n]["verdict"] == "error" and by[n]["score"] == 0 for n in reasons)
    assert "is a FIFO (named pipe)" in reasons["fifo.py"] and "is a socket" in reasons["sock.py"]
    assert "is a FIFO (named pipe)" in reasons["given.py"]
    assert "leads nowhere (or in a loop)" in reasons["dangling.py"] and "in a loop" in reasons["loop.py"]
    assert "a folder named like a Python file" in reasons["folder.py"]
    assert "is a symbolic link: a file found in a class folder" in reasons["link.py"]


def test_names_cannot_forge_the_table_or_a_spreadsheet_formula(tmp_path: Path) -> None:
    cls = tmp_path / "class"
    cls.mkdir()
    (cls / "zed.py\nzed.py  full marks  pass.py").write_text(RIGHT.replace("/ B", ""))
    (cls / "\x1b[2J=evil.py").write_text(RIGHT)
    (cls / '=HYPERLINK("x").py').write_text("raise ValueError('=cmd|calc')\n")
    run, by = graded(tmp_path, str(cls), extra=("--csv", str(tmp_path / "o.csv")))
    table = run.stdout.splitlines()
    assert len(table) == 4                      # the header and one line per submission
    assert "zed.py\\x0azed.py  full marks  pass.py" in run.stdout and "\x1b" not in run.stdout
    assert not any(line.startswith("zed.py  full") for line in table)
    rows = list(csv.reader((tmp_path / "o.csv").open()))
    cells = [c for row in rows[1:] for c in row]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells), cells
    assert "'=HYPERLINK(\"x\").py" in cells and all("\n" not in c and "\x1b" not in c for c in cells)


def test_the_wire_checks_its_size_arithmetic_before_multiplying() -> None:
    """Dimensions whose product overflows 64 bits (NumPy's int64 wraps to a small number): refused."""
    for dims in ([2**31 - 1] * 4, [2**31 - 1, 2**31 - 1, 2**31 - 1, 4], [0, 2**31 - 1, 2**31 - 1, 2**31 - 1]):
        head = json.dumps({"arrays": [["<c16", dims]]}).encode()
        exc = raw(wire.MAGIC + len(head).to_bytes(4, "big") + head)
        if 0 in dims:   # an empty array is a fine answer: it waits for nothing more, then the pipe ends
            assert not isinstance(exc, wire.ProtocolError) or "more than" not in str(exc)
        else:
            assert isinstance(exc, wire.ProtocolError) and "more than" in str(exc), exc


def test_messages_and_output_are_bounded_per_submission(tmp_path: Path) -> None:
    loud = tmp_path / "loud.py"
    loud.write_text("import sys\nsys.stdout.write('y' * 5_000_000)\n"
                    "def backward(weights, biases, activations, targets):\n"
                    "    raise ValueError('x' * 1_000_000 + '\\n' * 1000)\n")
    _, by = graded(tmp_path, str(loud))
    doc = (tmp_path / "out.json").read_text()
    assert len(doc) < 40_000, len(doc)
    assert by["loud.py"]["verdict"] == "error" and "more characters]" in by["loud.py"]["reason"]


@pytest.mark.parametrize("flag", ["--sandbox"])
def test_sandbox_flag_needs_isolate_in_check(flag: str) -> None:
    run = check(str(CLASS / "right.py"), flag, "none")
    assert run.returncode == 2 and "--sandbox: applies to --isolate" in run.stderr
