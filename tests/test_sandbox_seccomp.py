"""The seccomp filter the sandbox installs, run on a small classic-BPF interpreter written here from the
kernel's definitions (struct sock_filter, struct seccomp_data), with system call numbers from the kernel's
own tables (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h): what it refuses,
what it lets through, on both machines it knows. The filter at work, as root: tests/test_sandbox_hidden.py.
"""

from __future__ import annotations

import errno
import struct

import pytest

from compare.sandbox.seccomp import program

ALLOW, KILL = 0x7FFF0000, 0x80000000
EPERM, ENOSYS = 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
CALLS = {   # name: (x86_64, aarch64)
    "read": (0, 63), "write": (1, 64), "openat": (257, 56), "mmap": (9, 222), "clone": (56, 220),
    "clone3": (435, 435), "execve": (59, 221), "setresuid": (117, 147), "prctl": (157, 167),
    "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218), "unshare": (272, 97),
    "setns": (308, 268), "ptrace": (101, 117), "mount": (165, 40), "bpf": (321, 280),
    "io_uring_setup": (425, 425), "perf_event_open": (298, 241), "userfaultfd": (323, 282),
}
CLONE_THREAD_FLAGS = 0x003D0F00      # what pthread_create passes: no namespace
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


def run(code: bytes, nr: int, arch: int, arg0: int = 0) -> int:
    """What the filter returns for a call (classic BPF: LD W ABS, JEQ/JGE/JSET K, RET K)."""
    data = struct.pack("=iIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)
    ops = [struct.unpack("=HBBI", code[i:i + 8]) for i in range(0, len(code), 8)]
    pc, acc = 0, 0
    while True:
        op, jt, jf, k = ops[pc]
        if op == 0x20:                       # BPF_LD | BPF_W | BPF_ABS
            acc = struct.unpack_from("=I", data, k)[0]
            pc += 1
        elif op in (0x15, 0x35, 0x45):       # JEQ, JGE, JSET with K
            hit = acc == k if op == 0x15 else acc >= k if op == 0x35 else bool(acc & k)
            pc += 1 + (jt if hit else jf)
        elif op == 0x06:                     # RET K
            return k
        else:
            raise AssertionError(f"unexpected instruction {op:#x}")


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_filter_refuses_what_the_kernel_shares_and_lets_a_program_run(machine: str) -> None:
    code = program(machine)
    assert code is not None and len(code) % 8 == 0
    arch, which = ARCH[machine], 0 if machine == "x86_64" else 1
    for name in ("read", "write", "openat", "mmap", "execve", "setresuid", "prctl"):
        assert run(code, CALLS[name][which], arch) == ALLOW, name
    for name in ("keyctl", "add_key", "request_key", "unshare", "setns", "ptrace", "mount", "bpf",
                 "io_uring_setup", "perf_event_open", "userfaultfd"):
        assert run(code, CALLS[name][which], arch) == EPERM, name
    clone = CALLS["clone"][which]
    assert run(code, clone, arch, CLONE_THREAD_FLAGS) == ALLOW          # threads and fork
    assert run(code, clone, arch, 0x11) == ALLOW                         # fork(): SIGCHLD only
    assert run(code, clone, arch, CLONE_NEWUSER | 0x11) == EPERM
    assert run(code, clone, arch, CLONE_NEWNET) == EPERM
    assert run(code, CALLS["clone3"][which], arch) == ENOSYS             # the C library falls back to clone
    other = ARCH["aarch64" if machine == "x86_64" else "x86_64"]
    assert run(code, CALLS["read"][which], other) == KILL                # another ABI: killed
    assert run(code, CALLS["read"][which], 0x40000003) == KILL           # i386


def test_x32_calls_are_refused_and_an_unknown_machine_has_no_filter() -> None:
    code = program("x86_64")
    assert code is not None
    assert run(code, 0x40000000 | CALLS["keyctl"][0], ARCH["x86_64"]) == EPERM
    assert run(code, 0x40000000 | CALLS["read"][0], ARCH["x86_64"]) == EPERM
    assert program("riscv64") is None and program("s390x") is None
