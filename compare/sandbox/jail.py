"""One submission's sandbox while it runs: its user id, its control group, the command that starts it.

    jail = Jail(policy)                       # claims a user id and makes a control group (as root)
    argv = jail.command(grading_dir, args)    # bwrap ... python child.py args... UID SITE
    Popen(argv, pass_fds=(..., *jail.fds))    # bwrap reads the seccomp filter from its descriptor
    jail.enter(pid)                           # the started tree into the control group, before its code runs
    jail.cpu_seconds(); jail.out_of_memory()
    jail.close()                              # all of its processes killed, the group removed, the id freed

As an ordinary user there is neither: the namespaces alone, and the per-process limits of `child.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

from compare.sandbox import bwrap, seccomp, uids
from compare.sandbox.cgroups import ControlGroup
from compare.sandbox.policy import Policy

BWRAP_PROCESSES = 2   # bwrap's own monitor and its pid-1 reaper, in the group beside the submission's


class Jail:
    """See the module docstring."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.uid: uids.UidClaim | None = None
        self.group: ControlGroup | None = None
        self.seccomp_fd: int | None = None
        if os.geteuid() == 0:
            self.uid = uids.claim()
            try:
                self.group = ControlGroup.create(policy.memory_mb, policy.processes + 1 + BWRAP_PROCESSES,
                                                 policy.cores)
            except BaseException:
                self.uid.release()
                raise

    @property
    def own_uid(self) -> bool:
        return self.uid is not None

    def command(self, grading_dir: Path, child_args: list[str], script: str = "child.py") -> list[str]:
        """bwrap's command line for `script child_args... UID SITE` (`script` relative to `grading_dir`)."""
        uid = str(self.uid.uid) if self.uid is not None else "-1"
        if self.seccomp_fd is None:
            self.seccomp_fd = seccomp.memfd()
        return bwrap.command(self.policy, grading_dir, child_args + [uid, self.policy.site], script,
                             self.seccomp_fd)

    @property
    def fds(self) -> tuple[int, ...]:
        """The descriptors bwrap must inherit (its seccomp filter)."""
        return () if self.seccomp_fd is None else (self.seccomp_fd,)

    def enter(self, pid: int) -> None:
        """Put the sandbox's processes (bwrap's and the child's: nothing of the submission runs yet) in the group."""
        if self.group is not None:
            self.group.add_tree(pid)

    def cpu_seconds(self) -> float | None:
        return None if self.group is None else self.group.cpu_seconds()

    def out_of_memory(self) -> bool:
        return self.group is not None and self.group.out_of_memory()

    def kill(self) -> int | None:
        """Kill everything in the sandbox's group now: how many processes the submission had started beyond
        its own (None where there is no group)."""
        if self.group is None:
            return None
        return max(0, self.group.kill() - 1 - BWRAP_PROCESSES)

    def close(self) -> None:
        if self.seccomp_fd is not None:
            os.close(self.seccomp_fd)
            self.seccomp_fd = None
        if self.group is not None:
            self.group.close()
            self.group = None
        if self.uid is not None:
            self.uid.release()
            self.uid = None
