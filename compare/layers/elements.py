"""Your array against torch's, element by element, at the suite's float64 tolerance
(`compare.running.tolerances`): how far apart (largest absolute and relative difference) and where the worst
element is, with its index in the layer's own shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compare.running.tolerances import Tolerance, tolerance_for

TOLERANCE: Tolerance = tolerance_for("float64")


@dataclass(frozen=True)
class Difference:
    """One array compared: the largest |yours - torch|, the largest |yours - torch| / |torch| over the
    elements where torch's is not 0 (where it is, the absolute difference says it), how many elements are
    outside the tolerance, and the worst of them (its index, both values)."""

    max_abs: float
    max_rel: float
    failing: int
    size: int
    index: tuple[int, ...]
    yours: float
    torch: float

    @property
    def ok(self) -> bool:
        return self.failing == 0


def difference(yours: np.ndarray, torch: np.ndarray, tolerance: Tolerance = TOLERANCE) -> Difference:
    """`yours` and `torch` of one shape, finite (checked before)."""
    diff = np.abs(yours - torch)
    bound = tolerance.atol + tolerance.rtol * np.abs(torch)
    outside = diff > bound
    nonzero = torch != 0
    max_rel = float((diff[nonzero] / np.abs(torch[nonzero])).max(initial=0.0))
    if diff.size == 0:
        return Difference(0.0, 0.0, 0, 0, (), 0.0, 0.0)
    excess = np.where(outside, diff - bound, -np.inf)
    worst = int(np.argmax(excess)) if outside.any() else int(np.argmax(diff))
    index = tuple(int(k) for k in np.unravel_index(worst, diff.shape))
    return Difference(float(diff.max()), max_rel, int(outside.sum()), int(diff.size), index,
                      float(yours[index]) if yours.ndim else float(yours), float(torch[index]) if torch.ndim
                      else float(torch))


def index_text(name: str, index: tuple[int, ...]) -> str:
    """`dw[3, 1, 2, 0]`, or `loss` for a scalar."""
    return f"{name}[{', '.join(str(k) for k in index)}]" if index else name


def first_nonfinite(a: np.ndarray) -> tuple[int, ...] | None:
    bad = ~np.isfinite(a)
    if not bad.any():
        return None
    return tuple(int(k) for k in np.unravel_index(int(np.argmax(bad)), a.shape))
