"""A whole layer file checked: every layer it defines, each on its own (one layer's failure, bad signature
or raise never stops the others), in the table's order.

    results = check_file("mine.py", only=None, wrap=None)   # [LayerResult, ...]
    exit_status(results)                                     # 0 all agree, 1 a disagreement, 2 unusable

`wrap(fn, name)`: how each user function is called (the CLI's time budget); the import itself is the caller's
to limit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from compare.errors import ExperimentError
from compare.layers.check import check_layer
from compare.layers.discover import defined_names, layer_functions, load_module, plan
from compare.layers.results import Failure, LayerResult
from compare.usercode.load import UserCodeError


def check_file(path: str | Path, only: str | None = None, module: Any = None,
               wrap: Callable[[Callable[..., Any], str], Callable[..., Any]] | None = None,
               remote: dict[str, Any] | None = None) -> list[LayerResult]:
    """`remote`: the functions of a file run in another process ({name: proxy, or why it is not one});
    otherwise the file is imported here (or `module` is)."""
    layers = plan(defined_names(path), only)
    if not layers:
        raise ExperimentError(f"{path}: defines no layer function of the interface (affine_forward, "
                              "conv_forward_naive, softmax_loss, ...; see docs/layers.md)")
    module = load_module(path) if module is None and remote is None else module
    results = []
    for layer, why in layers:
        if why:
            results.append(LayerResult(layer.name, "not checked", failure=Failure("", "", "", why)))
            continue
        try:
            functions = layer_functions(module, layer) if remote is None else _remote(remote, layer)
        except UserCodeError as exc:
            results.append(LayerResult(layer.name, "error", failure=Failure("", "", "", str(exc))))
            continue
        if wrap is not None:
            functions = {name: wrap(fn, name) for name, fn in functions.items()}
        results.append(check_layer(layer, functions))
    return results


def _remote(remote: dict[str, Any], layer: Any) -> dict[str, Callable[..., Any]]:
    problems = [remote[fn] for fn in layer.functions if isinstance(remote.get(fn), str)]
    if problems:
        raise UserCodeError(f"{problems[0]}; expected {layer.forward_signature()}"
                            + (f" and {layer.backward_signature()}" if layer.backward else ""))
    return {fn: remote[fn] for fn in layer.functions}


def exit_status(results: list[LayerResult]) -> int:
    """2 when a layer could not be used (or none was checked), else 1 when one disagrees, else 0."""
    statuses = {r.status for r in results}
    if "error" in statuses or not statuses - {"not checked"}:
        return 2
    return 1 if "failed" in statuses else 0
