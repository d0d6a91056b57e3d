"""Interleaved repeats, medians and spreads."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """A measured quantity: the median over repeats, and the lowest and highest repeat."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Figure:
        return cls(statistics.median(values), min(values), max(values))

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "low": self.low, "high": self.high}


def seconds(body: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    body()
    return time.perf_counter() - start


def interleaved(bodies: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Seconds of each body, `repeats` times, in turn (a, b, c, a, b, c, ...): the parts of a ratio are
    measured moments apart, under the same load. The order rotates from one repeat to the next, so that no
    body always runs first (after a pause) or last."""
    names = list(bodies)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(seconds(bodies[name]))
    return times


def ratios(numerator: list[float], denominator: list[float]) -> list[float]:
    """Per-repeat ratios (the two timings of a repeat were taken side by side)."""
    return [n / d for n, d in zip(numerator, denominator)]
