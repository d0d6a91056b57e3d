"""What comes back from a submission's process, rebuilt on the grader's side from plain data only.

A return value crosses as a tree (`child._encode`) of lists, tuples, `None`, type names and indices into the
message's arrays; `decode` rebuilds it with plain, writable ndarrays, and stand-ins (`Placeholder`) named like
the submission's other objects, so that `compare.usercode.load` words its usual messages ("dW[0] is a float;
expected a NumPy array"). An exception raised there crosses as its type's name, message and traceback text;
`remote_exception` makes an exception of that name here, its traceback attached as a note.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from compare.grading import wire
from compare.grading.captured import shown

_REMOTE: dict[str, type] = {}


def remote_exception(name: str, message: str, traceback: str) -> Exception:
    """An exception named like the submission's (`ValueError`), carrying its traceback as a note."""
    clean = "".join(c for c in name if c.isalnum() or c == "_")[:60] or "Exception"
    kind = _REMOTE.get(clean)
    if kind is None:
        base = NotImplementedError if clean == "NotImplementedError" else Exception
        kind = _REMOTE[clean] = type(clean, (base,), {"__module__": "builtins"})
    # bounded as the child bounds them (a forged answer is not), escapes as text: they reach check's terminal
    exc = kind(shown(message[:2000]))
    if traceback.strip():
        exc.add_note("in the submission's process:\n" + shown(traceback[-8000:].rstrip("\n")))
    return exc


class Placeholder:
    """Something the submission returned that is not an array, a list or a tuple: only its type's name
    crossed (`type(p).__name__` reads as the submission's type, for the usual messages)."""


_PLACEHOLDERS: dict[str, type] = {}


def _placeholder(name: str) -> Any:
    clean = "".join(c for c in name if c.isalnum() or c == "_")[:60] or "object"
    if clean not in _PLACEHOLDERS:
        _PLACEHOLDERS[clean] = type(clean, (Placeholder,), {})
    return _PLACEHOLDERS[clean]()


def decode(tree: Any, arrays: list[np.ndarray], depth: int = 0) -> Any:
    """The value a child described (`child._encode`): lists, tuples, None, plain float/int arrays, and
    placeholders. Anything malformed is a ProtocolError."""
    if not isinstance(tree, dict) or len(tree) not in (1, 2) or depth > 5:
        raise wire.ProtocolError("bad value tree")
    if "a" in tree:
        k = tree["a"]
        if type(k) is not int or not 0 <= k < len(arrays):
            raise wire.ProtocolError("bad array index")
        return np.array(arrays[k])   # a writable copy, plain ndarray
    if "l" in tree or "u" in tree:
        items = tree.get("l", tree.get("u"))
        if not isinstance(items, list):
            raise wire.ProtocolError("bad sequence")
        seq = [decode(v, arrays, depth + 1) for v in items]
        return seq if "l" in tree else tuple(seq)
    if "n" in tree:
        return None
    if "t" in tree and isinstance(tree["t"], str):
        if tree["t"] == "ndarray":
            return np.empty(0, dtype=object)   # an array of something that is not plain numbers
        return _placeholder(tree["t"])
    raise wire.ProtocolError("bad value tree")


def import_words(module: str, allowed: tuple[str, ...], *, folder: bool, file: Any = None) -> str:
    """Why a submission could not import `module`, in a student's words: a module the grader has but does
    not let submissions use, or one it did not bring (`file`: the submitted file, when one file was sent: a
    module lying beside it was not sent with it)."""
    import importlib.util
    from pathlib import Path

    top = module.partition(".")[0]
    if not folder and file is not None:
        beside = next((p for p in (Path(file).parent / top, Path(file).parent / f"{top}.py") if p.exists()), None)
        if beside is not None:   # cs231n's classifiers: the package lies beside the file, which went alone
            return (f"`{top}` lies beside it ({beside.name}{'/' if beside.is_dir() else ''} in "
                    f"{beside.parent.name or beside.parent}/), but a single file is sent alone: give the folder "
                    f"holding both as the submission (its entry submission.py, or the one file defining backward)")
    may = ", ".join(["the standard library"] + [m for m in allowed])
    try:
        installed = importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        installed = False
    if installed and top not in allowed:
        return f"a submission may not import `{top}` here (it may import: {may})"
    where = "in your folder" if folder else "with it (submit a folder holding your file and its helper modules)"
    return (f"`{top}` is neither a module a submission may import here ({may}) nor a file of yours: if it is "
            f"your own helper module, include {top}.py {where}" + (
                f" (`{module}`: `{top}` is a package, so include its folder {top}/ with its __init__.py)"
                if "." in module else ""))


def signature_keywords(sig: Any, shown: str, name: str, positional: int, names: str) -> tuple[str, ...] | None:
    """The experiment keywords a function of the submission takes, from the signature its process described
    (`child._signature`), as `compare.usercode.load` finds them in-process: the experiment's keywords it
    names (all of them through **kwargs) and the loss's conventions it names (never through **kwargs);
    UserCodeError if it cannot take `positional` arguments; None if `sig` is not such a description (the
    protocol was broken)."""
    from compare.usercode.load import CONVENTION_KEYWORDS, EXPERIMENT_KEYWORDS, UserCodeError

    if not isinstance(sig, dict):
        return None
    if not sig.get("binds"):
        raise UserCodeError(f"{shown}: `{name}{str(sig.get('text', '(...)'))[:200]}` must accept "
                            f"{positional} positional arguments ({names})")
    given = sig.get("keywords") if isinstance(sig.get("keywords"), list) else []
    conventions = tuple(k for k in CONVENTION_KEYWORDS if k in given)
    if sig.get("var_keyword"):
        return EXPERIMENT_KEYWORDS + conventions
    return tuple(k for k in EXPERIMENT_KEYWORDS if k in given) + conventions
