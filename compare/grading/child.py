"""The submission's process: `python -I -B -u child.py FD_IN FD_OUT MEMORY_MB CPU_S NPROC`.

Started fresh by `compare.grading.isolate` in an empty temporary folder, stdin closed, stdout and stderr
captured by the grader. Before any of the submission's code runs it lowers its own limits (address space,
CPU seconds, processes, no core files), drops every capability and forbids gaining new privileges; then it
answers the grader's requests, one message at a time, over the two pipe ends it was given (framing:
`wire.py`, next to this file, loaded by path: our package need not be importable here):

    {"op": "load", "source": str, "filename": str}     -> {"ok": true, "has_forward": bool, "signatures": ...}
    {"op": "call", "fn": "backward"|"forward", "kwargs": {...}, "counts": [...]} + arrays
                                                        -> {"ok": true, "value": tree} + arrays
    any failure of the submission's code                -> {"ok": false, "error": {"type", "message", ...}}

Nothing here is trusted by the grader: the submission runs in this very interpreter and may replace any of
it. The grader reads only arrays and small JSON from this process, and checks all of it.
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


def _user_traceback(exc: BaseException, filename: str) -> str:
    import traceback
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    text = "".join(traceback.format_exception_only(type(exc), exc))
    if not frames:
        return text
    return "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) + text


def _error(exc: BaseException, filename: str) -> dict:
    import traceback
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return {"type": type(exc).__name__[:80], "message": str(exc)[:2000],
            "traceback": _user_traceback(exc, filename)[-8000:], "line": lines[-1] if lines else None}


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


def _serve(fd_in: int, fd_out: int) -> None:
    import types

    module = None
    filename = "submission.py"
    wire.write_message(fd_out, {"op": "ready"})
    while True:
        request, arrays = wire.read_message(fd_in)
        op = request.get("op")
        if op == "exit":
            return
        if op == "load":
            filename = request["filename"]
            module = types.ModuleType("submission")
            module.__file__ = filename
            sys.modules["submission"] = module
            try:
                exec(compile(request["source"], filename, "exec"), module.__dict__)
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
                reply = {"ok": False, "error": _error(exc, filename)}
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
                reply = {"ok": False, "error": _error(exc, filename)}
            wire.write_message(fd_out, reply, out)


if __name__ == "__main__":
    fd_in, fd_out, memory_mb, cpu_s, nproc = (int(x) for x in sys.argv[1:6])
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_AS, memory_mb << 20)
    _limit(resource.RLIMIT_CPU, cpu_s, cpu_s + 1)
    _limit(resource.RLIMIT_NPROC, nproc)
    _drop_privileges()
    import importlib.util

    spec = importlib.util.spec_from_file_location("_grading_wire", os.path.join(os.path.dirname(__file__),
                                                                                "wire.py"))
    wire = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wire)
    _serve(fd_in, fd_out)
