"""Naming a disagreement: which layer, parameter and element, both values, and a few neighbours."""

from __future__ import annotations

from typing import Any

import numpy as np


def parameter_slices(sizes: tuple[int, ...]) -> list[tuple[str, int, slice, tuple[int, int]]]:
    """(name, layer, slice in the flat seed-order buffer, shape) for W1, b1, W2, b2, ..."""
    out = []
    offset = 0
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        out.append((f"W{layer}", layer, slice(offset, offset + n_in * n_out), (n_in, n_out)))
        offset += n_in * n_out
        out.append((f"b{layer}", layer, slice(offset, offset + n_out), (1, n_out)))
        offset += n_out
    return out


def locate(sizes: tuple[int, ...], position: int) -> tuple[str, int, tuple[int, int], slice, tuple[int, int]]:
    """flat position -> (parameter name, layer, element index, the parameter's slice, its shape)."""
    for name, layer, sl, shape in parameter_slices(sizes):
        if sl.start <= position < sl.stop:
            i, j = np.unravel_index(position - sl.start, shape)
            return name, layer, (int(i), int(j)), sl, shape
    raise IndexError(position)


def parameter_index(sizes: tuple[int, ...], position: int) -> str:
    name, _, (i, j), _, _ = locate(sizes, position)
    return f"{name}[{i}, {j}]"


def neighbours(ours: np.ndarray, theirs: np.ndarray, element: tuple[int, int], label_ours: str = "numpy",
               label_theirs: str = "torch", radius: int = 1) -> str:
    """A few elements around the failing one, ours and theirs side by side (numpy-ml's err_fmt idea)."""
    i, j = element
    rows = range(max(0, i - radius), min(ours.shape[0], i + radius + 1))
    cols = range(max(0, j - radius), min(ours.shape[1], j + radius + 1))
    lines = [f"    {'element':>10}  {label_ours:>24}  {label_theirs:>24}"]
    for r in rows:
        for c in cols:
            mark = "  <--" if (r, c) == (i, j) else ""
            lines.append(f"    [{r}, {c}]{'':>{10 - len(f'[{r}, {c}]')}}  {ours[r, c]:>24.17g}  "
                         f"{theirs[r, c]:>24.17g}{mark}")
    return "\n".join(lines)


def describe_mismatch(run: Any, bad: np.ndarray, *, update: int, epoch: int, batch: int,
                      samples: np.ndarray) -> dict[str, Any]:
    """The failure record for weights that disagree after an update. The first wrong parameter is taken in
    backprop order (output layer first): that is where a derivation breaks, the layers below are wrong as a
    consequence."""
    sizes = run.experiment.sizes
    located = [locate(sizes, int(p)) for p in bad]
    # backprop order: highest layer first; within a layer W then b
    name, layer, _, sl, shape = min(located, key=lambda x: (-x[1], x[0][0] != "W"))
    in_param = [int(p) for p in bad if sl.start <= p < sl.stop]
    worst = max(in_param, key=lambda p: (np.isnan(run.diff[p]), np.nan_to_num(run.diff[p], nan=np.inf)))
    element = tuple(int(k) for k in np.unravel_index(worst - sl.start, shape))
    ours = run.numpy.theta[sl].reshape(shape)
    theirs = run.theirs[sl].reshape(shape)
    a, b = float(ours[element]), float(theirs[element])
    tol = run.tolerance
    wrong = sorted({f"{x[0]}" for x in located}, key=lambda s: (s[1:], s[0]))
    label = f"{name}[{element[0]}, {element[1]}]"
    message = (f"parity FAILED at update {update} (epoch {epoch}, batch {batch}, samples {samples.tolist()}), "
               f"stage update: layer {layer}, {label}: numpy {a!r}, torch {b!r}, |diff| {abs(a - b):.3g} > "
               f"tolerance ({tol.describe()})\n"
               f"  parameters out of tolerance: {', '.join(wrong)}; first in backprop order: {name}\n"
               + neighbours(ours, theirs, element))
    return {"message": message, "update": update, "epoch": epoch, "batch": batch,
            "samples": samples.tolist(), "stage": "update", "layer": layer, "parameter": name,
            "element": list(element), "numpy": a, "torch": b, "abs_diff": abs(a - b),
            "parameters_wrong": wrong}
