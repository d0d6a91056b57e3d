"""Which runs the report needs, and for each the exact command line that reproduces its numbers.

Every exercise of the seed becomes one or more runs of a preset with a few flags. The report shows the
loss at the epochs that command logs (`table_every`), and draws its curves from a finer log (`fine_every`,
a divisor of `table_every`): logging more often reads the network and never changes the training, so the
numbers at the shared epochs are the very ones `python -m compare ... --json` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compare.experiment.definition import Experiment
from compare.experiment.sources import load_experiment

CURVE_POINTS = 200        # about this many loss points per curve in the figures
MAX_SEEDS = 100           # --seeds above this is almost surely a typo (each seed costs three full runs)


@dataclass(frozen=True)
class Settings:
    """What the user chose: seeds for the random modes, and (for quick runs) epochs and the log interval."""

    seeds: int = 10
    epochs: int | None = None
    report_every: int | None = None


@dataclass(frozen=True)
class Plan:
    """One parity-checked run of the report."""

    section: str                          # "hiring" | "exercise1" | "exercise2" | "exercise3"
    variant: str                          # "stochastic" | "batch" | "minibatch" | "seed_sgd"
    preset: str
    flags: tuple[tuple[str, Any], ...]    # (key, value) as the command line gives them, in order
    table_every: int                      # the command's report_every: the epochs in the tables
    fine_every: int                       # the report's own report_every: the points of the curves
    seed: int | None = None               # set for the random variants (one run per seed)

    @property
    def key(self) -> str:
        return f"{self.section}/{self.variant}" + ("" if self.seed is None else f"/seed{self.seed}")

    def command(self) -> str:
        """The command line whose `--json` gives this run's numbers."""
        parts = ["python -m compare", self.preset]
        for key, value in self.flags:
            parts.append(f"--{key.replace('_', '-')} {value}")
        return " ".join(parts)

    def experiment(self) -> Experiment:
        """The experiment the report trains: the command's, logged every `fine_every` epochs."""
        overrides = {**dict(self.flags), "report_every": self.fine_every}
        return load_experiment(self.preset, overrides, {k: "--" + k.replace("_", "-") for k in overrides})


def _largest_divisor_at_most(n: int, limit: int) -> int:
    return max(d for d in range(1, max(1, min(n, limit)) + 1) if n % d == 0)


def _intervals(preset: str, settings: Settings) -> tuple[int, int, tuple[tuple[str, Any], ...]]:
    """(table_every, fine_every, the flags for epochs / report_every) of a preset under `settings`."""
    base = load_experiment(preset)
    flags: list[tuple[str, Any]] = []
    epochs = base.epochs
    if settings.epochs is not None:
        epochs = settings.epochs
        flags.append(("epochs", epochs))
    if settings.report_every is not None:
        table_every = settings.report_every
    elif settings.epochs is not None:
        table_every = max(1, epochs // 10)      # ten table rows, as the seed's 10000 / 1000
    else:
        table_every = base.report_every
    if table_every != base.report_every:
        flags.append(("report_every", table_every))
    fine_every = _largest_divisor_at_most(table_every, max(1, epochs // CURVE_POINTS))
    return table_every, fine_every, tuple(flags)


def plan_runs(settings: Settings) -> list[Plan]:
    """Every run of the report, in the order the report presents them."""
    plans: list[Plan] = []

    def add(section: str, variant: str, preset: str, flags: list[tuple[str, Any]], seed: int | None = None):
        table_every, fine_every, tail = _intervals(preset, settings)
        plans.append(Plan(section, variant, preset, tuple(flags) + tail, table_every, fine_every, seed))

    add("hiring", "stochastic", "hiring", [])
    add("exercise1", "stochastic", "exercise1", [])
    add("exercise2", "stochastic", "exercise2", [("mode", "stochastic"), ("order", "sequential")])
    add("exercise2", "batch", "exercise2", [("mode", "batch")])
    add("exercise3", "batch", "exercise3", [("mode", "batch")])
    for seed in range(settings.seeds):
        add("exercise3", "stochastic", "exercise3", [("mode", "stochastic"), ("seed", seed)], seed)
        add("exercise3", "minibatch", "exercise3", [("mode", "minibatch"), ("batch_size", 2), ("seed", seed)],
            seed)
        add("exercise3", "seed_sgd", "exercise3", [("mode", "stochastic"), ("order", "replacement"),
                                                    ("samples_per_epoch", 1), ("seed", seed)], seed)
    return plans
