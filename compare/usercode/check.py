"""Checking a user's own backprop: against torch at every update, or against a recorded trace without torch.

    report = check_with_torch(code, experiment)      # raises ParityError at the first wrong stage
    report = check_against_trace(code, load_trace("trace.npz"))   # never imports torch

`check` is the Python API behind `compare.check(...)`. Both paths raise `ParityError` (exit 1) whose
message is exactly what `python -m compare check` prints, and whose `report` is the `CheckReport` so far.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from compare.diagnosis.failure import Failure
from compare.diagnosis.stagecheck import UpdateSite, first_disagreement
from compare.errors import ExperimentError, ParityError
from compare.experiment.definition import Experiment
from compare.running.history import History
from compare.running.tolerances import Tolerance, tolerance_for
from compare.usercode.backprop import UserBackprop
from compare.usercode.load import UserCode
from compare.usercode.trace import Trace

OnEpoch = Callable[[int, float | None], None]
# what a trace must share with a requested experiment for the recording to be the same run
NOT_COMPARED = {"name", "description", "names", "source", "report_every", "epochs", "device"}


@dataclass
class CheckReport:
    """What a check found. `history` is your run (your weights); `against` the trace (None: torch live)."""

    experiment: Experiment
    tolerance: Tolerance
    history: History
    updates_checked: int
    max_abs_diff: float
    failure: Failure | None = None
    against: str | None = None
    parity: Any = None          # the `compare.lockstep.harness.ParityReport` when checked against torch

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def max_abs_diff_log(self) -> list[tuple[int, float]]:
        return self.parity.max_abs_diff_log if self.parity is not None else []


def cannot_express(code: UserCode, e: Experiment) -> list[str]:
    """Plain notes for each setting of `e` that the file's functions cannot know about (a keyword they do not
    take, with a value other than its default)."""
    from compare.usercode.suite import DEFAULTS

    notes = []
    for key, default in DEFAULTS.items():
        value = getattr(e, key)
        if value == default or (key == "leaky_slope" and "leaky_relu" not in (e.hidden_activation,
                                                                               e.output_activation)):
            continue
        for what, keywords in (("backward", code.keywords), ("forward", code.forward_keywords)):
            if what == "forward" and (code.forward is None or key == "loss"):
                continue
            if key not in keywords:
                notes.append(f"your {what} takes no `{key}`, so it cannot express this experiment's {key} = "
                             f"{value!r} (without it, it can only be right for {default!r}): add the keyword "
                             f"argument `{key}` to it, or check an experiment that uses {default!r}")
    return notes


def _with_notes(exc: ParityError, notes: list[str]) -> ParityError:
    """The failure with plain notes first, instead of the hints that only say where to look (a hint naming a
    formula or a factor is kept: it is exact)."""
    if not notes:
        return exc
    generic = ("the layers above", "agrees, so delta", "also wrong", "only layer", "update 1 agreed", "updates 1 to")
    kept = [h for h in exc.failure.hints if not h.startswith(generic)]
    lines = str(exc).split("\n")
    body = [line for line in lines[2:] if not line.startswith("  hint: ")]
    message = "\n".join(lines[:2] + [f"  note: {n}" for n in notes] + [f"  hint: {h}" for h in kept] + body)
    failure = dataclasses.replace(exc.failure, hints=tuple(kept), notes=tuple(notes), message=message)
    if exc.report is not None:
        exc.report.failure = failure
    return ParityError(message, failure, exc.report)


def check_with_torch(code: UserCode, experiment: Experiment, *, on_epoch: OnEpoch | None = None) -> CheckReport:
    """Your backward (and forward) and torch in lockstep from the same weights on the same batches; every
    weight compared after every update, the first disagreeing update replayed stage by stage."""
    from compare.experiment.initial import initial_parameters
    from compare.lockstep.harness import run_parity

    user = UserBackprop(code, experiment)
    weights, biases = initial_parameters(experiment)
    try:
        parity = run_parity(experiment, weights, biases, numpy_factory=user.factory(), on_epoch=on_epoch,
                            label="yours")
    except ParityError as exc:
        report = _from_parity(exc.report, exc.failure, experiment) if exc.report is not None else None
        raise _with_notes(ParityError(str(exc), exc.failure, report), cannot_express(code, experiment)) from None
    return _from_parity(parity, None, experiment)


def _from_parity(parity: Any, failure: Failure | None, e: Experiment) -> CheckReport:
    return CheckReport(e, parity.tolerance, parity.numpy, parity.updates_checked, parity.max_abs_diff,
                       failure, None, parity)


def check_against_trace(code: UserCode, trace: Trace, *, updates: int | None = None,
                        on_epoch: OnEpoch | None = None, reference: str = "torch") -> CheckReport:
    """Your trajectory, from the trace's initial weights on the trace's batches, compared with the recording
    at every stage of every update (the first `updates` of them; all by default). Torch is never imported.
    `reference` names the recording's side in messages (`compare grade` records our NumPy backprop)."""
    from compare.diagnosis.stages import capture_numpy

    e = trace.experiment
    tol = tolerance_for(e.dtype)
    user = UserBackprop(code, e)
    trainer = user.trainer(e, trace.initial_weights, trace.initial_biases)
    total = trace.updates if updates is None else updates
    X_all = np.asarray(e.inputs, dtype=np.float64)
    log: list[tuple[int, float]] = []
    largest = 0.0

    def report(done: int, failure: Failure | None = None) -> CheckReport:
        W, b = trainer.parameters()
        history = History("yours", e, log, trainer.evaluate()[1][-1].copy(), done,
                          trace.initial_weights, trace.initial_biases, W, b)
        return CheckReport(e, tol, history, done, largest, failure, str(trace.path))

    for u in range(total):
        indices = trace.samples(u)
        epoch, batch = trace.epoch_batch(u)
        before = trace.before(u)
        drift = max(float(np.abs(a - b).max()) for a, b in zip(trainer.weights + trainer.biases,
                                                                 before[0] + before[1]))
        ours = capture_numpy(trainer, indices)
        theirs = trace.stages(u, X_all[indices])
        failure = first_disagreement(ours, theirs, before, e, tol, UpdateSite(u + 1, epoch, batch, indices.tolist()),
                                     labels=("yours", reference), title="check", drift=drift)
        if failure is not None:
            raise _with_notes(ParityError(failure.message, failure, report(u + 1, failure)),
                              cannot_express(code, e))
        largest = max(largest, *(float(np.abs(a - b).max()) for a, b in
                                 zip(ours.weights + ours.biases, theirs.weights + theirs.biases)))
        last_of_epoch = u + 1 == total or trace.epoch_batch(u + 1)[0] != epoch
        if last_of_epoch:
            loss = trainer.log_loss() if epoch % e.report_every == 0 else None
            if loss is not None:
                log.append((epoch, loss))
            if on_epoch is not None:
                on_epoch(epoch, loss)
    return report(total)


def updates_to_check(trace: Trace, requested: Experiment | None) -> int:
    """How many of the trace's updates to check: all, or the first `requested.epochs` epochs when an
    experiment (or run flags) was given; ExperimentError (exit 2) if it is not the recorded run."""
    recorded = _resolved(trace.experiment)
    if requested is None:
        return trace.updates
    requested = _resolved(requested)
    for f in fields(Experiment):
        if f.name in NOT_COMPARED or f.name.startswith("init_"):
            continue
        mine, theirs = getattr(requested, f.name), getattr(recorded, f.name)
        if isinstance(mine, np.ndarray) or isinstance(theirs, np.ndarray):
            differs = np.shape(mine) != np.shape(theirs) or not np.array_equal(mine, theirs)
        else:
            differs = mine != theirs
        if differs:
            def shown(v: Any) -> str:
                return "the trace's data" if isinstance(v, np.ndarray) else repr(v)
            asked = "other data" if isinstance(mine, np.ndarray) else repr(mine)
            raise ExperimentError(f"--against {trace.path}: the trace records `{recorded.name}` with {f.name} = "
                                  f"{shown(theirs)}, but this run (`{requested.name}`) asks for {asked} (a trace "
                                  "is checked against the run it recorded; record it again with these settings)")
    if requested.init_scheme is None:
        for k, (a, b) in enumerate(zip(requested.init_weights + requested.init_biases,
                                       trace.initial_weights + trace.initial_biases)):
            if not np.array_equal(a, b):
                raise ExperimentError(f"--against {trace.path}: recorded from other initial weights than "
                                      f"{requested.source} (array {k + 1}); record it again")
    if requested.epochs > recorded.epochs:
        raise ExperimentError(f"--against {trace.path}: recorded {recorded.epochs} epochs; --epochs "
                              f"{requested.epochs} asks for more")
    return requested.epochs * recorded.updates_per_epoch


def _resolved(e: Experiment) -> Experiment:
    """`e` with every default filled in, as `--show` prints it and a trace records it (an `order` left to the
    mode's default becomes that order), so that the run recorded compares equal to the run asked for."""
    import tomllib

    from compare.experiment.show import to_toml
    from compare.experiment.validate import Where as DocWhere
    from compare.experiment.validate import build

    resolved = build(tomllib.loads(to_toml(e)), DocWhere(e.source, {}), default_name=e.name)
    return replace(resolved, source=e.source)


def requested_experiment(trace: Trace, spec: str | None, overrides: dict[str, Any],
                         flags: dict[str, str] | None = None) -> Experiment | None:
    """The experiment a `--against` run asks for: None when neither an experiment nor a run flag is given;
    else the named experiment, or the trace's own with the flags applied (validated as any experiment)."""
    import tomllib

    from compare.experiment.sources import experiment_from_document, load_experiment

    if spec is None and not overrides:
        return None
    if spec is not None:
        return load_experiment(spec, overrides, flags)
    document = tomllib.loads(str(trace.arrays["experiment"][()]))
    return experiment_from_document(document, Path(trace.path), overrides, flags)


