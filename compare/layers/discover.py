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
from compare.usercode.load import UserCodeError, import_user_file

SOURCE_BYTES = 16 << 20


def defined_names(path: str | Path) -> set[str]:
    """The functions `path` defines at top level ({} for a file that is missing, unreadable or not Python:
    the loader of backward files says why)."""
    file = Path(path)
    try:
        tree = ast.parse(read_bytes(file, str(file), SOURCE_BYTES), filename=str(file))
    except (ExperimentError, ValueError, SyntaxError, RecursionError, MemoryError, OSError):
        return set()
    names = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    # `batchnorm_backward_alt = batchnorm_backward`: a name bound to a function (checked once imported)
    names |= {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
              if isinstance(t, ast.Name) and t.id in function_names()}
    return names


def is_layer_file(path: str | Path) -> bool:
    names = defined_names(path)
    return "backward" not in names and bool(names & set(function_names()))


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
