"""One training run as a job that can travel to another process: `Job` in, `Outcome` out.

`run_job` never raises for a disagreement or a divergence: it returns them as data (exit status, message, the
report so far, the loss lines it logged), so that a run in a worker process comes back whole and the parent
prints it exactly as a run in this process would have been printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compare.errors import DivergenceError, ParityError
from compare.experiment.definition import Experiment
from compare.running.environment import environment

OnEpoch = Callable[[int, float | None], None]


@dataclass(frozen=True)
class Job:
    """What to train: `implementation` "compare" (both, in lockstep), "numpy" or "torch"."""

    implementation: str
    experiment: Experiment
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    resync: bool = False


@dataclass
class Outcome:
    """How a job ended: `status` 0 (done), 1 (a disagreement) or 3 (diverged), with `message` for 1 and 3.
    `history` is the NumPy side's for "compare" (None after a divergence without a report); `report` the
    parity report ("compare" only, up to the failure); `logged` the (epoch, loss) lines as they were logged."""

    status: int
    history: Any = None
    report: Any = None
    message: str = ""
    logged: list[tuple[int, float]] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)   # where it ran (`compare.running.environment`)

    @property
    def failure(self) -> Any:
        return None if self.report is None else self.report.failure


def run_job(job: Job, on_epoch: OnEpoch | None = None) -> Outcome:
    """Train `job`; `on_epoch(epoch, loss)` is called after every epoch (loss None when not logged)."""
    outcome = _train(job, on_epoch)
    outcome.environment = environment(job.experiment.dtype, uses_torch=job.implementation != "numpy")
    return outcome


def _train(job: Job, on_epoch: OnEpoch | None) -> Outcome:
    logged: list[tuple[int, float]] = []

    def log(epoch: int, loss: float | None) -> None:
        if loss is not None:
            logged.append((epoch, loss))
        if on_epoch is not None:
            on_epoch(epoch, loss)
    try:
        if job.implementation == "compare":
            from compare.lockstep.harness import run_parity
            report = run_parity(job.experiment, job.weights, job.biases, on_epoch=log, resync=job.resync)
            return Outcome(0, report.numpy, report, logged=logged)
        from compare.running.loops import train_numpy, train_torch
        train = train_numpy if job.implementation == "numpy" else train_torch
        return Outcome(0, train(job.experiment, job.weights, job.biases, on_epoch=log), logged=logged)
    except ParityError as exc:
        report = exc.report
        return Outcome(1, None if report is None else report.numpy, report, str(exc), logged)
    except DivergenceError as exc:
        return Outcome(3, None, exc.report, f"error: {exc}", logged)
