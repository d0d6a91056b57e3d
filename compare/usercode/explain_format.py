"""What `compare explain` prints: aligned matrices with a fixed number of significant digits, each quantity's
formula, shape, both sides (and the user's) and the largest difference; or every array as JSON."""

from __future__ import annotations

from typing import Any

import numpy as np

from compare.experiment.definition import Experiment
from compare.usercode.explain import Explanation, Quantity, agrees

SECTIONS = {
    "batch": "the batch",
    "before": "the parameters before this update (both sides start from these)",
    "forward": "forward, input to output",
    "loss": "the loss this update descends",
    "backward": "backward, output layer first ({convention})",
    "update": "the update: the parameters after this step",
}
SIDES = (("numpy", "numpy"), ("torch", "torch"), ("user", "yours"))
INDENT = "    "


def delta_convention(e: Experiment) -> str:
    """How torch's delta column relates to autograd's dL/dZ, for the experiment's reduction over the batch."""
    if e.reduction == "sum":
        return ("delta per sample, dL_i/dZ; torch's column is autograd's dL/dZ itself, because the loss is the "
                "sum over the batch")
    return "delta per sample, dL_i/dZ; torch's column is B x autograd's dL/dZ, because the loss is the batch mean"


def number(x: float, digits: int) -> str:
    return f"{x:.{digits}g}"


def matrix_lines(values: np.ndarray, digits: int, width: int) -> list[str]:
    """numpy-style brackets, every number right-aligned in `width` characters."""
    rows = np.atleast_2d(values)
    lines = []
    for r, row in enumerate(rows):
        cells = "  ".join(f"{number(x, digits):>{width}}" for x in row)
        lines.append(("[[" if r == 0 else " [") + cells + ("]]" if r == len(rows) - 1 else "]"))
    return lines


def diff_text(diff: float | None) -> str:
    return "-" if diff is None else ("0" if diff == 0 else f"{diff:.2g}")


def quantity_block(q: Quantity, ex: Explanation, digits: int, marked: tuple[Quantity, str] | None) -> list[str]:
    lines = [f"{q.formula}", f"{INDENT}shape {q.shape}" + (f", layer {q.layer}" if q.layer else "")]
    sides = [(label, getattr(q, attr)) for attr, label in SIDES if getattr(q, attr) is not None]
    width = max(len(number(x, digits)) for _, v in sides for x in np.ravel(v)) if q.numpy.size else 1
    label_width = max(len(label) for label, _ in sides)
    for label, values in sides:
        body = matrix_lines(values, digits, width)
        lines.append(f"{INDENT}{label:<{label_width}}  {body[0]}")
        lines.extend(f"{INDENT}{'':<{label_width}}  {row}" for row in body[1:])
    tol = ex.tolerance
    verdict = "" if agrees(q.numpy, q.torch, tol) else "   OUT OF TOLERANCE"
    lines.append(f"{INDENT}max |numpy - torch| = {diff_text(q.max_abs_diff)}{verdict}")
    if q.user is not None:
        mark = ""
        if marked is not None and marked[0] is q and marked[1] == "user":
            mark = "   <-- FIRST DIFFERENCE: your derivation goes wrong here"
            if q.stage == "backward":
                mark += f" (or in delta{q.layer}, printed above: your file does not return it)"
        elif not agrees(q.user, q.torch, tol):
            mark = "   (differs)"
        lines.append(f"{INDENT}max |yours - torch| = {diff_text(q.user_max_abs_diff)}{mark}")
    elif ex.user_file is not None and q.stage in ("forward", "backward"):
        lines.append(f"{INDENT}(yours: not computed by your file)")
    return lines


def header(ex: Explanation) -> list[str]:
    e = ex.experiment
    lines = [f"compare explain: {e.name}, update {ex.update} of {e.total_updates} (epoch {ex.epoch}, batch "
             f"{ex.batch})", e.describe()]
    if ex.update == 1:
        lines.append("before it: nothing; both sides start from the same weights, bit for bit")
    else:
        lines.append(f"before it: updates 1..{ex.update - 1} ran in lockstep; largest |numpy - torch| on any "
                     f"parameter after them: {diff_text(ex.before_max_abs_diff)}")
    lines.append("numpy: numpy_impl's manual backprop (its deltas recorded inside the very step); torch: "
                 "torch_impl's nn.Module, Z and A from forward hooks, dL/dZ from autograd, gradients from .grad")
    if ex.user_file is not None:
        lines.append(f"yours: {ex.user_file}, from the same weights and batch as ours at this update; the "
                     "optimizer step is ours applied to your gradients")
    lines.append(f"agreement: |x - torch| <= {ex.tolerance.describe()}, element by element")
    return lines


def batch_lines(ex: Explanation) -> list[str]:
    names = ex.experiment.names
    return [f"B = {ex.batch_size} sample(s): " + ", ".join(f"[{i}] {names[i]}" for i in ex.samples)]


def render(ex: Explanation, digits: int = 8, *, verdict: bool = True) -> str:
    """The whole explanation as text; `verdict`: end with the one-line verdict (`summary`)."""
    marked = ex.first_difference()
    lines = header(ex)
    stage = None
    for q in ex.quantities:
        if q.stage != stage:
            stage = q.stage
            lines += ["", f"== {SECTIONS[stage].format(convention=delta_convention(ex.experiment))} =="]
            if stage == "batch":
                lines += batch_lines(ex)
        lines.append("")
        lines += quantity_block(q, ex, digits, marked)
    if verdict:
        lines += ["", summary(ex)]
    return "\n".join(lines)


def summary(ex: Explanation) -> str:
    """One line: the verdict of this update."""
    marked = ex.first_difference()
    if marked is None:
        largest = max(q.max_abs_diff for q in ex.quantities)
        who = "yours, numpy and torch agree" if ex.user_file else "numpy and torch agree"
        return (f"update {ex.update}: {who} on every quantity within tolerance ({ex.tolerance.describe()}); "
                f"largest |numpy - torch| = {diff_text(largest)}")
    q, side = marked
    value = q.user if side == "user" else q.numpy
    i = _worst(value, q.torch)
    who = "yours" if side == "user" else "numpy"
    where = f"{q.name}[{', '.join(map(str, i))}]"
    layer = f", layer {q.layer}" if q.layer else ""
    return (f"update {ex.update}: first difference at {where} ({q.stage}{layer}): {who} {float(value[i])!r}, "
            f"torch {float(q.torch[i])!r} (formula: {q.formula})")


def _worst(a: np.ndarray, b: np.ndarray) -> tuple[int, ...]:
    with np.errstate(invalid="ignore"):
        d = np.nan_to_num(np.abs(a - b), nan=np.inf)
    return tuple(int(k) for k in np.unravel_index(int(np.argmax(d)), a.shape))


def to_json(ex: Explanation) -> dict[str, Any]:
    """Every array, both sides, as plain lists."""
    e = ex.experiment
    marked = ex.first_difference()
    quantities = []
    for q in ex.quantities:
        item: dict[str, Any] = {"name": q.name, "stage": q.stage, "layer": q.layer, "formula": q.formula,
                                "shape": list(q.shape), "numpy": q.numpy.tolist(), "torch": q.torch.tolist(),
                                "max_abs_diff": q.max_abs_diff}
        if q.torch_raw is not None:
            item["torch_dL_dZ"] = q.torch_raw.tolist()
        if q.user is not None:
            item["user"] = q.user.tolist()
            item["user_max_abs_diff"] = q.user_max_abs_diff
        quantities.append(item)
    first = None
    if marked is not None:
        q, side = marked
        first = {"name": q.name, "stage": q.stage, "layer": q.layer, "side": side,
                 "message": summary(ex)}
    return {"experiment": e.name, "update": ex.update, "total_updates": e.total_updates, "epoch": ex.epoch,
            "batch": ex.batch, "samples": ex.samples, "names": [e.names[i] for i in ex.samples],
            "batch_size": ex.batch_size, "mode": e.mode, "order": e.resolved_order, "loss": e.loss,
            "dtype": e.dtype, "tolerance": {"atol": ex.tolerance.atol, "rtol": ex.tolerance.rtol},
            "before_max_abs_diff": ex.before_max_abs_diff, "user_file": ex.user_file,
            "conventions": e.convention_values(),
            "delta_convention": ("delta per sample (dL_i/dZ); torch = autograd's dL/dZ (torch_dL_dZ), the loss "
                                 "summed over the batch" if e.reduction == "sum" else
                                 "delta per sample (dL_i/dZ); torch = B x autograd's dL/dZ (torch_dL_dZ)"),
            "quantities": quantities, "ok": marked is None, "first_difference": first}
