"""A layer-file submission's process: `python -I -B -u layers/child.py FD_IN FD_OUT MEMORY_MB CPU_S NPROC UID SITE`.

The same process as `compare/grading/child.py` (loaded by path: the same limits, the same dropped privileges, the same
framing, `wire.py`), answering the layer check's requests. A layer's cache never leaves this process: it is
kept here and named by a handle.

    {"op": "load", "source", "filename", "names": [...], "positional": {name: n}}   (a folder: "files", "entry",
        "allowed" as child.py's, + one uint8 array per file, instead of "source" and "filename")
        -> {"ok": true, "functions": {name: {"callable", "type", "binds", "text"}}}
    {"op": "layer_call", "fn": name, "args": [tree, ...]} + arrays       tree: {"a": i} an array, {"d": {k: tree}}
        -> {"ok": true, "kind": "tuple" | "list" | "single", "items": [item, ...],   a dict, {"v": x} a number,
            "after": [tree | null per argument], "cache_changed": str | null}       {"h": id} a kept object
       + arrays                                                            item: {"a": i}, {"v": x}, {"h": id, "t"}

`after` gives, per argument, its arrays after the call (a parameter dictionary updated in place, an input
changed in place); `cache_changed` says where a kept cache passed in was changed in place by the call.
Nothing here is trusted by the grader (`compare.grading.layers.remote` checks every item).
"""

import math
import os
import sys


def _decode(tree, arrays, kept):
    if "a" in tree:
        return arrays[tree["a"]].copy()
    if "d" in tree:
        return {k: _decode(v, arrays, kept) for k, v in tree["d"].items()}
    if "h" in tree:
        return kept[tree["h"]]
    return tree["v"]


def _snapshot(value, depth=0):
    import numpy as np
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (tuple, list)) and depth < 4:
        return [_snapshot(v, depth + 1) for v in value]
    if isinstance(value, dict) and depth < 4:
        return {k: _snapshot(v, depth + 1) for k, v in value.items()}
    return None


def _changed(value, before, where="cache"):
    import numpy as np
    if isinstance(before, np.ndarray):
        same = isinstance(value, np.ndarray) and value.shape == before.shape and np.array_equal(value, before,
                                                                                                  equal_nan=True)
        return None if same else where
    if isinstance(before, list) and isinstance(value, (tuple, list)) and len(value) == len(before):
        for k, (now, then) in enumerate(zip(value, before)):
            found = _changed(now, then, f"{where}[{k}]")
            if found:
                return found
    if isinstance(before, dict) and isinstance(value, dict):
        for k, then in before.items():
            found = _changed(value.get(k), then, f"{where}[{k!r}]")
            if found:
                return found
    return None


def _item(value, out, kept):
    import numpy as np
    if (isinstance(value, np.ndarray) and type(value) is np.ndarray and value.dtype.str in wire.DTYPES
            and value.ndim <= wire.MAX_NDIM):
        out.append(np.array(value, copy=True))
        return {"a": len(out) - 1}
    if isinstance(value, np.ndarray) and type(value) is np.ndarray:   # kept here, described: never the wire's
        kept.append(value)
        return {"h": len(kept) - 1, "t": f"NumPy array of shape {tuple(value.shape)}"[:80]}
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        number = float(value)
        return {"v": number if math.isfinite(number) else str(number)}
    kept.append(value)
    return {"h": len(kept) - 1, "t": type(value).__name__[:80]}


def _after(value, out):
    import numpy as np
    if isinstance(value, np.ndarray):
        if type(value) is not np.ndarray or value.dtype.str not in wire.DTYPES:
            return None
        out.append(np.array(value, copy=True))
        return {"a": len(out) - 1}
    if isinstance(value, dict):
        return {"d": {str(k)[:80]: t for k, v in list(value.items())[:32] if (t := _after(v, out)) is not None}}
    return None


def _serve(fd_in, fd_out):
    import types

    module, filename, kept = None, "submission.py", []
    wire.write_message(fd_out, {"op": "ready"})
    while True:
        request, arrays = wire.read_message(fd_in)
        op = request.get("op")
        if op == "exit":
            return
        if op == "load":
            try:
                if "files" in request:    # a folder: written under submission/, its entry imported from there
                    filename = os.path.join(os.getcwd(), "submission") + os.sep
                    module = child._load(request, arrays, filename.rstrip(os.sep))
                else:
                    filename = request["filename"]
                    module = types.ModuleType("submission")
                    module.__file__ = filename
                    sys.modules["submission"] = module
                    exec(compile(request["source"], filename, "exec"), module.__dict__)
                functions = {}
                for name in request["names"]:
                    fn = getattr(module, name, None)
                    sig = child._signature(fn, request["positional"][name]) if callable(fn) else {}
                    functions[name] = {"callable": callable(fn), "type": type(fn).__name__[:80],
                                       "binds": sig.get("binds", False), "text": sig.get("text", "")}
                reply = {"ok": True, "functions": functions}
            except BaseException as exc:   # the submission may raise anything, SystemExit included
                reply = {"ok": False, "error": child._error(exc, filename)}
            wire.write_message(fd_out, reply)
            continue
        if op == "layer_call":
            out = []
            try:
                args = [_decode(tree, arrays, kept) for tree in request["args"]]
                caches = [(a, _snapshot(a)) for tree, a in zip(request["args"], args) if "h" in tree]
                value = getattr(module, request["fn"])(*args)
                if isinstance(value, (tuple, list)) and len(value) <= 16:
                    kind, values = ("tuple" if isinstance(value, tuple) else "list"), list(value)
                else:
                    kind, values = "single", [value]
                items = [_item(v, out, kept) for v in values]
                after = [_after(a, out) if "h" not in tree else None for tree, a in zip(request["args"], args)]
                changed = next((w for a, b in caches if (w := _changed(a, b))), None)
                reply = {"ok": True, "kind": kind, "items": items, "after": after, "cache_changed": changed}
            except BaseException as exc:
                out = []
                reply = {"ok": False, "error": child._error(exc, filename)}
            wire.write_message(fd_out, reply, out)


if __name__ == "__main__":
    import importlib.util

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))     # compare/grading

    def _load(name):
        spec = importlib.util.spec_from_file_location(f"_grading_{name}", os.path.join(here, f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    child = _load("child")             # the standard library only: its limits and user switch come first
    fd_in, fd_out, memory_mb, cpu_s, nproc, uid = (int(x) for x in sys.argv[1:7])
    child._limit(child.resource.RLIMIT_CORE, 0)
    child._limit(child.resource.RLIMIT_AS, memory_mb << 20)
    child._limit(child.resource.RLIMIT_CPU, cpu_s, cpu_s + 1)
    child._switch_user(uid)            # in a sandbox, as root: the submission's own user id (child.py's argv)
    child._limit(child.resource.RLIMIT_NPROC, nproc)
    child._drop_privileges()
    if sys.argv[7]:
        sys.path.insert(0, sys.argv[7])   # in a sandbox: where NumPy is
    wire = child.wire = _load("wire")
    _serve(fd_in, fd_out)
