"""Naming a disagreement: which layer, parameter and element, both values, and a few neighbours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from compare.running.parameters import locate


@dataclass(frozen=True)
class Failure:
    """The first disagreement of a run: where it is, both numbers, and the message that says so.

    `labels` name the two sides ("numpy" or "yours", then "torch"); `ours` is the first side's number,
    `theirs` the reference's. `as_json` is the `failure` object of the JSON output."""

    message: str                  # the whole multi-line message printed on stderr
    update: int                   # from 1
    epoch: int                    # from 0
    batch: int                    # within the epoch, from 0
    samples: tuple[int, ...]      # the batch's sample indices
    stage: str                    # "forward" | "gradient" | "update"
    layer: int                    # from 1
    parameter: str                # W2, b1 (A2 at the forward stage)
    array: str                    # the array shown: W2, dW2, A2
    element: tuple[int, int]      # (row, column) in `array`
    labels: tuple[str, str]       # (ours, theirs): ("numpy" | "yours", "torch")
    ours: float
    theirs: float
    wrong: tuple[str, ...]        # every array out of tolerance at this stage, in the order checked
    hints: tuple[str, ...] = ()   # what the pattern of the wrong numbers suggests
    drift: float = 0.0            # largest |difference| of the weights this update started from
    state: str | None = None      # stage "optimizer state": which quantity (`compare.running.optimizer_state`)
    notes: tuple[str, ...] = ()   # plain statements that come before the hints (what the check cannot express)

    @property
    def abs_diff(self) -> float:
        return abs(self.ours - self.theirs)

    def as_json(self) -> dict[str, Any]:
        diff = self.abs_diff
        return {"message": self.message, "update": self.update, "epoch": self.epoch, "batch": self.batch,
                "samples": list(self.samples), "stage": self.stage, "layer": self.layer,
                "parameter": self.parameter, "array": self.array, "element": list(self.element),
                self.labels[0]: self.ours, self.labels[1]: self.theirs,
                "abs_diff": diff if np.isfinite(diff) else None, "wrong": list(self.wrong),
                "parameters_wrong": list(self.wrong), "hints": list(self.hints), "drift": self.drift,
                **({"state": self.state} if self.state else {}), **({"notes": list(self.notes)} if self.notes else {})}


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
                      samples: np.ndarray, label: str = "numpy") -> Failure:
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
    where = f"{name}[{element[0]}, {element[1]}]"
    message = (f"parity FAILED at update {update} (epoch {epoch}, batch {batch}, samples {samples.tolist()}), "
               f"stage update: layer {layer}, {where}: {label} {a!r}, torch {b!r}, |diff| {abs(a - b):.3g} > "
               f"tolerance ({tol.describe()})\n"
               f"  parameters out of tolerance: {', '.join(wrong)}; first in backprop order: {name}\n"
               + neighbours(ours, theirs, element, label))
    return Failure(message, update, epoch, batch, tuple(int(i) for i in samples), "update", layer, name, name,
                   (int(element[0]), int(element[1])), (label, "torch"), a, b, tuple(wrong))
