"""A submission folder's caps as docs/grading.md states them ("at most 256 files, 16 MB in all, 8 levels deep,
each file at most 1 MB"), at each edge: exactly the cap is taken, one more is that submission's error,
naming the cap. The numbers are parsed from the doc, never taken from compare.grading.bundle. A file is read
as Python reads it: UTF-8 with or without a byte-order mark, or the encoding its coding line declares.

MB here is 2^20 bytes (the reader's unit: `--memory` and every cap of the project count in MiB). "8 levels
deep" counts the submission folder itself: a file in 7 nested subfolders is taken, in 8 it is refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compare.grading.bundle import read_submission
from compare.usercode.load import UserCodeError

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "grading.md").read_text(encoding="utf-8")
CAPS = re.search(r"at most (\d+) files, ([\d,]+) entries looked at\s+\(folders and hidden ones included\), (\d+) MB "
                 r"in all, (\d+) levels deep,\s+each file at most (\d+) MB", DOC)
MB = 1 << 20
RIGHT = "def backward(weights, biases, activations, targets):\n    return [], []\n"


def test_the_doc_states_the_caps():
    assert CAPS, "docs/grading.md no longer states the folder caps in one sentence"
    assert tuple(int(x.replace(",", "")) for x in CAPS.groups()) == (256, 4096, 16, 8, 1)


FILES, ENTRIES, TOTAL_MB, LEVELS, FILE_MB = (int(x.replace(",", "")) for x in CAPS.groups()) if CAPS else (0,) * 5


def _folder(tmp_path: Path) -> Path:
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "submission.py").write_text(RIGHT)
    return sub


def _refused(path: Path, words: str) -> None:
    with pytest.raises(UserCodeError) as caught:
        read_submission(path, "sub")
    assert words in str(caught.value) and "\n" not in str(caught.value), str(caught.value)


@pytest.mark.parametrize("extra, ok", [(FILES - 1, True), (FILES, False)])
def test_files_in_all(tmp_path, extra, ok):
    sub = _folder(tmp_path)
    for k in range(extra):
        (sub / f"data{k:03d}.txt").write_text("x")
    if ok:
        entry, files = read_submission(sub, "sub")
        assert entry == "submission.py" and len(files) == FILES
    else:
        _refused(sub, f"more than {FILES} files")


@pytest.mark.parametrize("hidden, ok", [(ENTRIES - 1, True), (ENTRIES, False)])
def test_entries_looked_at(tmp_path, hidden, ok):
    """Hidden entries are left out of the files but counted: the entry plus ENTRIES - 1 of them is the cap."""
    sub = _folder(tmp_path)
    for k in range(hidden):
        (sub / f".h{k:04d}").write_text("")
    if ok:
        entry, files = read_submission(sub, "sub")
        assert entry == "submission.py" and [name for name, _ in files] == ["submission.py"]
    else:
        _refused(sub, f"more than {ENTRIES} entries")


@pytest.mark.parametrize("nested, ok", [(LEVELS - 1, True), (LEVELS, False)])
def test_levels_deep(tmp_path, nested, ok):
    sub = _folder(tmp_path)
    deep = sub.joinpath(*(f"d{k}" for k in range(nested)))
    deep.mkdir(parents=True)
    (deep / "notes.txt").write_text("deep")
    if ok:
        _, files = read_submission(sub, "sub")
        assert ("/".join(f"d{k}" for k in range(nested)) + "/notes.txt", b"deep") in files
    else:
        _refused(sub, f"deeper than {LEVELS} levels")


@pytest.mark.parametrize("size, ok", [(FILE_MB * MB, True), (FILE_MB * MB + 1, False)])
def test_each_file_in_a_folder(tmp_path, size, ok):
    sub = _folder(tmp_path)
    (sub / "weights.bin").write_bytes(b"\0" * size)
    if ok:
        _, files = read_submission(sub, "sub")
        assert dict(files)["weights.bin"] == b"\0" * size
    else:
        _refused(sub, f"larger than {FILE_MB} MB")


@pytest.mark.parametrize("size, ok", [(FILE_MB * MB, True), (FILE_MB * MB + 1, False)])
def test_a_single_file_submission(tmp_path, size, ok):
    path = tmp_path / "mine.py"
    path.write_bytes((RIGHT + "#" * (size - len(RIGHT) - 1) + "\n").encode())
    assert path.stat().st_size == size
    if ok:
        assert read_submission(path, "mine.py")[0] == "mine.py"
    else:
        with pytest.raises(UserCodeError, match=f"larger than {FILE_MB} MB"):
            read_submission(path, "mine.py")


@pytest.mark.parametrize("last, ok", [(MB - len(RIGHT), True), (MB - len(RIGHT) + 1, False)])
def test_bytes_in_all(tmp_path, last, ok):
    """(TOTAL_MB - 1) files of the largest size a file may have, and the entry plus one more file making
    exactly TOTAL_MB, or one byte more."""
    sub = _folder(tmp_path)
    for k in range(TOTAL_MB - 1):
        (sub / f"part{k:02d}.bin").write_bytes(b"\1" * (FILE_MB * MB))
    (sub / "zlast.bin").write_bytes(b"\2" * last)
    if ok:
        _, files = read_submission(sub, "sub")
        assert sum(len(data) for _, data in files) == TOTAL_MB * MB
    else:
        _refused(sub, f"more than {TOTAL_MB} MB of files")


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf" + RIGHT.encode(),                                         # UTF-8 with a byte-order mark
    ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + RIGHT).encode("latin-1"),     # a declared encoding
])
def test_text_as_python_reads_it(tmp_path, data):
    path = tmp_path / "mine.py"
    path.write_bytes(data)
    assert read_submission(path, "mine.py") == ("mine.py", [("mine.py", data)])


def test_not_utf8_without_a_coding_line_is_refused_as_python_refuses_it(tmp_path):
    path = tmp_path / "mine.py"
    path.write_bytes(b"# caf\xe9\n" + RIGHT.encode())
    with pytest.raises(UserCodeError, match=r"^mine.py: invalid or missing encoding declaration$"):
        read_submission(path, "mine.py")
