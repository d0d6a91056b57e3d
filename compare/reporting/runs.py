"""Running the report's plans through the lockstep harness, and reading their numbers back out.

A `Result` gives exactly what `python -m compare <its command> --json` prints for the same run (the loss log
at the command's epochs, the final outputs, the predictions, the parity verdict), plus the finer loss log,
the deviation after every update and the trained weights that only the figures use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from compare.experiment.definition import Experiment
from compare.reporting.plan import Plan
from compare.running.parallel import map_jobs, one_thread_each
from compare.running.progress import Progress


@dataclass
class Result:
    plan: Plan
    experiment: Experiment
    report: Any                        # compare.lockstep.harness.ParityReport

    @property
    def loss_log(self) -> list[tuple[int, float]]:
        """The loss at the epochs the command logs (what its --json holds)."""
        return [(e, v) for e, v in self.report.numpy.loss_log if e % self.plan.table_every == 0]

    @property
    def curve(self) -> list[tuple[int, float]]:
        """The finer loss log, for the figures."""
        return self.report.numpy.loss_log

    @property
    def outputs(self) -> np.ndarray:
        return self.report.numpy.outputs

    @property
    def predictions(self) -> np.ndarray:
        return self.report.numpy.predictions

    @property
    def per_update(self) -> np.ndarray:
        return self.report.per_update[:self.report.updates_checked]

    @property
    def final_loss(self) -> float:
        return self.loss_log[-1][1]


def run_all(plans: list[Plan], experiments: list[Experiment], *, progress: Progress,
            jobs: int = 1) -> dict[str, Result]:
    """Every plan, parity-checked after every update, in order (in `jobs` processes at once when > 1: the
    same numbers). ParityError / DivergenceError propagate: a reference solution with a disagreement in it is
    no reference, so the caller writes nothing."""
    from compare.experiment.initial import initial_parameters
    from compare.lockstep.harness import run_parity

    if jobs > 1 and len(plans) > 1:
        reports = map_jobs(_run_one, experiments, jobs)
        progress.advance(sum(e.total_updates for e in experiments))
        return {plan.key: Result(plan, e, report) for plan, e, report in zip(plans, experiments, reports)}
    results: dict[str, Result] = {}
    with one_thread_each(len(plans)):          # the numbers --jobs N computes, one thread each
        for plan, experiment in zip(plans, experiments):
            progress.describe(plan.key)

            def on_epoch(epoch: int, loss: float | None, step: int = experiment.updates_per_epoch) -> None:
                progress.advance(step, loss=loss)      # counted in updates: the runs' epochs differ in cost
            weights, biases = initial_parameters(experiment)
            report = run_parity(experiment, weights, biases, on_epoch=on_epoch)
            results[plan.key] = Result(plan, experiment, report)
    return results


def _run_one(experiment: Experiment) -> Any:
    """One plan's run, in a worker process: its `ParityReport`."""
    from compare.experiment.initial import initial_parameters
    from compare.lockstep.harness import run_parity

    return run_parity(experiment, *initial_parameters(experiment))
