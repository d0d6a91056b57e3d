"""A control group per submission: limits on all of its processes together, which it cannot raise.

    group = ControlGroup.create(memory_mb=1024, processes=19, cores=1.0)   # None where none can be made
    group.add_tree(pid)          # the sandbox's processes, before any of the submission's code runs
    group.cpu_seconds()          # CPU used by all of them, children included
    group.out_of_memory()        # True once the kernel ended one of them for memory
    group.close()                # everything in it killed, the group removed

cgroup v2 (one group: `memory.max`, `pids.max`, `cpu.max`, `cpu.stat`) or v1 (a group in each of the
memory, pids, cpu and cpuacct hierarchies). The group is made under the grader's own group where the kernel
allows it, else at the hierarchy's root; the submission never sees it (no /sys in its sandbox, its own
cgroup namespace) and cannot write to it (root's files, another user id). Names carry the grader's pid,
so a grader that was killed before it removed its groups has them removed by the next one (`sweep`).
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import time
from pathlib import Path

PREFIX = "compare-sbx"
_NAMES = itertools.count()
_STALE = re.compile(rf"{PREFIX}-(\d+)-\d+$")


def _write(path: Path, text: str) -> None:
    """Write a kernel interface file in place (no temporary file: the kernel reads the write itself)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _hierarchies() -> tuple[Path | None, dict[str, Path]]:
    """The cgroup v2 mount (None if absent), and each v1 controller's mount."""
    v2, v1 = None, {}
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None, {}
    for line in lines:
        parts = line.split()
        if len(parts) < 4:
            continue
        if parts[2] == "cgroup2" and v2 is None:
            v2 = Path(parts[1])
        elif parts[2] == "cgroup":
            for option in parts[3].split(","):
                if option in ("memory", "pids", "cpu", "cpuacct"):
                    v1.setdefault(option, Path(parts[1]))
    return v2, v1


def _own() -> dict[str, str]:
    """This process's group in each hierarchy ("" for v2), from /proc/self/cgroup."""
    own = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                own[c] = path
    except (OSError, ValueError):
        pass
    return own


def _parents(mount: Path, own: str | None) -> list[Path]:
    here = mount / own.lstrip("/") if own else None
    return [p for p in (here, mount) if p is not None and (p / "cgroup.procs").exists()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ControlGroup:
    """One submission's group (see the module docstring)."""

    def __init__(self, paths: dict[str, Path], version: int):
        self.paths = paths          # v2: {"": group}; v1: {controller: group}
        self.version = version

    # -- making one ------------------------------------------------------------------------------------------
    @classmethod
    def create(cls, memory_mb: int, processes: int, cores: float) -> ControlGroup | None:
        """A new group with these limits, or None where this process cannot make one (not root, no
        controllers, a read-only hierarchy)."""
        if os.geteuid() != 0:
            return None
        v2, v1 = _hierarchies()
        own = _own()
        name = f"{PREFIX}-{os.getpid()}-{next(_NAMES)}"
        if "memory" in v1 and "pids" in v1:
            return cls._v1(v1, own, name, memory_mb, processes, cores)
        if v2 is not None:
            return cls._v2(v2, own.get(""), name, memory_mb, processes, cores)
        return None

    @classmethod
    def _v2(cls, mount: Path, own: str | None, name: str, memory_mb: int, processes: int,
            cores: float) -> ControlGroup | None:
        for parent in _parents(mount, own):
            try:
                enabled = (parent / "cgroup.subtree_control").read_text().split()
                if not {"memory", "pids"} <= set(enabled):
                    _write(parent / "cgroup.subtree_control", "+memory +pids +cpu")
            except OSError:
                continue
            sweep(parent)
            group = cls({"": parent / name}, 2)
            try:
                (parent / name).mkdir()
                _write(parent / name / "memory.max", str(memory_mb << 20))
                if (parent / name / "memory.swap.max").exists():
                    _write(parent / name / "memory.swap.max", "0")
                _write(parent / name / "pids.max", str(processes))
                if (parent / name / "cpu.max").exists():
                    _write(parent / name / "cpu.max", f"{int(cores * 100000)} 100000")
                return group
            except OSError:
                group.close()
        return None

    @classmethod
    def _v1(cls, mounts: dict[str, Path], own: dict[str, str], name: str, memory_mb: int, processes: int,
            cores: float) -> ControlGroup | None:
        paths: dict[str, Path] = {}
        group = cls(paths, 1)
        settings = {"memory": [("memory.limit_in_bytes", str(memory_mb << 20))],
                    "pids": [("pids.max", str(processes))],
                    "cpu": [("cpu.cfs_period_us", "100000"), ("cpu.cfs_quota_us", str(int(cores * 100000)))],
                    "cpuacct": []}
        for controller, values in settings.items():
            if controller not in mounts:
                continue
            for parent in _parents(mounts[controller], own.get(controller)):
                sweep(parent)
                try:
                    (parent / name).mkdir()
                except OSError:
                    continue
                paths[controller] = parent / name
                try:
                    for file, value in values:
                        _write(parent / name / file, value)
                except OSError:
                    group.close()
                    return None
                break
        if "memory" not in paths or "pids" not in paths:
            group.close()
            return None
        try:   # no swap beyond the limit where swap is accounted (ignored where it is not)
            _write(paths["memory"] / "memory.memsw.limit_in_bytes", str(memory_mb << 20))
        except OSError:
            pass
        return group

    # -- using it ----------------------------------------------------------------------------------------------
    def add_tree(self, pid: int) -> None:
        """Move `pid` and all its descendants into the group (OSError if one cannot be moved)."""
        for p in _tree(pid):
            for path in self.paths.values():
                try:
                    _write(path / "cgroup.procs", str(p))
                except ProcessLookupError:
                    break

    def members(self) -> list[int]:
        found: set[int] = set()
        for path in self.paths.values():
            try:
                found.update(int(p) for p in (path / "cgroup.procs").read_text().split())
            except OSError:
                continue
        return sorted(found)

    def cpu_seconds(self) -> float | None:
        """CPU seconds used by the group's processes (user and system, children included); None if unknown."""
        try:
            if self.version == 2:
                for line in (self.paths[""] / "cpu.stat").read_text().splitlines():
                    if line.startswith("usage_usec "):
                        return int(line.split()[1]) / 1e6
                return None
            if "cpuacct" in self.paths:
                return int((self.paths["cpuacct"] / "cpuacct.usage").read_text()) / 1e9
        except (OSError, ValueError, KeyError):
            return None
        return None

    def out_of_memory(self) -> bool:
        """True once the kernel ended one of the group's processes for its memory limit."""
        try:
            if self.version == 2:
                text = (self.paths[""] / "memory.events").read_text()
            else:
                text = (self.paths["memory"] / "memory.oom_control").read_text()
                if "oom_kill " not in text:   # an older kernel: the limit was hit at all
                    return int((self.paths["memory"] / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError, KeyError):
            return False
        return any(line.split()[0] == "oom_kill" and int(line.split()[1]) > 0
                   for line in text.splitlines() if len(line.split()) == 2)

    def kill(self) -> int:
        """SIGKILL every process in the group now; how many there were."""
        members = self.members()
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        return len(members)

    def close(self) -> None:
        """Kill every process in the group, wait until they are gone, remove the group."""
        for attempt in range(400):   # about 10 s: a killed process leaves once it is reaped
            for pid in self.members():
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, os.WNOHANG)
                except (ProcessLookupError, ChildProcessError, PermissionError):
                    pass
            for key, path in list(self.paths.items()):
                try:
                    path.rmdir()
                    del self.paths[key]
                except FileNotFoundError:
                    del self.paths[key]
                except OSError:
                    pass
            if not self.paths:
                return
            time.sleep(0.005 if attempt < 100 else 0.03)


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants, parents first."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop(0)
        out.append(p)
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                todo.extend(int(c) for c in Path(f"/proc/{p}/task/{t}/children").read_text().split())
            except OSError:
                continue
    return out


def sweep(parent: Path) -> None:
    """Remove the groups under `parent` left by graders that no longer run (killed before they could)."""
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        m = _STALE.match(name)
        if m and not _alive(int(m.group(1))):
            ControlGroup({"": parent / name}, 0).close()


def sweep_all() -> None:
    """`sweep` in every place this process makes groups (after a judge process was killed)."""
    v2, v1 = _hierarchies()
    own = _own()
    places = [p for c, m in v1.items() for p in _parents(m, own.get(c))]
    if v2 is not None:
        places += _parents(v2, own.get(""))
    for parent in places:
        sweep(parent)
