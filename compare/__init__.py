"""The harness and its Python API.

    import compare
    experiment = compare.load_experiment("exercise3", {"mode": "minibatch", "seed": 3})
    report = compare.run(experiment)          # raises compare.ParityError on a disagreement
    report.ok, report.updates_checked, report.max_abs_diff, report.numpy.loss_log

Importing `compare` does not import torch: checking against a recorded trace must work without it. The
functions that need torch import it when called.
"""

from __future__ import annotations

from typing import Any

from compare.errors import DivergenceError, ExperimentError, ParityError
from compare.experiment.definition import Experiment
from compare.experiment.sources import load_experiment, preset_names
from compare.version import __version__ as __version__

__all__ = ["DivergenceError", "Experiment", "ExperimentError", "ParityError", "check", "load_experiment",
           "preset_names", "run", "train_numpy", "train_torch"]


def _experiment(experiment: Experiment | str, overrides: dict[str, Any]) -> Experiment:
    if isinstance(experiment, Experiment):
        if overrides:
            raise ExperimentError("overrides apply to a preset name or path; build the Experiment with them")
        return experiment
    return load_experiment(experiment, overrides)


def run(experiment: Experiment | str = "hiring", **overrides: Any) -> Any:
    """Both implementations in lockstep, checked after every update: a `compare.lockstep.harness.ParityReport`."""
    from compare.lockstep.harness import run_parity
    return run_parity(_experiment(experiment, overrides))


def check(experiment: Experiment | str | None = None, backward: Any = None, forward: Any = None, *,
          against: str | None = None, live: bool = False, jobs: int | None = None, **overrides: Any) -> Any:
    """Your own `backward(weights, biases, activations, targets)` (and optional `forward(weights, biases, X)`)
    checked at every stage of every update.

        compare.check("mine.py")                 # the check suite, as `python -m compare check mine.py`
        compare.check(backward=my_backward)      # the same suite, for functions in hand (a notebook)
        compare.check("exercise3", backward=my_backward, mode="minibatch", epochs=100)   # one experiment
        compare.check("mine.py", "exercise3", mode="minibatch")

    The suite runs against recordings shipped with the package (torch never imported; `live=True` runs
    torch) and returns a `compare.usercode.suite_run.SuiteReport` (printing it shows the verdict); one
    experiment returns a `compare.usercode.check.CheckReport`. Raises `ParityError` (an AssertionError, so
    pytest shows it) whose message is what `python -m compare check` prints, with none of our frames in its
    traceback; `ExperimentError` for bad input (your file included)."""
    __tracebackhide__ = True   # pytest and IPython: the verdict, not our frames
    from compare.usercode.api import check as _check
    try:
        return _check(experiment, backward, forward, against=against, live=live, jobs=jobs, **overrides)
    except (ParityError, ExperimentError) as exc:
        error = exc
    raise error.with_traceback(None) from None


def train_numpy(experiment: Experiment | str = "hiring", **overrides: Any) -> Any:
    """The manual NumPy backprop alone (NumPy's own sample order): a `compare.running.history.History`."""
    from compare.experiment.initial import initial_parameters
    from compare.running.loops import train_numpy as train
    e = _experiment(experiment, overrides)
    return train(e, *initial_parameters(e, torch_allowed=False))


def train_torch(experiment: Experiment | str = "hiring", **overrides: Any) -> Any:
    """The torch nn.Module + SGD + DataLoader alone: a `compare.running.history.History`."""
    from compare.experiment.initial import initial_parameters
    from compare.running.loops import train_torch as train
    e = _experiment(experiment, overrides)
    return train(e, *initial_parameters(e))
