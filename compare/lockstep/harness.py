"""The lockstep harness: both implementations from identical weights, the same batches, and every
parameter compared after every update.

The fast path per update is four vectorised NumPy operations on flat buffers (gather torch's parameters into
the seed order with a fixed index map, subtract, abs, max); only when the largest difference exceeds `atol`
does the exact tolerance rule run, and only on a real disagreement does `compare.diagnosis.failure` build the message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from compare.diagnosis.failure import Failure, describe_mismatch
from compare.diagnosis.stagecheck import UpdateSite
from compare.errors import ParityError
from compare.experiment.definition import Experiment
from compare.lockstep.pair import Lockstep
from compare.running.divergence import divergence, exploded, first_nonfinite_parameter
from compare.running.history import History
from compare.running.parameters import parameter_index
from compare.running.tolerances import Tolerance


@dataclass
class ParityReport:
    """What a harness run found. `per_update[k]` is the largest |numpy - torch| after update k + 1."""

    experiment: Experiment
    tolerance: Tolerance
    numpy: History
    torch: History
    updates_checked: int
    per_update: np.ndarray
    max_abs_diff_log: list[tuple[int, float]] = field(default_factory=list)
    failure: Failure | None = None
    resync: bool = False     # True: NumPy restarted from torch's state before every update (per-update error)
    state_max_abs_diff: dict[str, float] = field(default_factory=dict)   # per optimizer state quantity

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def max_abs_diff(self) -> float:
        return float(self.per_update[:self.updates_checked].max()) if self.updates_checked else 0.0


def run_parity(experiment: Experiment, weights: list[np.ndarray] | None = None,
               biases: list[np.ndarray] | None = None, *, numpy_factory: Callable | None = None,
               on_epoch: Callable[[int, float | None], None] | None = None, label: str = "numpy",
               resync: bool = False) -> ParityReport:
    """Train both implementations in lockstep; return the report, or raise ParityError (exit 1) at the first
    disagreement or DivergenceError (exit 3) when both sides hit NaN/inf alike. At a disagreement the update
    is replayed with every stage captured (`compare.lockstep.replay`) to name the first wrong stage; `label` names
    the NumPy side in the message ("numpy", or "yours" for a user's file). `resync`: before every update,
    NumPy takes torch's parameters and momentum buffers (`Lockstep.resync`), so that each check measures
    one update's error; by default both sides run free and the check sees the accumulated drift."""
    e = experiment
    run = Lockstep(e, weights, biases, numpy_factory=numpy_factory)
    per_update = np.zeros(e.total_updates)
    numpy_log: list[tuple[int, float]] = []
    torch_log: list[tuple[int, float]] = []
    diff_log: list[tuple[int, float]] = []
    atol = run.tolerance.atol
    update = 0

    def report(failure: Failure | None = None) -> ParityReport:
        w_np, b_np = run.numpy.parameters()
        w_th, b_th = run.torch.parameters()
        n_out = run.numpy.evaluate()[1][-1].copy()
        init_w, init_b = run.initial
        return ParityReport(
            e, run.tolerance,
            History("numpy", e, numpy_log, n_out, update, init_w, init_b, w_np, b_np),
            History("torch", e, torch_log, run.torch.outputs(), update, init_w, init_b, w_th, b_th),
            update, per_update, diff_log, failure, resync, dict(run.state_max_abs_diff))

    if run.max_abs_diff() != 0.0:   # identical starting points, bit for bit, or nothing below means much
        bad = int(np.flatnonzero(run.diff != 0)[0])
        raise ParityError(f"initial weights differ before the first update: {parameter_index(e.sizes, bad)}")
    since_last = 0.0
    torch_step, numpy_step, max_abs_diff, loader = run.torch.step, run.numpy.step, run.max_abs_diff, run.torch.loader
    # NumPy's sigmoid overflows harmlessly (e^-z = inf for z << 0; numpy_impl.activations.sigmoid): silenced
    # once per run, not per update; a real overflow of the weights is caught by the check below
    with np.errstate(over="ignore"):
        for epoch in range(e.epochs):
            for batch, (X, T, indices) in enumerate(loader):
                samples = indices.numpy()
                if resync:
                    run.resync()
                torch_step(X, T)
                numpy_step(samples)
                m = max_abs_diff()
                per_update[update] = m
                update += 1
                bad = None if m <= atol else run.violations()
                if bad is None or bad.size == 0:   # every element within atol (fast), or within the rule
                    since_last = m if m > since_last else since_last
                    if run.has_state:
                        failure = run.state_failure(UpdateSite(update, epoch, batch, samples.tolist()), label)
                        if failure is not None:
                            from compare.lockstep.replay import replay_failure
                            failure = replay_failure(e, run.initial, update, numpy_factory=numpy_factory,
                                                     label=label, resync=resync) or failure
                            raise ParityError(failure.message, failure, report(failure))
                    continue
                numpy_finite, torch_finite = run.numpy.is_finite(), run.torch.is_finite()
                where = f"update {update} (epoch {epoch}, batch {batch}, samples {samples.tolist()})"
                # both sides non-finite, or one side while the other has grown big enough to overflow (rounding
                # decides which side overflows first): a divergence, not a disagreement
                if (not numpy_finite and (not torch_finite or exploded(run.theirs, e.n_layers))) or (
                        not torch_finite and exploded(run.numpy.theta, e.n_layers)):
                    raise divergence(e, where, "numpy " + (first_nonfinite_parameter(e.sizes, run.numpy.theta)
                                                           or "finite (but huge)") + ", torch "
                                     + (first_nonfinite_parameter(e.sizes, run.theirs) or "finite (but huge)"),
                                     update=update, report=report())
                from compare.lockstep.replay import replay_failure
                failure = (replay_failure(e, run.initial, update, numpy_factory=numpy_factory, label=label,
                                          resync=resync)
                           or describe_mismatch(run, bad, update=update, epoch=epoch, batch=batch, samples=samples,
                                             label=label))
                raise ParityError(failure.message, failure, report(failure))
            if epoch % e.report_every == 0 or epoch == e.epochs - 1:
                diff_log.append((epoch, since_last))
                since_last = 0.0
            if epoch % e.report_every == 0:
                numpy_loss, torch_loss = run.numpy.log_loss(), run.torch.log_loss()
                if not (np.isfinite(numpy_loss) and np.isfinite(torch_loss)):
                    raise divergence(e, f"epoch {epoch} (update {update})", f"the loss is {numpy_loss!r} "
                                     f"(numpy), {torch_loss!r} (torch)", update=update, report=report())
                numpy_log.append((epoch, numpy_loss))
                torch_log.append((epoch, torch_loss))
                if on_epoch is not None:
                    on_epoch(epoch, numpy_loss)
            elif on_epoch is not None:
                on_epoch(epoch, None)
    return report()

