"""The system calls a submission may not make, as the seccomp filter bubblewrap installs (`bwrap --seccomp FD`).

Namespaces and user ids do not cover everything the kernel shares. Refused here (EPERM):

- the kernel's keyrings (`add_key`, `keyctl`, `request_key`): not namespaced. A submission would read the
  keys of the session keyring it inherits from the grader (root's), plant keys there, and leave keys in its
  user id's own keyring for the next submission given that id;
- new namespaces (`unshare`, `setns`, `clone` with a namespace flag; `clone3` answers ENOSYS, so that the C
  library falls back to `clone`): a user namespace of its own would give it every capability there, and
  the kernel's large attack surface behind them;
- `ptrace`, `perf_event_open`, `bpf`, `userfaultfd`, `io_uring_*`, and mounting (`mount`, `umount2`,
  `pivot_root`, `fsopen`, `fsmount`, `open_tree`, `move_mount`): nothing a backward pass needs, each an attack
  surface of its own;
- any system call of another ABI (x32, i386 on x86_64): the filter checks the architecture first.

What Docker's default profile refuses, for the same reasons. Programs exist for x86_64 and aarch64; on
another machine `program()` is None and the sandbox runs without the filter.
"""

from __future__ import annotations

import errno
import os
import platform
import struct

# (AUDIT_ARCH, clone, clone3, {name: number}) from the kernel's syscall tables
_TABLES = {
    "x86_64": (0xC000003E, 56, 435, {
        "ptrace": 101, "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272, "setns": 308,
        "perf_event_open": 298, "bpf": 321, "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "mount": 165, "umount2": 166, "pivot_root": 155, "open_tree": 428,
        "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442}),
    "aarch64": (0xC00000B7, 220, 435, {
        "ptrace": 117, "add_key": 217, "request_key": 218, "keyctl": 219, "unshare": 97, "setns": 268,
        "perf_event_open": 241, "bpf": 280, "userfaultfd": 282, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "mount": 40, "umount2": 39, "pivot_root": 41, "open_tree": 428,
        "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442}),
}
CLONE_NAMESPACES = 0x7E020000   # CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
X32_BIT = 0x40000000

# classic BPF
_LD_W_ABS, _JEQ, _JSET, _JGE, _RET = 0x20, 0x15, 0x45, 0x35, 0x06
_ALLOW, _KILL = 0x7FFF0000, 0x80000000
_DENY = 0x00050000 | errno.EPERM
_ENOSYS = 0x00050000 | errno.ENOSYS


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def program(machine: str | None = None) -> bytes | None:
    """The compiled filter (struct sock_filter[], this machine's byte order) for `machine` (default: this
    one's), or None where there is no table for it."""
    table = _TABLES.get(machine or platform.machine())
    if table is None:
        return None
    arch, clone, clone3, numbers = table
    denied = sorted(set(numbers.values()))
    ops = [_op(_LD_W_ABS, 4),                        # seccomp_data.arch
           _op(_JEQ, arch, 1, 0), _op(_RET, _KILL),  # another ABI: the process is killed
           _op(_LD_W_ABS, 0)]                        # seccomp_data.nr
    if arch == 0xC000003E:
        ops += [_op(_JGE, X32_BIT, 0, 1), _op(_RET, _DENY)]
    for k, nr in enumerate(denied):   # each: equal -> jump over the rest to the final DENY
        ops.append(_op(_JEQ, nr, len(denied) - k + 5, 0))
    ops += [_op(_JEQ, clone3, 0, 1), _op(_RET, _ENOSYS),
            _op(_JEQ, clone, 0, 2), _op(_LD_W_ABS, 16),         # args[0], its low 32 bits (little-endian)
            _op(_JSET, CLONE_NAMESPACES, 1, 0),
            _op(_RET, _ALLOW), _op(_RET, _DENY)]
    return b"".join(ops)


def memfd() -> int | None:
    """A file descriptor holding this machine's program, read from its start (for `bwrap --seccomp FD`),
    or None where there is no program (or no memfd)."""
    code = program()
    if code is None or not hasattr(os, "memfd_create"):
        return None
    fd = os.memfd_create("compare-seccomp", 0)   # no MFD_CLOEXEC: bwrap inherits it (pass_fds)
    os.write(fd, code)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
