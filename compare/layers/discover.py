"""Which layers a file defines, read from its syntax before any of its code runs, and its functions taken
once it is imported: what can be checked, what cannot (a forward without its backward, a wrong signature),
each layer on its own.

A file is a layer file when it defines, at top level, a function the table knows and no `backward` (a file
with `backward` is a backprop file, `compare.usercode.load`).
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from compare.errors import ExperimentError
from compare.files.bounded import read_bytes
from compare.layers.table import LAYERS, Layer, function_names, layer_named
from compare.usercode.load import UserCodeError, entry_point, import_user_file

SOURCE_BYTES = 16 << 20


def _tree(path: str | Path) -> ast.Module | None:
    file = Path(path)
    try:
        return ast.parse(read_bytes(file, str(file), SOURCE_BYTES), filename=str(file))
    except (ExperimentError, ValueError, SyntaxError, RecursionError, MemoryError, OSError):
        return None


def defined_names(path: str | Path) -> set[str]:
    """The functions `path` defines at top level ({} for a file that is missing, unreadable or not Python:
    the loader of backward files says why), the interface's names it imports by name included
    (`from cs231n.layers import affine_forward`: that function is the file's too)."""
    tree = _tree(path)
    if tree is None:
        return set()
    names = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    # `batchnorm_backward_alt = batchnorm_backward`: a name bound to a function (checked once imported)
    names |= {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
              if isinstance(t, ast.Name) and t.id in function_names()}
    names |= {alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
              for alias in node.names if (alias.asname or alias.name) in function_names()}
    return names


def star_imported_layers(path: str | Path) -> list[str]:
    """The modules `path` imports everything from whose name says layers (`from cs231n.layers import *`):
    their functions are not the file's own, as far as reading it tells."""
    tree = _tree(path)
    return [("." * node.level) + (node.module or "") for node in (tree.body if tree else [])
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
            and (node.module or "").rsplit(".", 1)[-1].endswith("layers")]


def is_layer_file(path: str | Path) -> bool:
    names = defined_names(path)
    return "backward" not in names and bool(names & set(function_names()) or star_imported_layers(path))


def defines_layers(path: str | Path) -> bool:
    """True when the file itself defines (or imports by name) a function of the interface and no `backward`."""
    names = defined_names(path)
    return "backward" not in names and bool(names & set(function_names()))


def layer_entry(folder: Path, shown: str) -> Path:
    """A folder of layer files: its `submission.py`, else the one `.py` file at its top defining layer
    functions (`defines_layers`). UserCodeError (exit 2, the submission's error) naming the candidates when
    there is none, or more than one."""
    return entry_point(folder, shown, defines_layers, "layer functions",
                       "submit them one at a time (a submission.py may import the others' functions by name)")


def is_layer_submission(path: str | Path) -> bool:
    """A layer file, or a folder whose entry (`layer_entry`; `submission.py` included) is one."""
    folder = Path(path)
    if not folder.is_dir():
        return is_layer_file(folder)
    if (folder / "submission.py").is_file():
        return is_layer_file(folder / "submission.py")
    try:
        files = [p for p in folder.iterdir() if p.suffix == ".py" and p.is_file() and not p.name.startswith(".")]
    except OSError:
        return False
    return any(defines_layers(p) for p in files) and not any("backward" in defined_names(p) for p in files)


def plan(names: set[str], only: str | None = None) -> list[tuple[Layer, str]]:
    """(layer, why it is not checked, or "") for every layer the file defines any function of, in the
    table's order; `only`: that layer alone (ExperimentError if unknown or not in the file)."""
    chosen = list(LAYERS.values())
    if only is not None:
        layer = layer_named(only)
        if layer is None:
            raise ExperimentError(f"--layer {only}: no such layer; the layers are {', '.join(LAYERS)}")
        chosen = [layer]
    found = []
    for layer in chosen:
        has = [fn for fn in layer.functions if fn in names]
        if layer.name == "batchnorm_alt" and layer.backward not in names:
            has = []                       # batchnorm_forward alone belongs to batchnorm
        if layer.name == "batchnorm" and layer.backward not in names and "batchnorm_backward_alt" in names:
            has = []                       # a file of batchnorm_forward and the _alt backward: batchnorm_alt
        if not has:
            continue
        missing = [fn for fn in layer.functions if fn not in names]
        why = f"defines {has[0]} but no {missing[0]}" if missing else ""
        found.append((layer, why))
    if only is not None and not found:
        raise ExperimentError(f"--layer {only}: the file defines no {' / '.join(chosen[0].functions)}")
    return found


def load_module(path: str | Path) -> Any:
    file = Path(path).resolve()
    return import_user_file(file, f"_user_layers_{abs(hash(str(file)))}", str(path))


def layer_functions(module: Any, layer: Layer) -> dict[str, Callable[..., Any]]:
    """The layer's functions from the imported file; UserCodeError (this layer only) for a name that is not
    a function or does not take the interface's arguments."""
    found = {}
    for name in layer.functions:
        fn = getattr(module, name, None)
        if not callable(fn):
            raise UserCodeError(f"`{name}` is {type(fn).__name__}, not a function; expected "
                                f"{_expected(layer, name)}")
        _check_signature(layer, name, fn)
        found[name] = fn
    return found


def _expected(layer: Layer, name: str) -> str:
    if name == layer.forward:
        return f"{layer.forward_signature()} -> {layer.returns()}"
    return f"{layer.backward_signature()} -> {layer.backward_returns()}"


def _check_signature(layer: Layer, name: str, fn: Callable[..., Any]) -> None:
    count = len(layer.forward_args) if name == layer.forward else len(layer.upstream) + 1
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):   # a builtin: call it and see
        return
    try:
        signature.bind(*([None] * count))
    except TypeError:
        raise UserCodeError(f"{name}{signature} does not take the interface's {count} argument"
                            f"{'s' if count != 1 else ''}; expected {_expected(layer, name)}") from None
