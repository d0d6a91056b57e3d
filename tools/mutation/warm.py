"""A warm test runner for mutants: one process imports NumPy, torch and pytest once, then forks a fresh child
for every mutant, which imports our (mutated) modules from disk and runs the module's tests. cosmic-ray's test
command is the tiny client below, so a mutant costs its tests' own time, not Python's, torch's and pytest's
start-up each time (about 3 s of CPU; 10 to 30 s of wall time on a loaded 2-core machine).

    python -m tools.mutation.warm serve SOCKET TIMEOUT TEST...    # started by tools.mutation per module
    python -m tools.mutation.warm run SOCKET                      # cosmic-ray's test command: exit 0 survived

The server never imports compare, numpy_impl, torch_impl or tests, so each child reads the mutated source.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time


def _die_with_parent() -> None:
    """Linux: this server ends when `python -m tools.mutation` does, however it ends (PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def serve(path: str, timeout: float, tests: list[str]) -> None:
    _die_with_parent()
    sys.dont_write_bytecode = True          # no .pyc of a mutant, ever: the next one has the same mtime second
    import numpy  # noqa: F401
    import pytest
    try:
        import torch  # noqa: F401
        torch.set_num_threads(1)
        # what a torch optimizer's first construction imports lazily (torch._dynamo: about 3 s of CPU), once
        # here rather than in every mutant's child
        import torch._dynamo  # noqa: F401
        import torch.optim  # noqa: F401
        import torch.utils.data  # noqa: F401
    except ImportError:
        pass
    import matplotlib
    matplotlib.use("Agg")
    try:        # its pytest plugin imports it at every session's end: about 1 s of CPU a mutant otherwise
        import hypothesis  # noqa: F401
    except ImportError:
        pass
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        with conn:
            if conn.recv(16) != b"run":
                return
            conn.sendall(str(_one(pytest, tests, timeout)).encode())


def _one(pytest: object, tests: list[str], timeout: float) -> int:
    child = os.fork()
    if child == 0:
        _die_with_parent()
        os.setpgid(0, 0)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            code = pytest.main(["-q", "-x", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:xdist",
                                "-W", "ignore", *tests])
        except BaseException:
            code = 99
        os._exit(int(code))
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 98
        if time.monotonic() > deadline:     # a mutant that loops: killed, and counted as killed
            try:
                os.killpg(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(child, 0)
            return 97
        time.sleep(0.02)


def run(path: str) -> int:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    client.sendall(b"run")
    answer = client.recv(16)
    return int(answer or b"96")


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], float(sys.argv[3]), sys.argv[4:])
    else:
        sys.exit(run(sys.argv[2]))
