"""A submission's files, read by the grader to be sent into its process: one `.py` file, or a folder.

A folder is taken whole (its subfolders too), within caps: `MAX_FILES` files, `MAX_BYTES` bytes in all,
`MAX_DEPTH` levels; hidden entries and `__pycache__` are left out. Inside a folder only regular files and
folders are read: a symbolic link or a hard link (either could be any file the grader, root, can read), a
FIFO, a socket or a device is that submission's error, naming it; so is a folder of more than `MAX_ENTRIES`
entries in all. Its entry point is `submission.py`, else the one file at
its top defining `backward` (`compare.usercode.load.entry_point`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from compare.usercode.load import UserCodeError, entry_point

MAX_FILES = 256
MAX_BYTES = 16 << 20
MAX_DEPTH = 8
MAX_SOURCE = 1 << 20    # one file given on its own, bytes
MAX_ENTRIES = 4096      # entries looked at in a folder, its subfolders and hidden ones included
# a file of a folder that has other names too: it may be any file of the disk the grader (root) can read
HARD_LINK = ("is a hard link (the same file as another name elsewhere on the disk, which may be any file the "
             "grader can read); a submission's files must be its own copies")
_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
          stat.S_IFBLK: "a device", stat.S_IFLNK: "a symbolic link", stat.S_IFDIR: "a folder"}


def _read(path: Path | str, shown: str, cap: int, follow: bool, folder: int | None = None) -> bytes:
    """A regular file's bytes (at most `cap`), opened without following a link unless `follow`, without
    blocking on a FIFO; UserCodeError naming what it is otherwise. `folder`: a descriptor `path` is
    relative to."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags, dir_fd=folder)
    except OSError as exc:
        try:
            mode = os.stat(path, dir_fd=folder, follow_symlinks=follow).st_mode
        except OSError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            raise UserCodeError(f"{shown}: is {_KINDS.get(stat.S_IFMT(mode), 'not a regular file')}, "
                                "expected a Python file") from None
        try:
            link = stat.S_ISLNK(os.stat(path, dir_fd=folder, follow_symlinks=False).st_mode)
        except OSError:
            link = False
        reason = "a symbolic link that leads nowhere (or in a loop)" if link else exc.strerror
        raise UserCodeError(f"{shown}: cannot be read ({reason})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UserCodeError(f"{shown}: is {_KINDS.get(stat.S_IFMT(info.st_mode), 'not a regular file')}, "
                                "expected a Python file")
        if not follow and info.st_nlink > 1:
            raise UserCodeError(f"{shown}: {HARD_LINK}")
        data = os.read(fd, cap + 1)
        while len(data) <= cap:
            more = os.read(fd, cap + 1 - len(data))
            if not more:
                break
            data += more
    finally:
        os.close(fd)
    if len(data) > cap:
        raise UserCodeError(f"{shown}: larger than {cap >> 20} MB")
    return data


def _text(data: bytes, shown: str) -> None:
    """UserCodeError unless `data` is text as Python reads a source file: UTF-8 (a byte-order mark allowed),
    or the encoding its coding line declares."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        data.decode(encoding)
    except SyntaxError as exc:
        raise UserCodeError(f"{shown}: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
        at = exc.start + (3 if encoding == "utf-8-sig" else 0)   # utf-8-sig counts from after its byte-order mark
        raise UserCodeError(f"{shown}: is not {name} text (byte {at}: {data[at:at + 1]!r})") from None


def _walk(folder: Path, shown: str) -> list[tuple[str, bytes]]:
    """(relative path, bytes) of every file in the folder, within the caps. Each subfolder and file is opened
    relative to its folder's open descriptor and never through a link: a folder swapped for a link to
    another (/root) while it is read is refused, not followed."""
    found: list[tuple[str, bytes]] = []
    todo, seen, total = [(os.open(folder, os.O_RDONLY | os.O_DIRECTORY), "", 0)], 0, 0
    try:
        while todo:
            fd, prefix, depth = todo.pop()
            try:
                with os.scandir(fd) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
                for entry in entries:
                    seen += 1
                    if seen > MAX_ENTRIES:
                        raise UserCodeError(f"{shown}: more than {MAX_ENTRIES} entries (files and folders, hidden "
                                            "ones included)")
                    if entry.name.startswith(".") or entry.name == "__pycache__":
                        continue
                    rel = prefix + entry.name
                    if entry.is_dir(follow_symlinks=False):
                        if depth + 1 >= MAX_DEPTH:
                            raise UserCodeError(f"{shown}: folders nested deeper than {MAX_DEPTH} levels ({rel})")
                        try:
                            sub = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                        except OSError as exc:
                            raise UserCodeError(f"{shown}/{rel}: cannot be read ({exc.strerror}: a folder that "
                                                "became a link while it was read?)") from None
                        todo.append((sub, rel + "/", depth + 1))
                        continue
                    data = _read(entry.name, f"{shown}/{rel}", MAX_SOURCE, follow=False, folder=fd)
                    total += len(data)
                    if total > MAX_BYTES:
                        raise UserCodeError(f"{shown}: more than {MAX_BYTES >> 20} MB of files")
                    found.append((rel, data))
                    if len(found) > MAX_FILES:
                        raise UserCodeError(f"{shown}: more than {MAX_FILES} files (a submission folder is "
                                            "copied whole into its sandbox)")
            finally:
                os.close(fd)
    finally:
        for fd, _, _ in todo:
            os.close(fd)
    return found


def read_submission(path: Path, shown: str, find_entry: Callable[[Path, str], Path] = entry_point
                    ) -> tuple[str, list[tuple[str, bytes]]]:
    """(entry's relative path, [(relative path, bytes)]) of a submission file or folder. UserCodeError (the
    submission's error) for anything that cannot be sent: not a file, over a cap, no entry point.
    `find_entry`: a folder's entry (a layer file's: `compare.layers.discover.layer_entry`)."""
    if os.path.islink(path) and not path.exists():
        raise UserCodeError(f"{shown}: a symbolic link that leads nowhere (or in a loop)")
    if path.is_dir():
        entry = find_entry(path, shown)
        files = _walk(path, shown)
        for rel, data in files:
            if rel == entry.name:
                _text(data, f"{shown}/{rel}")
        return entry.name, files
    if path.suffix != ".py":
        raise UserCodeError(f"{shown}: expected a .py file or a folder")
    data = _read(path, shown, MAX_SOURCE, follow=True)
    _text(data, shown)
    return path.name, [(path.name, data)]
