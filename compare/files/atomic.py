"""Every file we write goes to a temporary name in the same folder and is renamed into place, so an
interrupted run never leaves half a file behind (a rename within a folder is atomic on POSIX)."""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from compare.errors import ExperimentError
from compare.files.text import printable


def ensure_output_dir(path: str | Path, flag: str = "--out") -> Path:
    """A folder we will write into, checked before any work and not yet created (a run that fails or is
    interrupted leaves no empty folder): it is a folder or can be made one, and we can write there; else one
    line, exit 2. `make_output_dir` creates it when the first file is written."""
    folder = Path(path)
    shown = f"{flag} {printable(str(folder))}"
    check_path(folder, shown)
    if folder.exists() and not folder.is_dir():
        raise ExperimentError(f"{shown}: exists and is not a folder")
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ExperimentError(f"{shown}: {printable(str(existing))} is not a folder")
    _check_writable(existing, shown)
    return folder


def make_output_dir(folder: Path) -> Path:
    """Create `folder` (checked by `ensure_output_dir`) and its parents."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExperimentError(f"{printable(str(folder))}: cannot create ({exc.strerror})") from None
    return folder


def ensure_output_file(path: str | Path, flag: str) -> Path:
    """A file we are asked to write (`--save-weights`, `record --out`), checked before any training: its
    folder exists and we can write there, its name is one this file system takes (length, characters), and
    it is not itself a folder; else one line, exit 2."""
    target = Path(path)
    shown = f"{flag} {printable(str(target))}"
    check_path(target, shown)
    if target.is_dir():
        raise ExperimentError(f"{shown}: is a folder, expected a file name")
    if not target.parent.is_dir():
        raise ExperimentError(f"{shown}: folder {printable(str(target.parent))} does not exist")
    _check_writable(target.parent, shown)
    check_file_name(target.parent, target.name, shown)
    return target


def check_file_name(folder: Path, name: str, shown: str) -> None:
    """`name` can be created in `folder`: no separator or NUL, encodable, within the file system's length."""
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise ExperimentError(f"{shown}: not a valid file name")
    try:
        encoded = os.fsencode(name)
    except UnicodeError:
        raise ExperimentError(f"{shown}: the name cannot be encoded for this file system") from None
    limit = _limit(folder, "PC_NAME_MAX", 255)
    if len(encoded) > limit:
        raise ExperimentError(f"{shown}: file name of {len(encoded)} bytes; this file system takes at most "
                              f"{limit}")


def check_path(path: Path, shown: str) -> None:
    text = str(path)
    if not text or "\0" in text:
        raise ExperimentError(f"{shown}: not a valid path")
    try:
        encoded = os.fsencode(os.path.abspath(text))
    except (UnicodeError, ValueError):
        raise ExperimentError(f"{shown}: the name cannot be encoded for this file system") from None
    if len(encoded) >= 4096:
        raise ExperimentError(f"{shown}: path of {len(encoded)} bytes; at most 4095")
    for part in path.parts:
        if part != "/" and len(os.fsencode(part)) > 255:
            raise ExperimentError(f"{shown}: a name of {len(os.fsencode(part))} bytes in the path; at most 255")


def _check_writable(folder: Path, shown: str) -> None:
    """Create and remove a file there: the only test that also holds for root and read-only mounts."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=folder)
    except OSError as exc:
        raise ExperimentError(f"{shown}: cannot write in {printable(str(folder))} ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)


def _limit(folder: Path, name: str, default: int) -> int:
    try:
        return int(os.pathconf(folder, name))
    except (OSError, ValueError):
        return default


def atomic_write(path: str | Path, write: Callable[[str], None]) -> Path:
    """Call `write(temporary_path)`, then rename the result to `path`. The temporary file is removed if
    `write` fails or is interrupted."""
    target = Path(path)
    try:
        # the temporary name must fit the file system's limit whatever the final name's length and script
        fd, tmp = tempfile.mkstemp(prefix=f".{_short(target.name)}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise ExperimentError(f"{target}: cannot write ({exc.strerror})") from None
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())   # mkstemp makes 0600; give the file what open() would have
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):   # a full disk, a folder made read-only meanwhile: one line, exit 2
            raise ExperimentError(f"{target}: cannot write ({exc.strerror or exc})") from None
        raise
    return target


def _short(name: str) -> str:
    """A prefix of `name` short enough for any script (at most 4 bytes a character)."""
    return name[:25]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def safe_file_stem(text: str, limit: int = 100) -> str:
    """`text` (an experiment's name) made safe as part of a file name: no folder separators, no leading dot,
    no control characters, at most `limit` bytes in UTF-8. Letters of any script stay."""
    stem = "".join(c if c.isprintable() and c not in '/\\:*?"<>|' else "_" for c in text).strip(" .")
    stem = stem.encode("utf-8")[:limit].decode("utf-8", "ignore")
    return stem or "experiment"


def save_npz(path: str | Path, arrays: Mapping[str, np.ndarray], *, compress: bool = False) -> Path:
    """`np.savez` (or `savez_compressed`), atomically, and byte-reproducible: `np.savez` stamps every
    member with the current time, so two identical runs would write different bytes. No pickle inside."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED

    def write(tmp: str) -> None:
        with zipfile.ZipFile(tmp, "w", compression=method) as archive:
            for name, array in arrays.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = method
                with archive.open(info, "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
    return atomic_write(path, write)
