"""The submission's process: `python -I -B -u child.py FD_IN FD_OUT MEMORY_MB CPU_S NPROC UID SITE`.

Started fresh by `compare.grading.isolate` in an empty temporary folder (in a sandbox: its private /tmp),
stdin closed, stdout and stderr captured by the grader. Before any of the submission's code runs it lowers
its own limits (address space, CPU seconds, processes, no core files), switches to the user id UID when it
starts as root in a sandbox (UID -1: no switch), drops every capability and forbids gaining new privileges,
and puts SITE (the sandbox's allowed modules; "" for none) first on its path; then it answers the grader's
requests, one message at a time, over the two pipe ends it was given (framing: `wire.py`, next to this
file, loaded by path: our package need not be importable here):

    {"op": "load", "files": [[relpath, k]], "entry": relpath, "allowed": [...] | null} + one uint8 array per file
                                                        -> {"ok": true, "has_forward": bool, "signatures": ...}
    {"op": "call", "fn": "backward"|"forward", "kwargs": {...}, "counts": [...]} + arrays
                                                        -> {"ok": true, "value": tree} + arrays
    any failure of the submission's code                -> {"ok": false, "error": {"type", "message", ...}}

Nothing here is trusted by the grader: the submission runs in this very interpreter and may replace any of
it. The grader reads only arrays and small JSON from this process, and checks all of it.

The files are written under `submission/` in the working folder and imported from there (a folder's helper
modules import as they would next to it); the entry is compiled from its bytes, as Python reads a file (a
UTF-8 byte-order mark or a coding line honoured). `allowed` (no sandbox only): the top-level modules it may
import besides the standard library and its own, a courtesy check; in a sandbox, what is not mounted cannot
be imported at all.
"""

import os
import resource
import sys


def _limit(which: int, soft: int, hard: int | None = None) -> None:
    try:
        resource.setrlimit(which, (soft, soft if hard is None else hard))
    except (ValueError, OSError):
        pass   # a limit already lower than asked for stays as it is


def _drop_privileges() -> None:
    """No new privileges through exec, and (when running as root) no capabilities: the process limit then
    applies, and the grader's non-dumpable memory cannot be read (Linux only; elsewhere nothing to drop)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(38, 1, 0, 0, 0)   # PR_SET_NO_NEW_PRIVS
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)   # _LINUX_CAPABILITY_VERSION_3, this process
        data = (ctypes.c_uint32 * 6)()                    # effective, permitted, inheritable x 2: all empty
        libc.capset(header, data)
    except (OSError, AttributeError):
        pass


def _switch_user(uid: int) -> None:
    """Become `uid` (its own group, no other) for good, with an empty capability bounding set; exit at once
    if that did not happen: nothing of the submission may run as root."""
    if uid < 0 or os.getuid() != 0:
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in range(64):
            libc.prctl(24, cap, 0, 0, 0)   # PR_CAPBSET_DROP
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    except OSError:
        pass
    if os.getresuid() != (uid, uid, uid) or os.getgroups():
        os.write(2, b"sandbox: could not switch to the submission's user id\n")
        os._exit(70)


class _Guard:
    """No sandbox: a top-level import outside the allowed modules, the standard library and the
    submission's own files raises ModuleNotFoundError naming it (a courtesy, not a wall)."""

    def __init__(self, allowed: set):
        self.allowed = allowed

    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if path is None and top == name and top not in self.allowed and top not in sys.stdlib_module_names:
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return None


def _user_traceback(exc: BaseException, filename: str) -> str:
    import traceback
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(filename)]
    text = "".join(traceback.format_exception_only(type(exc), exc))
    if not frames:
        return text
    return "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) + text


def _error(exc: BaseException, filename: str) -> dict:
    import traceback
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(filename)]
    module = getattr(exc, "name", None) if isinstance(exc, ImportError) else None
    return {"type": type(exc).__name__[:80], "message": str(exc)[:2000],
            "traceback": _user_traceback(exc, filename)[-8000:], "line": lines[-1] if lines else None,
            "module": module[:200] if isinstance(module, str) else None}


def _signature(fn, positional: int) -> dict:
    import inspect
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return {"text": "(...)", "binds": True, "keywords": [], "var_keyword": False}
    try:
        signature.bind(*([None] * positional))
        binds = True
    except TypeError:
        binds = False
    params = signature.parameters.values()
    return {"text": str(signature)[:500], "binds": binds,
            "var_keyword": any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params),
            "keywords": [p.name for p in params if p.kind is not inspect.Parameter.POSITIONAL_ONLY][:50]}


def _encode(value, arrays: list, depth: int = 0):
    """A value tree of JSON and indices into `arrays`: ndarrays (any subclass becomes a plain copy), lists,
    tuples, None; anything else is named by its type only."""
    import numpy as np
    if isinstance(value, np.ndarray):
        plain = np.array(value, copy=True, subok=False)
        if type(plain) is not np.ndarray or plain.dtype.str not in wire.DTYPES:
            return {"t": "ndarray", "dtype": str(plain.dtype)[:40]}
        arrays.append(plain)
        return {"a": len(arrays) - 1}
    if isinstance(value, (list, tuple)) and depth < 4 and len(value) <= 256:
        return {"l" if isinstance(value, list) else "u": [_encode(v, arrays, depth + 1) for v in value]}
    if value is None:
        return {"n": 1}
    return {"t": type(value).__name__[:80]}


def _load(request: dict, arrays: list, root: str):
    """Write the submission's files under `root`, then import its entry as a module of its own name."""
    import types

    for rel, k in request["files"]:
        parts = rel.split("/")
        if rel.startswith("/") or ".." in parts or not all(parts):
            raise ValueError(f"bad file name {rel!r}")
        path = os.path.join(root, *parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(arrays[k].tobytes())
    entry = os.path.join(root, *request["entry"].split("/"))
    sys.path.insert(0, os.path.dirname(entry))
    if request.get("allowed") is not None:
        own = {os.path.splitext(n)[0] for n in os.listdir(os.path.dirname(entry))}
        sys.meta_path.insert(0, _Guard(set(request["allowed"]) | own))
    name = os.path.splitext(os.path.basename(entry))[0]
    module = types.ModuleType(name)
    module.__file__ = entry
    sys.modules[name] = module
    with open(entry, "rb") as f:
        code = compile(f.read(), entry, "exec")   # bytes: Python's own reading (a BOM, a coding line)
    exec(code, module.__dict__)
    return module


def _serve(fd_in: int, fd_out: int) -> None:
    module = None
    root = os.path.join(os.getcwd(), "submission")
    wire.write_message(fd_out, {"op": "ready"})
    while True:
        request, arrays = wire.read_message(fd_in)
        op = request.get("op")
        if op == "exit":
            return
        if op == "load":
            try:
                module = _load(request, arrays, root)
                backward = getattr(module, "backward", None)
                forward = getattr(module, "forward", None)
                reply = {"ok": True, "backward": None if backward is None else type(backward).__name__[:80],
                         "forward": None if forward is None else type(forward).__name__[:80],
                         "backward_callable": callable(backward), "forward_callable": callable(forward)}
                if callable(backward):
                    reply["backward_signature"] = _signature(backward, 4)
                if callable(forward):
                    reply["forward_signature"] = _signature(forward, 3)
            except BaseException as exc:   # the submission may raise anything, SystemExit included
                reply = {"ok": False, "error": _error(exc, root + os.sep)}
            wire.write_message(fd_out, reply)
            continue
        if op == "call":
            out: list = []
            try:
                fn = getattr(module, request["fn"])
                counts, args, k = request["counts"], [], 0
                for n in counts:   # weights, biases, activations: lists; targets / X: one array
                    args.append(arrays[k] if n is None else list(arrays[k:k + n]))
                    k += 1 if n is None else n
                value = fn(*args, **request.get("kwargs", {}))
                reply = {"ok": True, "value": _encode(value, out)}
            except BaseException as exc:
                out = []
                reply = {"ok": False, "error": _error(exc, root + os.sep)}
            wire.write_message(fd_out, reply, out)


if __name__ == "__main__":
    fd_in, fd_out, memory_mb, cpu_s, nproc, uid = (int(x) for x in sys.argv[1:7])
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_AS, memory_mb << 20)
    _limit(resource.RLIMIT_CPU, cpu_s, cpu_s + 1)
    _switch_user(uid)
    _limit(resource.RLIMIT_NPROC, nproc)
    _drop_privileges()
    if sys.argv[7]:
        sys.path.insert(0, sys.argv[7])
    import importlib.util

    spec = importlib.util.spec_from_file_location("_grading_wire", os.path.join(os.path.dirname(__file__),
                                                                                "wire.py"))
    wire = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wire)
    _serve(fd_in, fd_out)
