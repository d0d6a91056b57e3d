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


def ensure_output_dir(path: str | Path, flag: str = "--out") -> Path:
    """Create the folder (and parents) or fail with one line; checked before any training starts."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ExperimentError(f"{flag} {folder}: exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExperimentError(f"{flag} {folder}: cannot create ({exc.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExperimentError(f"{flag} {folder}: not writable")
    return folder


def ensure_output_file(path: str | Path, flag: str) -> Path:
    """A file we are asked to write (`--save-weights`, `record --out`), checked before any training: its
    folder exists and it is not itself a folder; else one line, exit 2."""
    target = Path(path)
    if target.is_dir():
        raise ExperimentError(f"{flag} {target}: is a folder, expected a file name")
    if not target.parent.is_dir():
        raise ExperimentError(f"{flag} {target}: folder {target.parent} does not exist")
    return target


def atomic_write(path: str | Path, write: Callable[[str], None]) -> Path:
    """Call `write(temporary_path)`, then rename the result to `path`. The temporary file is removed if
    `write` fails or is interrupted."""
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".tmp", dir=target.parent)
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


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def safe_file_stem(text: str, limit: int = 100) -> str:
    """`text` (an experiment's name) made safe as part of a file name: no folder separators, no leading dot,
    no control characters, not too long. Letters of any script stay."""
    stem = "".join(c if c.isprintable() and c not in '/\\:*?"<>|' else "_" for c in text).strip(" .")
    return stem[:limit] or "experiment"


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
