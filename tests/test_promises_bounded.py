"""The README's caps on what we read ("Read", the security section), in their units, at the boundary: a
file of exactly the cap is read, one byte more is refused with one line naming the cap; a file that grows
past its cap after its size was checked is refused, never silently cut; an archive of more than 10,000
members is refused.

The caps come from the README's table, parsed here, not from `compare.files.bounded`.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from compare.errors import ExperimentError
from compare.experiment.sources import read_csv, read_toml
from compare.files import bounded

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MiB = 1 << 20


def cap(row_start: str) -> str:
    """The cap cell of the README's "Read" table row that starts with `row_start`."""
    for line in README.splitlines():
        if line.startswith("| " + row_start):
            return line.rstrip(" |").rsplit("|", 1)[1].strip()
    raise AssertionError(f"the README's table has no row for {row_start!r}")


def mib(text: str) -> int:
    found = re.match(r"(\d+) MiB", text)
    assert found, text
    return int(found.group(1)) * MiB


def test_the_readme_caps_parse():
    assert mib(cap("experiment TOML")) == 16 * MiB
    assert cap("CSV").startswith("64 MiB, and 2,000,000 numbers")


def test_a_toml_file_of_exactly_the_cap_is_read_and_one_byte_more_is_refused(tmp_path):
    limit = mib(cap("experiment TOML"))
    body = b'name = "x"\n'
    path = tmp_path / "e.toml"
    path.write_bytes(body + b"#" * (limit - len(body) - 1) + b"\n")
    assert path.stat().st_size == limit
    assert read_toml(path) == {"name": "x"}
    path.write_bytes(body + b"#" * (limit - len(body)) + b"\n")
    with pytest.raises(ExperimentError, match=r"16 MiB"):
        read_toml(path)


def test_a_file_that_grows_past_its_cap_after_the_size_check_is_refused_not_cut(tmp_path, monkeypatch):
    path = tmp_path / "grows.toml"
    path.write_bytes(b"a = 1\n")
    real = bounded.open_regular

    def open_then_grow(p, what, limit):
        handle = real(p, what, limit)                 # the size check passed: 6 bytes
        with open(p, "ab") as more:                    # then someone appends past the cap
            more.write(b"#" * limit)
        return handle

    monkeypatch.setattr(bounded, "open_regular", open_then_grow)
    with pytest.raises(ExperimentError, match="more than 1 KiB"):
        bounded.read_bytes(path, "grows.toml", 1024)
    # grown to exactly the cap: still whole, still read
    path.write_bytes(b"a = 1\n")
    monkeypatch.setattr(bounded, "open_regular", lambda p, what, limit: _grow_to(real, p, what, limit))
    assert len(bounded.read_bytes(path, "grows.toml", 1024)) == 1024


def _grow_to(real, p, what, limit):
    handle = real(p, what, limit)
    with open(p, "ab") as more:
        more.write(b"#" * (limit - 6))
    return handle


def _where(key: str) -> str:
    return key


def test_a_csv_one_byte_over_its_cap_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "d.csv"
    with path.open("wb") as f:          # sparse: nothing written, the size alone is over the cap
        f.truncate(mib(cap("CSV").split(",")[0]) + 1)
    with pytest.raises(ExperimentError, match="64 MiB"):
        read_csv(path, ["x"], ["t"], _where)


def test_an_archive_of_more_than_ten_thousand_members_is_refused_before_parsing(tmp_path):
    path = tmp_path / "many.npz"
    one = tmp_path / "one.npy"
    np.save(one, np.zeros(1))
    with zipfile.ZipFile(path, "w") as z:
        for k in range(10_001):
            z.write(one, f"m{k}.npy")
    with pytest.raises(ExperimentError, match="10,001 members"):
        bounded.Archive(path, "many.npz", 64 * MiB, 64 * MiB)
    with zipfile.ZipFile(path, "w") as z:
        for k in range(10_000):
            z.write(one, f"m{k}.npy")
    with bounded.Archive(path, "many.npz", 64 * MiB, 64 * MiB) as archive:
        assert len(archive.members) == 10_000


def test_only_regular_files_are_read_each_refusal_named(tmp_path):
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    regular = ", expected a regular file"
    cases = [(fifo, "is a FIFO (named pipe)" + regular), (tmp_path, "is a directory" + regular),
             (Path("/dev/null"), "is a character device" + regular), (tmp_path / "missing.toml", "no such file")]
    for path, words in cases:
        with pytest.raises(ExperimentError) as caught:
            bounded.read_bytes(path, "f", 1024)
        assert str(caught.value) == f"f: {words}"


def test_text_is_utf8_with_a_byte_order_mark_dropped(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n")
    assert bounded.read_text(path, "t.csv", 1024) == "a,b\n"
    path.write_bytes(b"ab\xff")
    with pytest.raises(ExperimentError, match=r"^t.csv: not UTF-8 \(byte 2\)$"):
        bounded.read_text(path, "t.csv", 1024)
    path.write_bytes(b"x" * 1025)
    with pytest.raises(ExperimentError, match="^t.csv: 1,025 bytes; files of this kind are read up to 1 KiB$"):
        bounded.read_text(path, "t.csv", 1024)


def test_sizes_are_written_in_their_unit():
    assert bounded._size(1024) == "1 KiB"
    assert bounded._size(512) == "0.5 KiB"
    assert bounded._size(3 * MiB // 2) == "1.5 MiB"
    assert bounded._size(MiB) == "1 MiB"


def _npz(path: Path, **arrays) -> Path:
    np.savez(path, **arrays)
    return path


def test_an_archive_member_is_refused_past_its_cap_by_its_header_and_the_total_counts_every_load(tmp_path):
    path = _npz(tmp_path / "a.npz", a=np.zeros((3, 4)), b=np.zeros(4))
    with bounded.Archive(path, "a.npz", MiB, total_cap=MiB, member_cap=96) as archive:
        assert archive.members["a"].nbytes == 96 and archive.members["b"].nbytes == 32
        assert archive.load("a").shape == (3, 4)                 # exactly the member cap
    with bounded.Archive(path, "a.npz", MiB, total_cap=MiB, member_cap=95) as archive:
        with pytest.raises(ExperimentError, match=r"member `a` declares 96 bytes \(3x4 float64\)"):
            archive.load("a")
    with bounded.Archive(path, "a.npz", MiB, total_cap=128) as archive:
        archive.load("a")
        archive.load("b")                                         # 96 + 32: exactly the total cap
    with pytest.raises(ExperimentError, match="members declare 128 bytes in all"):
        bounded.Archive(path, "a.npz", MiB, total_cap=127)
    with bounded.Archive(path, "a.npz", MiB, total_cap=MiB, member_cap=200) as archive:
        seen = []
        archive.load("a", check=lambda m: seen.append((m.name, m.shape, str(m.dtype))))
        assert seen == [("a", (3, 4), "float64")]


def test_what_is_not_a_whole_npz_is_refused_in_one_line(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(ExperimentError, match="not an .npz archive \\(not a zip file"):
        bounded.Archive(bad, "bad.npz", MiB, MiB)
    whole = _npz(tmp_path / "w.npz", a=np.zeros(3)).read_bytes()
    bad.write_bytes(whole[:-10])                                   # the end record cut
    with pytest.raises(ExperimentError, match="no zip directory at its end"):
        bounded.Archive(bad, "bad.npz", MiB, MiB)


def _npz_bytes(tmp_path: Path, comment: bytes = b"") -> bytes:
    path = tmp_path / "src.npz"
    np.savez(path, a=np.arange(3.0))
    if comment:
        with zipfile.ZipFile(path, "a") as z:
            z.comment = comment
    return path.read_bytes()


def _with_zip64(body: bytes, entries: int) -> bytes:
    """`body` (a zip without its end record) + a zip64 end record declaring `entries` + its locator + an end
    record whose count says "see zip64" (0xFFFF), as a zip64 archive lays them out."""
    import struct
    record = b"PK\x06\x06" + bytes(28) + struct.pack("<QQ", entries, 100) + bytes(8)         # 56 bytes
    locator = b"PK\x06\x07" + bytes(4) + struct.pack("<Q", len(body)) + bytes(4)           # 20 bytes
    end = b"PK\x05\x06" + bytes(6) + struct.pack("<HII", 0xFFFF, 100, 0) + bytes(2)         # 22 bytes
    return body + record + locator + end


def test_a_zip64_archive_is_counted_from_its_zip64_record(tmp_path):
    whole = _npz_bytes(tmp_path)
    body = whole[:whole.rfind(b"PK\x05\x06")]
    path = tmp_path / "z.npz"
    path.write_bytes(_with_zip64(body, 20_000))
    with pytest.raises(ExperimentError, match="20,000 members; an archive is read with at most 10,000"):
        bounded.Archive(path, "z.npz", MiB, MiB)
    damaged = _with_zip64(body, 20_000)
    path.write_bytes(damaged[:-98] + b"XX" + damaged[-96:])          # the zip64 record's signature broken
    with pytest.raises(ExperimentError, match="damaged zip64 directory"):
        bounded.Archive(path, "z.npz", MiB, MiB)
    path.write_bytes(damaged[:-42] + b"XX" + damaged[-40:])          # the locator's signature broken
    with pytest.raises(ExperimentError, match="damaged zip64 directory"):
        bounded.Archive(path, "z.npz", MiB, MiB)


@pytest.mark.parametrize("field, value", [(10, b"\xff\xff"), (12, b"\xff\xff\xff\xff")])
def test_an_end_record_pointing_to_a_missing_zip64_record_is_damaged(tmp_path, field, value):
    whole = bytearray(_npz_bytes(tmp_path))
    at = whole.rfind(b"PK\x05\x06")
    whole[at + field:at + field + len(value)] = value
    path = tmp_path / "z.npz"
    path.write_bytes(bytes(whole))
    with pytest.raises(ExperimentError, match="damaged zip64 directory"):
        bounded.Archive(path, "z.npz", MiB, MiB)


def test_an_archive_with_a_comment_is_read_and_one_cut_by_a_byte_is_not(tmp_path):
    path = tmp_path / "c.npz"
    path.write_bytes(_npz_bytes(tmp_path, comment=b"made by hand"))
    with bounded.Archive(path, "c.npz", MiB, MiB) as archive:
        np.testing.assert_array_equal(archive.load("a"), np.arange(3.0))
    path.write_bytes(_npz_bytes(tmp_path)[:-1])
    with pytest.raises(ExperimentError, match="no zip directory at its end"):
        bounded.Archive(path, "c.npz", MiB, MiB)


def test_the_total_cap_counts_a_member_loaded_twice(tmp_path):
    path = _npz(tmp_path / "a.npz", a=np.zeros((3, 4)))
    with bounded.Archive(path, "a.npz", MiB, total_cap=150) as archive:
        archive.load("a")
        with pytest.raises(ExperimentError, match="member `a` declares 96 bytes"):
            archive.load("a")                      # 96 + 96 > 150


def test_a_name_that_is_no_file_name_and_a_path_through_a_file(tmp_path):
    with pytest.raises(ExperimentError, match="^f: not a valid file name$"):
        bounded.read_bytes("a\0b", "f", 10)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExperimentError, match=r"^f: cannot read \(Not a directory\)$"):
        bounded.read_bytes(tmp_path / "file" / "x", "f", 10)


def test_a_read_error_is_one_line(tmp_path, monkeypatch):
    import io as _io

    class Failing(_io.BytesIO):
        def read(self, *args):
            raise OSError(5, "Input/output error")
    monkeypatch.setattr(bounded, "open_regular", lambda p, what, limit: Failing(b""))
    with pytest.raises(ExperimentError, match=r"^f: cannot read \(Input/output error\)$"):
        bounded.read_bytes(tmp_path / "x", "f", 10)


@pytest.mark.parametrize("error", [ValueError, EOFError, OSError, __import__("zlib").error, zipfile.BadZipFile,
                                   NotImplementedError])
def test_a_member_that_cannot_be_inflated_is_one_line_naming_it(tmp_path, monkeypatch, error):
    path = _npz(tmp_path / "a.npz", a=np.zeros(3))

    def broken(*args, **kwargs):
        raise error("broken")
    with bounded.Archive(path, "a.npz", MiB, MiB) as archive:
        monkeypatch.setattr(np.lib.format, "read_array", broken)
        with pytest.raises(ExperimentError, match=f"a.npz: member `a` is damaged or truncated \\({error.__name__}\\)"):
            archive.load("a")
