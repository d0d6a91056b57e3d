"""A layer file in its own process (`compare/grading/layers/child.py`), its functions seen here as proxies
that the layer check calls like any others.

    with IsolatedLayers("alice.py", Limits(timeout=20)) as sub:
        functions = sub.load_layers(["affine_forward", "affine_backward"])   # {name: proxy or problem text}
        check_layer(LAYERS["affine"], functions)

Arrays and parameter dictionaries cross; a cache stays in the child and comes back here as a `RemoteCache`
handle (the child says whether the backward changed it in place). A dictionary the forward updates in place
(`bn_param["running_mean"]`) and an input it changes in place are updated here too, so the check sees both.
Everything that comes back is rebuilt from plain arrays and numbers and then checked by the layer check as
in-process (`compare.layers.returns`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from compare.errors import ExperimentError
from compare.files.bounded import read_bytes
from compare.grading import wire
from compare.grading.answers import import_words
from compare.grading.bundle import MAX_SOURCE, read_submission
from compare.grading.isolate import Isolated
from compare.layers.returns import Opaque
from compare.usercode.load import UserCodeError

LAYER_CHILD = Path(__file__).with_name("child.py")


class RemoteCache(Opaque):
    """A cache kept in the submission's process."""

    def __init__(self, handle: int, type_name: str):
        self.handle, self.type_name = handle, type_name


class IsolatedLayers(Isolated):
    child_script = LAYER_CHILD

    def load_layers(self, names: list[str], positional: dict[str, int]) -> dict[str, Any]:
        """Import the file in the child; {name: a proxy function, or a string saying why it cannot be one}.
        UserCodeError for a file that is not UTF-8 or does not import. A folder is sent whole, its entry
        `compare.layers.discover.layer_entry` (its helper modules import beside it)."""
        if self.path.is_dir():
            from compare.layers.discover import layer_entry
            entry, files = read_submission(self.path, self.name, layer_entry)
            allowed = None
            if self._jail is None:   # no sandbox: the rubric's imports, checked by the child
                from compare.sandbox.modules import visible_names
                allowed = sorted(visible_names(self.limits.imports))
            self._send({"op": "load", "files": [[rel, k] for k, (rel, _) in enumerate(files)], "entry": entry,
                        "allowed": allowed, "names": names, "positional": positional},
                       [np.frombuffer(data, dtype=np.uint8) for _, data in files], "importing")
            return self._functions(names)
        try:
            source = read_bytes(self.path, self.name, MAX_SOURCE).decode("utf-8")
        except ExperimentError as exc:
            raise UserCodeError(f"{exc}; a submission is one Python file, or a folder") from None
        except UnicodeDecodeError:
            raise UserCodeError(f"{self.name}: is not UTF-8 text") from None
        self._send({"op": "load", "source": source, "filename": str(self.path.resolve()), "names": names,
                    "positional": positional}, [], "importing")
        return self._functions(names)

    def _functions(self, names: list[str]) -> dict[str, Any]:
        """The child's answer to "load": {name: a proxy, or why it cannot be one}."""
        reply, _ = self._receive("while importing")
        if not reply.get("ok"):
            exc = self._failed(reply.get("error"), "while importing")
            if not isinstance(exc, Exception):
                raise exc
            first = (str(reply["error"].get("message", "")).strip().splitlines() or [""])[0]
            text = f"{type(exc).__name__}: {first}"
            module = reply["error"].get("module")
            if isinstance(module, str) and module and type(exc).__name__ == "ModuleNotFoundError":
                text += "; " + import_words(module, self.limits.imports, folder=self.path.is_dir(),
                                            file=self.path)
            raise UserCodeError(f"{self.name}: does not import ({text})", str(reply["error"].get("traceback", "")))
        found = reply.get("functions")
        if not isinstance(found, dict):
            raise self._end("error", "broke the grader's protocol while importing")
        out: dict[str, Any] = {}
        for name in names:
            info = found.get(name) if isinstance(found.get(name), dict) else {}
            if not info.get("callable"):
                out[name] = f"`{name}` is {str(info.get('type', 'missing'))[:80]}, not a function"
            elif not info.get("binds"):
                out[name] = f"{name}{str(info.get('text', '(...)'))[:200]} does not take the interface's arguments"
            else:
                out[name] = self._proxy(name)
        return out

    def _proxy(self, name: str) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            return self.layer_call(name, args)
        return call

    def layer_call(self, name: str, args: tuple) -> Any:
        arrays: list[np.ndarray] = []
        trees = [_encode(a, arrays) for a in args]
        what = f"in {name}"
        self._send({"op": "layer_call", "fn": name, "args": trees}, arrays, what)
        reply, out = self._receive(what, max_bytes=8 * sum(a.nbytes for a in arrays) + (1 << 20))
        if not reply.get("ok"):
            raise self._failed(reply.get("error"), what)
        try:
            items = [_item(t, out) for t in _list(reply.get("items"))]
            for given, after in zip(args, _list(reply.get("after"))):
                _update(given, after, out)
            changed = reply.get("cache_changed")
            for given in args:
                if isinstance(given, RemoteCache):
                    given.changed_where = str(changed)[:200] if changed else None
        except (KeyError, IndexError, TypeError, ValueError, wire.ProtocolError):
            raise self._end("error", f"broke the grader's protocol {what}") from None
        kind = reply.get("kind")
        return tuple(items) if kind == "tuple" else list(items) if kind == "list" else items[0]


def _encode(value: Any, arrays: list[np.ndarray]) -> dict[str, Any]:
    if isinstance(value, RemoteCache):
        return {"h": value.handle}
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"a": len(arrays) - 1}
    if isinstance(value, dict):
        return {"d": {k: _encode(v, arrays) for k, v in value.items()}}
    return {"v": value}


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise wire.ProtocolError("expected a list")
    return value


def _item(tree: Any, out: list[np.ndarray]) -> Any:
    if "a" in tree:
        return out[int(tree["a"])].copy()
    if "h" in tree:
        return RemoteCache(int(tree["h"]), str(tree.get("t", ""))[:80])
    value = tree["v"]
    if isinstance(value, str):
        return float(value)                  # "nan", "inf", "-inf"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise wire.ProtocolError("bad number")
    return float(value)


def _update(given: Any, after: Any, out: list[np.ndarray]) -> None:
    """What the call left in an argument, applied here: a dictionary's arrays, an array changed in place."""
    if after is None:
        return
    if isinstance(given, np.ndarray) and "a" in after:
        new = out[int(after["a"])]
        if new.shape == given.shape and not np.array_equal(new, given):
            np.copyto(given, new, casting="unsafe")
    elif type(given) is dict and "d" in after:
        for key, tree in after["d"].items():
            if "a" in tree:
                value = out[int(tree["a"])].copy()
                if not (isinstance(given.get(key), np.ndarray) and np.array_equal(given[key], value)):
                    given[key] = value
