"""How a fresh torch recording is held to a shipped one: what must be equal, and the bound on the rest.

The integers (`epoch`, `batch`, `offsets`, `samples`, `sizes`, the format and version), the keys, the shapes,
the dtypes, where the non-finite values are, and the experiment (as the run it describes) must be equal. Each
float64 quantity (`W1`, `dZ2`, `loss`, ...) must agree element for element within `BOUND_ULPS` units in the last
place of that quantity's scale, its largest finite magnitude in the shipped file:

    |shipped - fresh| <= BOUND_ULPS * eps * max|shipped|          eps = 2**-52, BOUND_ULPS = 16

Why a bound and not equality: torch picks its CPU kernels (ATEN_CPU_CAPABILITY: default, avx2, avx512) and
its BLAS (MKL) picks a code path per CPU model, and they round differently in the last bits. Measured on an
AMD EPYC with AVX-512 (torch 2.13.0 CPU, MKL 2024.2), the 14 recordings made there against fresh ones:

    torch's kernel   MKL                                       recordings that differ   largest, ulps of the scale
    avx512 (own)     as it chooses; MKL_ENABLE_INSTRUCTIONS=AVX2,  0 of 14                  0
                     or SSE4_2
    avx2             as it chooses                             6 of 14                  1.23 (`dW2`, output-tanh)
    default          as it chooses                             4 of 14                  4.19 (`dW1`, long: 3.5e-17
                                                                                             of a scale 0.037)
    avx512           MKL_CBWR=COMPATIBLE, =AVX2 or =AVX512     9 of 14                  2.69 (`dW1`)
    default          MKL_CBWR=COMPATIBLE                       11 of 14                 4.19 (`dW1`, long)
    avx2             MKL_CBWR=AVX2                             11 of 14                 2.69 (`dW1`)

No difference exceeded 4.5e-16 in absolute value (`python -m compare.usercode.suite_record --verify` prints
each one). An Intel Xeon with AVX-512 falls among these (MKL takes another path on Intel than on AMD; reported
there: at most 2.2e-16). NumPy's OpenBLAS (OPENBLAS_CORETYPE) plays no part: a recording is torch's alone.
16 ulps (3.6e-15 of the scale) is about four times the largest drift measured, and 28 times below a change of
1e-13 relative, which `tests/test_suite_recordings.py` proves is caught in every quantity.
A real change to the recorder (a formula, an order, a step) moves these numbers by far more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BOUND_ULPS = 16
EPS = float(np.finfo(np.float64).eps)
# the environment differs from machine to machine; the experiment is compared as the run it describes
NOT_COMPARED = ("environment",)


@dataclass(frozen=True)
class Difference:
    """One quantity that is not equal between the shipped and the fresh recording. `what` is set for a
    difference no bound covers (a missing key, a shape, a dtype, an integer, the experiment); otherwise the
    largest element-wise difference, its quantity's scale and the bound."""

    key: str
    what: str = ""
    largest: float = 0.0                # max |shipped - fresh|
    scale: float = 0.0                  # max |shipped|, finite elements
    bound: float = 0.0                  # BOUND_ULPS * EPS * scale

    @property
    def beyond(self) -> bool:
        return bool(self.what) or self.largest > self.bound

    @property
    def relative(self) -> float:
        """The largest difference relative to the quantity's scale."""
        return self.largest / self.scale if self.scale else float("inf")

    def __str__(self) -> str:
        if self.what:
            return f"`{self.key}` {self.what}"
        ulps = self.relative / EPS
        return (f"`{self.key}` largest difference {self.largest:.3g} absolute, {self.relative:.3g} relative to its "
                f"scale {self.scale:.6g} ({ulps:.3g} ulps; bound {BOUND_ULPS} ulps = {self.bound:.3g})")


def compare_recordings(shipped: dict[str, np.ndarray], fresh: dict[str, np.ndarray],
                       same_experiment: Callable[[str, str], bool] | None = None) -> list[Difference]:
    """Every quantity that is not equal, within the bound or beyond it (`Difference.beyond`), in key order.
    `same_experiment(a, b)`: whether two `experiment` texts describe the same run (default: equal text)."""
    found = []
    for key in sorted(set(shipped) | set(fresh)):
        if key in NOT_COMPARED:
            continue
        if key not in shipped or key not in fresh:
            found.append(Difference(key, f"only in the {'fresh' if key in fresh else 'shipped'} recording"))
            continue
        a, b = shipped[key], fresh[key]
        if a.dtype.kind == "U" and b.dtype.kind == "U" and a.shape == b.shape == ():   # text: its width may differ
            same = (same_experiment or str.__eq__)(str(a[()]), str(b[()])) if key == "experiment" else a == b
            if not same:
                found.append(Difference(key, "differs: another run" if key == "experiment" else "differs"))
        elif a.shape != b.shape or a.dtype != b.dtype:
            found.append(Difference(key, f"is {b.dtype} {b.shape} in the fresh recording, {a.dtype} {a.shape} in "
                                    "the shipped one"))
        elif a.dtype.kind != "f":
            if not np.array_equal(a, b):
                found.append(Difference(key, f"differs in {int(np.count_nonzero(a != b))} of {a.size} elements "
                                        "(no bound for whole numbers or text)"))
        else:
            difference = _float_difference(key, a, b)
            if difference is not None:
                found.append(difference)
    return found


def _float_difference(key: str, a: np.ndarray, b: np.ndarray) -> Difference | None:
    finite_a, finite_b = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(finite_a, finite_b) or not np.array_equal(a[~finite_a], b[~finite_b], equal_nan=True):
        return Difference(key, "has its NaN or inf elements elsewhere")
    if np.array_equal(a[finite_a], b[finite_b]):
        return None
    scale = float(np.max(np.abs(a[finite_a])))
    largest = float(np.max(np.abs(a[finite_a] - b[finite_b])))
    return Difference(key, largest=largest, scale=scale, bound=BOUND_ULPS * EPS * scale)
