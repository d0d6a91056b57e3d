"""How close is "the same": one place, per dtype, with the reason for each number.

An element passes when |numpy - torch| <= atol + rtol * |torch| (numpy.isclose's rule, torch as reference).

float64: the two sides compute the same formulas in different orders (torch's MSELoss backward computes
2 (a - t) / (2B), we compute (a - t) / B; torch's `add_(alpha=-lr)` may fuse a multiply-add), so each update
differs by a few ulp and the differences do not grow: the runs are contractions towards a minimum. Measured
over whole 10,000-epoch runs of every preset and mode, the largest |numpy - torch| on any parameter after
any update is below 1e-14 (README: figures per preset). atol 1e-12 leaves two orders of magnitude of margin
over that while any real mistake (a missing factor, a sign, a wrong layer) moves a parameter by at least
lr * |gradient|, which is ~1e-6 or more for as long as the network still learns; rtol 1e-9 only matters for
parameters that grow large (> 1e-3 / 1e-9 would be absurd here), keeping the check scale-aware.

float32: eps = 1.2e-7. One update differs by a few ulp of the parameter (~|p| * 1e-7) and, unlike float64,
drift accumulates visibly over tens of thousands of updates of a saturating sigmoid network. atol 1e-5 and
rtol 1e-4 (~800 eps) cover the drift measured over whole preset runs with margin and still catch every bug
of the bug zoo at its first update (those move parameters by >= 1e-3 on the presets).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    atol: float
    rtol: float

    def describe(self) -> str:
        return f"atol {self.atol:g} + rtol {self.rtol:g} x |torch|"


TOLERANCES = {
    "float64": Tolerance(atol=1e-12, rtol=1e-9),
    "float32": Tolerance(atol=1e-5, rtol=1e-4),
}


def tolerance_for(dtype: str) -> Tolerance:
    return TOLERANCES[dtype]
