"""A submission's sandbox, described as data: one frozen `Policy`, built once per grading by `build`.

What it says (bubblewrap enforces the file system and the namespaces, `compare.sandbox.cgroups` the limits):

- namespaces: pid (it sees no other process), mount (it sees only what is listed here), network (none),
  IPC, UTS and cgroup; as root it also runs as a user id of its own (`compare.sandbox.uids`), never 0, with
  no capability; as an ordinary user, in a user namespace of its own;
- the file system, read-only: the system's libraries (`/usr`, `/lib*`, `/bin`), the Python interpreter's
  standard library, and under `site` the modules the rubric allows (NumPy by default) and nothing else of
  any site-packages; the grader's two files that speak to it (`child.py`, `wire.py`) under `/sandbox`;
- writable: a private temporary folder (`work`, a tmpfs of `work_mb`) and the `/dev/shm` of its own `/dev`,
  both gone with its mount namespace;
- hidden: every site-packages (or dist-packages) folder and our own packages wherever a mounted folder holds
  them, whatever Python they belong to, the class folder, the rubric, the recordings, other submissions (never mounted);
- limits for all of its processes together: memory, processes, one core's worth of CPU, CPU seconds.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# the system's own folders a dynamically linked Python needs (libc, libm, libz, libffi, its loader)
SYSTEM = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin")
SYSTEM_FILES = ("/etc/ld.so.cache",)
INSIDE = "/sandbox"           # the grader's child.py and wire.py, inside
SITE = "/sandbox/site"        # the allowed modules, inside
WORK = "/tmp"                 # the submission's private writable folder, inside (and its cwd)
NAMESPACES = ("pid", "mount", "net", "ipc", "uts", "cgroup")


@dataclass(frozen=True)
class Policy:
    """Everything a submission's sandbox is. Paths inside equal the host's, except `site` and `/sandbox`."""

    interpreter: str                         # the Python that runs inside (a host path, the same inside)
    readonly: tuple[tuple[str, str], ...]    # (host path, path inside), mounted read-only
    hidden: tuple[str, ...]                  # paths inside covered by an empty read-only tmpfs
    symlinks: tuple[tuple[str, str], ...]    # (target, path inside): /lib -> usr/lib where the host has that
    allowed: tuple[str, ...]                 # the modules the rubric allows (the standard library always)
    visible_modules: tuple[str, ...]         # top-level names that appear under `site` (allowed + what they need)
    memory_mb: int = 1024                    # all its processes together
    processes: int = 16                      # beyond its own
    cores: float = 1.0                       # CPU bandwidth: a neighbour cannot take another's core
    work_mb: int = 64
    site: str = SITE
    work: str = WORK
    namespaces: tuple[str, ...] = NAMESPACES
    network: bool = False


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def interpreter() -> str:
    """The real interpreter behind this one (a virtual environment's python is a link to it)."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def _site_folders() -> list[str]:
    """Every folder packages are installed in, for this interpreter and its base: hidden inside."""
    found = set(site.getsitepackages([sys.prefix, sys.base_prefix]))
    found.add(site.getusersitepackages())
    stdlib = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")}
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        if real and os.path.isdir(real) and not any(_under(real, s) for s in stdlib):
            found.add(real)
    return sorted(os.path.realpath(f) for f in found if os.path.isdir(f))


PACKAGE_FOLDERS = ("site-packages", "dist-packages")


def _other_site_folders(tops: list[str], depth: int = 10) -> list[str]:
    """Every site-packages or dist-packages folder under the mounted system folders, whatever Python it
    belongs to (Debian's /usr/lib/python3/dist-packages, a bundled interpreter's): a submission could put
    one on sys.path and import what it holds (a system-wide torch)."""
    found = []
    for top in tops:
        for here, dirs, _ in os.walk(top):
            if here.count(os.sep) - top.count(os.sep) >= depth:
                dirs[:] = []
            found += [os.path.join(here, d) for d in dirs if d in PACKAGE_FOLDERS]
            dirs[:] = [d for d in dirs if d not in PACKAGE_FOLDERS]
    return found


@lru_cache(maxsize=8)
def build(allowed: tuple[str, ...], memory_mb: int, processes: int) -> Policy:
    """The policy of this grading: this interpreter, the modules in `allowed` (NumPy by default)."""
    from compare.sandbox.modules import module_mounts

    python = interpreter()
    readonly: list[tuple[str, str]] = []
    symlinks: list[tuple[str, str]] = []
    for folder in SYSTEM:
        if os.path.islink(folder):
            symlinks.append((os.readlink(folder), folder))
        elif os.path.isdir(folder):
            readonly.append((folder, folder))
    readonly += [(f, f) for f in SYSTEM_FILES if os.path.isfile(f)]
    prefix = os.path.realpath(sys.base_prefix)
    if not any(_under(prefix, host) for host, _ in readonly):
        readonly.append((prefix, prefix))
    if not any(_under(python, host) for host, _ in readonly):
        readonly.append((python, python))
    mounts = module_mounts(allowed)
    readonly += [(host, f"{SITE}/{name}") for name, host in mounts]
    ours = [str(Path(__file__).resolve().parents[2] / p) for p in ("compare", "numpy_impl", "torch_impl")]
    system = [host for host, inside in readonly if host == inside and os.path.isdir(host)]
    hidden = [f for f in dict.fromkeys(_site_folders() + _other_site_folders(system) + ours)
              if os.path.exists(f) and any(_under(f, host) for host, inside in readonly if host == inside)]
    # a hidden folder inside another hidden one needs no mount of its own
    hidden = [f for f in hidden if not any(f != g and _under(f, g) for g in hidden)]
    names = tuple(sorted({Path(name).name.split(".")[0] for name, _ in mounts}))
    return Policy(python, tuple(readonly), tuple(hidden), tuple(symlinks), tuple(allowed), names,
                  memory_mb=memory_mb, processes=processes)
