"""The one table of layers: every layer the check knows, in the order it checks them.

    from compare.layers.table import LAYERS, layer_named
    LAYERS["batchnorm"].forward          # "batchnorm_forward"

Code (the check, the recorder), docs (docs/layers.md is checked against it) and tests all read this table.
"""

from __future__ import annotations

from compare.layers.table.conv import CONV_LAYERS
from compare.layers.table.dense import DENSE_LAYERS
from compare.layers.table.recurrent import RECURRENT_LAYERS
from compare.layers.table.types import Case, Layer, Mistake

LAYERS: dict[str, Layer] = {layer.name: layer for layer in DENSE_LAYERS + CONV_LAYERS + RECURRENT_LAYERS}

__all__ = ["LAYERS", "Case", "Layer", "Mistake", "layer_named", "function_names"]


def function_names() -> dict[str, str]:
    """Every function name the table knows -> its layer (a forward shared by two layers maps to the first)."""
    names: dict[str, str] = {}
    for layer in LAYERS.values():
        for fn in layer.functions:
            names.setdefault(fn, layer.name)
    return names


def layer_named(name: str) -> Layer | None:
    """A layer by its name or by one of its functions' names (`conv`, `conv_forward_naive`)."""
    if name in LAYERS:
        return LAYERS[name]
    for layer in LAYERS.values():
        if name in layer.functions:
            return layer
    return None
