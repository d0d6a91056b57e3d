"""Interleaved repeats, medians and spreads; wall-clock and CPU seconds of each timed call.

CPU seconds are user + system time of this process and of its child processes that have ended (worker
processes, a command run as a subprocess), from `getrusage`: beside the wall time they say where a slow figure
went. CPU well below wall x the processes working means they waited for a core (a busy machine); CPU far above
the work's own (its CPU on an idle machine) means spinning threads.
"""

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


def cpu_seconds() -> float:
    """User + system CPU seconds so far of this process and of its children that have ended and been waited
    for (where `resource` exists: not on Windows, which counts this process alone)."""
    try:
        import resource
    except ImportError:
        return time.process_time()
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def measure(body: Callable[[], object]) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds) of one call, the CPU of the processes it started and waited for
    included."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    body()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def seconds(body: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    return measure(body)[0]


class Times(dict):
    """Wall-clock seconds per repeat of each body (a plain dict of lists, as before), with `cpu`: the CPU
    seconds of the same calls."""

    def __init__(self, names: list[str]):
        super().__init__({name: [] for name in names})
        self.cpu: dict[str, list[float]] = {name: [] for name in names}


def interleaved(bodies: dict[str, Callable[[], object]], repeats: int) -> Times:
    """Seconds of each body, `repeats` times, in turn (a, b, c, a, b, c, ...): the parts of a ratio are
    measured moments apart, under the same load. The order rotates from one repeat to the next, so that no
    body always runs first (after a pause) or last."""
    names = list(bodies)
    times = Times(names)
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            wall, cpu = measure(bodies[name])
            times[name].append(wall)
            times.cpu[name].append(cpu)
    return times


def ratios(numerator: list[float], denominator: list[float]) -> list[float]:
    """Per-repeat ratios (the two timings of a repeat were taken side by side)."""
    return [n / d for n, d in zip(numerator, denominator)]
