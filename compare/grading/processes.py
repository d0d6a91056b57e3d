"""Keeping a submission's processes in hand: every process it starts ends when it ends.

The submission runs in its own session (`start_new_session`), so one `killpg` ends what stayed in its
process group. A process that left the group (`setsid`, a double fork) is caught another way: while a
submission runs, the grader is a *child subreaper* (Linux `PR_SET_CHILD_SUBREAPER`), so every orphan of the
submission's tree is re-parented to the grader instead of to init; `end_tree` kills, round after round, the
submission's group and every child of the grader born after the submission started, and reaps them, until
none is left. The grader also marks itself non-dumpable while a submission runs, so that a process of the
same user cannot read its memory through `/proc/PID/mem` or ptrace.

The process limit: `RLIMIT_NPROC` binds an ordinary user, but Linux never applies it to root. Where the
grader may create a `pids` control group (root, cgroup v1 or v2 with the controller), the submission goes
into one of its own with `pids.max` set, which binds whoever runs it (a fork bomb meets EAGAIN).
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PR_SET_DUMPABLE, PR_GET_DUMPABLE = 4, 3
PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37


def prctl(option: int, value: int) -> int:
    try:
        import ctypes
        return int(ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0))
    except (OSError, AttributeError):
        return -1


@contextmanager
def guarding() -> Iterator[None]:
    """Subreaper and non-dumpable for the duration (Linux); both restored afterwards."""
    dumpable = prctl(PR_GET_DUMPABLE, 0)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    prctl(PR_SET_DUMPABLE, 0)
    try:
        yield
    finally:
        prctl(PR_SET_CHILD_SUBREAPER, 0)
        if dumpable == 1:
            prctl(PR_SET_DUMPABLE, 1)


def start_time(pid: int) -> int | None:
    """When `pid` started, in clock ticks since boot (field 22 of /proc/PID/stat); None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(text[text.rindex(")") + 2:].split()[19])


def children() -> list[int]:
    """The live children of this process (every thread's), from /proc."""
    found: set[int] = set()
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return []
    for task in tasks:
        try:
            found.update(int(p) for p in Path(f"/proc/self/task/{task}/children").read_text().split())
        except OSError:
            continue
    return sorted(found)


def user_processes() -> int:
    """How many processes this user runs now (the base of a submission's process limit)."""
    uid = os.getuid()
    count = 0
    try:
        entries = os.listdir("/proc")
    except OSError:   # no /proc (not Linux): the limit is then the margin alone
        return 0
    for entry in entries:
        if entry.isdigit():
            try:
                count += os.stat(f"/proc/{entry}").st_uid == uid
            except OSError:
                continue
    return count


def end_tree(pid: int, born: int | None, rounds: int = 200) -> int:
    """Kill the submission `pid`, its process group and every child of ours born at or after `born` (clock
    ticks), reaping them, until none is left. Returns how many processes other than `pid` were ended."""
    ended: set[int] = set()
    for _ in range(rounds):
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        strays = [c for c in children() if c != pid and born is not None and (start_time(c) or 0) >= born]
        for c in strays:
            try:
                os.kill(c, signal.SIGKILL)
            except ProcessLookupError:
                pass
            ended.add(c)
        for c in strays:
            try:
                os.waitpid(c, 0)
            except ChildProcessError:
                pass
        alive = _alive(pid)
        if not strays and not alive:
            return len(ended)
        if alive:
            time.sleep(0.005)
    return len(ended)


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


_GROUPS = itertools.count()


def _control(path: Path, text: str) -> None:
    """Write a control group's kernel interface file in place (no temporary file and rename: the kernel
    reads the write itself)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
PIDS_ROOTS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")


class PidsGroup:
    """A `pids` control group of our own for one submission, or nothing where none can be made."""

    def __init__(self, limit: int):
        self.path: Path | None = None
        for root in PIDS_ROOTS:
            base = Path(root)
            if not (base / "cgroup.procs").exists():
                continue
            path = base / f"compare-grade-{os.getpid()}-{next(_GROUPS)}"
            try:
                path.mkdir()
            except OSError:
                continue
            try:
                _control(path / "pids.max", str(limit))
            except OSError:
                path.rmdir()
                continue
            self.path = path
            return

    def add(self, pid: int) -> bool:
        """Move `pid` into the group; False where there is no group (or it cannot be joined)."""
        if self.path is None:
            return False
        try:
            _control(self.path / "cgroup.procs", str(pid))
            return True
        except OSError:
            return False

    def members(self) -> list[int]:
        if self.path is None:
            return []
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def close(self) -> None:
        """Kill what is left in it and remove it (reap what you killed meanwhile: a zombie stays a member)."""
        if self.path is None:
            return
        for attempt in range(400):   # about 10 s: a killed process leaves once it is reaped (init may be slow)
            left = self.members()
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, os.WNOHANG)
                except (ProcessLookupError, ChildProcessError):
                    pass
            try:
                self.path.rmdir()
                self.path = None
                return
            except OSError:
                time.sleep(0.005 if attempt < 100 else 0.03)


def remove_groups_of(pid: int) -> None:
    """The control groups a judge process `pid` made and could not remove (it was killed): emptied, removed."""
    for root in PIDS_ROOTS:
        try:
            names = [n for n in os.listdir(root) if n.startswith(f"compare-grade-{pid}-")]
        except OSError:
            continue
        for name in names:
            group = PidsGroup.__new__(PidsGroup)
            group.path = Path(root) / name
            group.close()
