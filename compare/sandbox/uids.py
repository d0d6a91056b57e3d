"""A user id of its own for each running submission (when the grader is root).

Ids come from a range no system or container tool hands out (above systemd-nspawn's container range); one
is claimed by taking an exclusive `flock` on its lock file in a root-only folder, held while the submission
runs, so that two submissions never share one, even across graders running at once on one machine. The lock
dies with the process that holds it: a killed grader frees its ids.
"""

from __future__ import annotations

import fcntl
import os

FIRST = 0x70000000          # 1879048192: just above systemd-nspawn's container range
COUNT = 65536
LOCKS = "/run/compare-sandbox-uids" if os.path.isdir("/run") else "/tmp/.compare-sandbox-uids"


class UidClaim:
    """One claimed user id; `release()` (or the process's end) frees it."""

    def __init__(self, uid: int, fd: int):
        self.uid = uid
        self._fd = fd

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)   # closing the file drops the lock
            self._fd = -1


def claim() -> UidClaim:
    """A user id no other running submission has. OSError where none can be claimed."""
    os.makedirs(LOCKS, mode=0o700, exist_ok=True)
    if os.stat(LOCKS).st_uid != 0 or os.stat(LOCKS).st_mode & 0o077:
        raise OSError(f"{LOCKS}: expected a folder of root's, mode 0700")
    for n in range(COUNT):   # the lowest free id: the lock files stay few
        fd = os.open(os.path.join(LOCKS, str(n)), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return UidClaim(FIRST + n, fd)
    raise OSError("every sandbox user id is in use")
