"""Reading files we did not write, bounded before they are read in full.

Only regular files are read (a device such as /dev/zero, a FIFO, a socket or a folder is refused before it
is opened for reading), each kind up to a size cap checked on the open file, and an `.npz` archive member
by member: its directory is sized from the end record before `zipfile` parses it, and each member's declared
shape x dtype is read from its header and checked (no Python objects, a size cap, the caller's expected
shapes) before a byte of its data is inflated. Every refusal is one `ExperimentError` line that names the
file and the member, never quoting the file's contents.

The caps are the constants below; the README's security section lists them.
"""

from __future__ import annotations

import io
import math
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from compare.errors import ExperimentError

MiB = 1 << 20
TOML_BYTES = 16 * MiB          # an experiment file
CSV_BYTES = 64 * MiB           # the CSV it names
CSV_NUMBERS = 2_000_000        # numbers read from it (inputs + targets)
NPZ_BYTES = 64 * MiB           # `--init FILE.npz`, the file; each member at most the parameter cap x 8 bytes
TRACE_BYTES = 1024 * MiB       # `check --against TRACE.npz`, the file, and all its members inflated together
NPZ_MEMBERS = 10_000           # members of any archive
_HEADER_BYTES = 10_000         # a .npy header (NumPy's own default limit)
_KINDS = {stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device", stat.S_IFIFO: "a FIFO (named pipe)",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory"}


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def open_regular(path: str | Path, what: str, cap: int) -> BinaryIO:
    """The file opened for reading in binary, if it is a regular file of at most `cap` bytes; else one line,
    exit 2. `what` names it in messages (`--init w.npz`, `exp.toml: data.csv`)."""
    try:
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):        # never open a device or a FIFO: opening can block or act
            raise ExperimentError(f"{what}: is {_kind(before.st_mode)}, expected a regular file")
        # O_NONBLOCK: should the name be swapped for a FIFO between stat and open, open does not wait for it
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except ExperimentError:
        raise
    except FileNotFoundError:
        raise ExperimentError(f"{what}: no such file") from None
    except (ValueError, UnicodeError):               # a NUL byte in the name, or an unencodable one
        raise ExperimentError(f"{what}: not a valid file name") from None
    except OSError as exc:
        raise ExperimentError(f"{what}: cannot read ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ExperimentError(f"{what}: is {_kind(st.st_mode)}, expected a regular file")
        if st.st_size > cap:
            raise ExperimentError(f"{what}: {st.st_size:,} bytes; files of this kind are read up to {_size(cap)}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: str | Path, what: str, cap: int) -> bytes:
    """The whole file, at most `cap` bytes (a file that grows while read is refused too)."""
    with open_regular(path, what, cap) as handle:
        try:
            data = handle.read(cap + 1)
        except OSError as exc:
            raise ExperimentError(f"{what}: cannot read ({exc.strerror})") from None
    if len(data) > cap:
        raise ExperimentError(f"{what}: more than {_size(cap)}; files of this kind are read up to that")
    return data


def read_text(path: str | Path, what: str, cap: int) -> str:
    """The file as UTF-8 text; a byte-order mark (as Excel writes it) is dropped."""
    data = read_bytes(path, what, cap)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExperimentError(f"{what}: not UTF-8 (byte {exc.start})") from None


@dataclass(frozen=True)
class Member:
    """One array of an archive as its header declares it, before any of its data is read."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


class Archive:
    """A plain `.npz` opened for bounded reading: `members` from the headers only; `load(name)` inflates one
    member after checking its declared size. Use as a context manager."""

    def __init__(self, path: str | Path, what: str, file_cap: int, total_cap: int, member_cap: int | None = None,
                 kind: str = "an .npz archive"):
        self.what, self.total_cap, self.kind = what, total_cap, kind
        self.member_cap = total_cap if member_cap is None else member_cap
        self._handle = open_regular(path, what, file_cap)
        try:
            if self._handle.read(4) != b"PK\x03\x04":   # not a zip: numpy would try to unpickle it
                raise ExperimentError(f"{what}: not {kind} (not a zip file; an .npz is a zip of .npy arrays as "
                                      "np.savez writes it)")
            self._check_directory()
            self._zip = zipfile.ZipFile(self._handle)
            self.members: dict[str, Member] = {}
            for info in self._zip.infolist():
                member = self._header(info)
                if member.name in self.members:
                    raise ExperimentError(f"{what}: member `{_shown(member.name)}` appears twice")
                self.members[member.name] = member
            declared = sum(m.nbytes for m in self.members.values())
            if declared > total_cap:     # refused before any member is inflated, not halfway through
                raise ExperimentError(f"{what}: its members declare {declared:,} bytes in all; this file is read "
                                      f"up to {_size(total_cap)}")
        except ExperimentError:
            self._handle.close()
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, KeyError,
                struct.error, zlib.error, NotImplementedError) as exc:
            self._handle.close()
            raise ExperimentError(f"{what}: not {kind} (truncated or damaged: {type(exc).__name__})") from None
        self._loaded = 0

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._handle.close()

    def _check_directory(self) -> None:
        """Count the members from the zip's end record before `zipfile` builds an object for each one."""
        size = self._handle.seek(0, io.SEEK_END)
        tail_start = max(0, size - (1 << 16) - 22)
        self._handle.seek(tail_start)
        tail = self._handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) < at + 22:
            raise ExperimentError(f"{self.what}: not {self.kind} (no zip directory at its end: truncated?)")
        entries, directory = struct.unpack("<10xH I 6x", tail[at:at + 22])[0:2]
        if entries == 0xFFFF or directory == 0xFFFFFFFF:       # zip64: the counts are in the zip64 record
            locator = tail[at - 20:at] if at >= 20 else b""
            if len(locator) != 20 or not locator.startswith(b"PK\x06\x07"):
                raise ExperimentError(f"{self.what}: not {self.kind} (damaged zip64 directory)")
            (record_at,) = struct.unpack("<8xQ4x", locator)
            self._handle.seek(record_at)
            record = self._handle.read(56)
            if len(record) != 56 or not record.startswith(b"PK\x06\x06"):
                raise ExperimentError(f"{self.what}: not {self.kind} (damaged zip64 directory)")
            entries, directory = struct.unpack("<32xQQ8x", record)
        if entries > NPZ_MEMBERS or directory > NPZ_MEMBERS * 1024:
            raise ExperimentError(f"{self.what}: {entries:,} members; an archive is read with at most "
                                  f"{NPZ_MEMBERS:,}")
        self._handle.seek(0)

    def _header(self, info: zipfile.ZipInfo) -> Member:
        name = info.filename
        if not name.endswith(".npy"):
            raise ExperimentError(f"{self.what}: member `{_shown(name)}` is not a .npy array (an .npz holds "
                                  "only arrays)")
        name = name[:-4]
        with self._zip.open(info) as stream:
            try:
                version = np.lib.format.read_magic(stream)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(stream, max_header_size=_HEADER_BYTES)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(stream, max_header_size=_HEADER_BYTES)
                else:
                    raise ValueError(version)
            except (ValueError, EOFError, SyntaxError, TypeError, zlib.error, zipfile.BadZipFile) as exc:
                raise ExperimentError(f"{self.what}: member `{_shown(name)}` is not a readable .npy array "
                                      f"({type(exc).__name__})") from None
        member = Member(name, tuple(int(n) for n in shape), np.dtype(dtype))
        if member.dtype.hasobject:
            raise ExperimentError(f"{self.what}: refused (member `{_shown(name)}` holds Python objects, a pickle: "
                                  "never loaded, allow_pickle=False; an .npz of ours is plain arrays)")
        return member

    def load(self, name: str, check: Callable[[Member], None] | None = None) -> np.ndarray:
        """Member `name`, after `check(member)` (the caller's dtype and shape rules) and the size caps."""
        member = self.members[name]
        if check is not None:
            check(member)
        if member.nbytes > self.member_cap or self._loaded + member.nbytes > self.total_cap:
            raise ExperimentError(f"{self.what}: member `{_shown(name)}` declares {member.nbytes:,} bytes "
                                  f"({'x'.join(map(str, member.shape)) or 'scalar'} {member.dtype}); this file "
                                  f"is read up to {_size(min(self.member_cap, self.total_cap))}")
        try:
            with self._zip.open(f"{name}.npy") as stream:
                array = np.lib.format.read_array(stream, allow_pickle=False, max_header_size=_HEADER_BYTES)
        except (ValueError, EOFError, OSError, zlib.error, zipfile.BadZipFile, NotImplementedError) as exc:
            raise ExperimentError(f"{self.what}: member `{_shown(name)}` is damaged or truncated "
                                  f"({type(exc).__name__})") from None
        self._loaded += member.nbytes
        return array


def _size(n: int) -> str:
    return f"{n / MiB:g} MiB" if n >= MiB else f"{n / 1024:g} KiB"


def _shown(name: str) -> str:
    """A member name from a foreign file, short and printable."""
    from compare.files.text import printable
    text = printable(name)
    return text if len(text) <= 40 else text[:37] + "..."
