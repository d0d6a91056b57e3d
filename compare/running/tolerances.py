"""How close is "the same": one place, per dtype, with the reason for each number.

An element passes when |numpy - torch| <= atol + rtol * |torch| (numpy.isclose's rule, torch as reference).

float64: the two sides compute the same formulas in different orders (torch's MSELoss backward computes
2 (a - t) / (2B), we compute (a - t) / B; torch's `add_(alpha=-lr)` may fuse a multiply-add), so each update
differs by a few ulp. Measured over whole runs of every preset and mode (10,000 epochs; xor 2,000, blobs 20),
the largest |numpy - torch| on any parameter after any update is 8.9e-16 (hiring), 4.4e-16 (exercise1),
5.3e-15 (exercise2), 1.2e-14 (exercise3 stochastic), 1.9e-14 (xor stochastic), 6.7e-16 (blobs minibatch);
one update alone (`--resync`) differs by at most 8.9e-16. atol 1e-12 leaves 50x margin over the largest while
any real mistake (a missing factor, a sign, a wrong layer) moves a parameter by lr * |gradient|, ~1e-6 or
more for as long as the network still learns; rtol 1e-9 keeps the check scale-aware for weights that grow.
The exception is a chaotic run: blobs in stochastic mode (20,000 single-sample updates through ReLU layers)
drifts apart to 5.7e-9 free-running although every single update agrees to 5.6e-16, so it fails here by
design (we do not loosen the check for everyone to hide it) and passes with `--resync`, which measures the
error of each update on its own.

float32: eps = 1.19e-7. Measured over whole preset runs (hiring, exercise1-3 at 10,000 epochs, xor
2,000, blobs 20; every mode the preset accepts; largest |numpy - torch| on any parameter after any update):
one update alone (`--resync`) differs by at most 4.8e-7 (4 eps: one ulp of a weight in [4, 8)); free-running,
the drift accumulates to 1.8e-7 (hiring), 2.4e-7 (exercise1), 3.8e-6 (exercise2 stochastic, 32 eps),
2.9e-6 (exercise3 stochastic), 3.3e-6 (xor stochastic), 3.6e-7 (blobs minibatch). atol 1e-5 (84 eps) is
2.6 times the largest of these; rtol 1e-5 lets the bound grow with weights above 1 (the drift is relative
to them); both stay two orders of magnitude below what a real mistake does at its first update (a dropped
factor, a sign, the first momentum step damped: >= 1e-3 on the presets, tests/test_float32.py). The one
preset run outside them is blobs in stochastic mode (20,000 single-sample updates through ReLU layers):
it drifts to 0.39 in float32 (5.7e-9 in float64) while every single update agrees to 2.4e-7 (5.6e-16), the
runs separating (most likely at a ReLU kink, a pre-activation within rounding of 0); use `--resync`.
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
    "float32": Tolerance(atol=1e-5, rtol=1e-5),
}


# The optimizer's state (momentum buffers, moments, sums) carries the gradient's rounding unscaled by lr, where
# a parameter carries lr times it. float64: the same rule as the parameters (measured: every state quantity
# of every optimizer within 1.9e-15 on exercise3, resynced or not). float32: one update's gradient can differ
# by 1.8e-5 of itself (blobs stochastic, dW1 where the batch's terms cancel; inside the parameters' rule
# after the lr), which atol 1e-5 + rtol 1e-5 would call a disagreement: 1e-4 + 1e-4 |torch| leaves 5x
# margin over it while a real mistake in the state (a missing bias correction, a factor 1 - beta, eps inside
# the square root) changes it by a tenth or more.
STATE_TOLERANCES = {
    "float64": TOLERANCES["float64"],
    "float32": Tolerance(atol=1e-4, rtol=1e-4),
}


def tolerance_for(dtype: str) -> Tolerance:
    return TOLERANCES[dtype]


def state_tolerance_for(dtype: str) -> Tolerance:
    return STATE_TOLERANCES[dtype]
