"""Attacks on timing, without the sandbox's help: a submission folder swapped for a link while the grader
reads it, and a submission that stops reading its pipe (shrunk to one page) while the grader writes to it.
Both hold in every sandbox level (the folder is read through open descriptors; writes to a child are
non-blocking, under the same limits as reads).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.test_grading import grade
from tests.test_sandbox import ATTACKS, WHY

PRIVATE = "sbx-private-9c1d"


def test_a_folder_swapped_for_a_link_while_it_is_read_is_refused(tmp_path: Path, monkeypatch) -> None:
    """A student who can write to their folder while it is graded swaps a subfolder for a link to a folder
    only the grader can read, between the listing and the reading: the link is refused, nothing is read."""
    from compare.grading import bundle
    from compare.usercode.load import UserCodeError

    secret = tmp_path / "root-only"
    secret.mkdir()
    (secret / "notes.py").write_text(f"# {PRIVATE}\n")
    sub = tmp_path / "mine"
    (sub / "helpers").mkdir(parents=True)
    (sub / "submission.py").write_text("def backward(w, b, a, t):\n    pass\n")
    (sub / "helpers" / "notes.py").write_text("x = 1\n")
    listed, swapped = os.scandir, []

    class Listing(list):
        def __enter__(self) -> Listing:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    def swapping(where: object = ".") -> object:   # the grader has listed the folder: now swap
        listing = Listing(listed(where))
        if not swapped and (isinstance(where, int) or Path(str(where)) == sub):
            swapped.append(where)
            shutil.rmtree(sub / "helpers")
            (sub / "helpers").symlink_to(secret)
        return listing

    monkeypatch.setattr(bundle.os, "scandir", swapping)
    with pytest.raises(UserCodeError, match="helpers: cannot be read"):
        bundle.read_submission(sub, "mine")
    assert swapped


# checks whose questions are larger than a page: the child's pipe fills at once
BIG = """reference = "numpy"
seed = 11
[[check]]
name = "big one"
experiment = "exercise3"
mode = "batch"
epochs = 2
sizes = [30, 60, 5]
samples = 50
[[check]]
name = "big two"
experiment = "exercise3"
mode = "batch"
epochs = 2
sizes = [30, 60, 5]
samples = 50
"""


@pytest.mark.parametrize("sandbox", ["none", "bwrap"])
def test_a_child_that_stops_reading_cannot_hold_the_grader_in_a_write(tmp_path: Path, sandbox: str) -> None:
    """It queues replies for calls to come and sleeps: the grader's writes wait under the time limit (before,
    the judge stalled until the grader killed it, 2 minutes past the limit; `check --isolate` for ever)."""
    if sandbox == "bwrap" and WHY:
        pytest.skip(WHY)
    rubric = tmp_path / "big.toml"
    rubric.write_text(BIG)
    out = tmp_path / "o.json"
    started = time.monotonic()
    run = grade(str(ATTACKS / "more_pipe_stall.py"), "--rubric", str(rubric), "--timeout", "1", "--json",
                str(out), "--sandbox", sandbox, "--quiet")
    took = time.monotonic() - started
    assert run.returncode == 0, run.stderr
    sub = json.loads(out.read_text())["submissions"][0]
    assert (sub["score"], sub["verdict"]) == (0, "timeout"), sub
    assert "ran past its time limit" in sub["reason"] and took < 60, (took, sub["reason"])
