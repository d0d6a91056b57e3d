"""The reference a submission is judged against when torch is not installed: our own NumPy backprop,
recorded update by update into an in-memory `compare.usercode.trace.Trace` (the same arrays `record` writes
from torch), so that `check_against_trace` judges it stage by stage, exactly as `check --against` does.

The sample order is NumPy's (`numpy_impl.schedule`, seeded with the experiment's seed): a trace carries
its own order, and the submission trains on the very batches recorded here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compare.errors import DivergenceError
from compare.experiment.definition import Experiment
from compare.experiment.initial import initial_parameters
from compare.running.environment import environment
from compare.usercode.trace import Trace, TraceBuilder

LABEL = "the NumPy reference"


def numpy_trace(experiment: Experiment) -> Trace:
    """Train our NumPy implementation on `experiment`, capturing every stage of every update.
    DivergenceError if it meets NaN or inf (a drawn experiment that cannot be a check)."""
    from compare.diagnosis.stages import capture_numpy
    from numpy_impl.network import backward, forward
    from numpy_impl.schedule import epoch_batches
    from numpy_impl.trainer import NumpyTrainer

    e = experiment
    L = e.n_layers
    weights, biases = initial_parameters(e, torch_allowed=False)
    trainer = NumpyTrainer(e, weights, biases)
    rng = np.random.default_rng(e.seed)
    acts = dict(hidden_activation=e.hidden_activation, output_activation=e.output_activation,
                leaky_slope=e.leaky_slope)
    trace = TraceBuilder(L)
    with np.errstate(over="ignore"):
        for epoch in range(e.epochs):
            for batch, indices in enumerate(epoch_batches(rng, e.n_samples, e.effective_batch_size,
                                                          e.resolved_order, e.effective_samples_per_epoch,
                                                          e.drop_last)):
                W0, b0 = trainer.parameters()
                X, T = trainer.X[indices], trainer.T[indices]
                Zs, activations = forward(W0, b0, X, **acts)
                deltas: list = []
                backward(W0, Zs, activations, T, loss=e.loss, deltas=deltas, reduction=e.reduction,
                         bce_outputs=e.bce_outputs, mse_scale=e.mse_scale, **acts)
                s = capture_numpy(trainer, indices)
                if not trainer.is_finite() or not np.isfinite(s.loss):
                    raise DivergenceError(f"{e.name}: the reference diverged at update {trainer.updates}",
                                          update=trainer.updates)
                # the trace's dZ is dL/dZ of the batch loss; numpy_impl's deltas are per sample (the batch
                # mean divides them by B, the batch sum of reduction "sum" does not)
                n = len(indices) if e.reduction == "mean" else 1
                trace.add(epoch, batch, indices, s, dZ=[np.asarray(d, dtype=np.float64) / n for d in deltas])
    arrays = trace.arrays(e, weights, biases, write_weights=False)
    return Trace(Path(LABEL), e, environment(e.dtype), [arrays[f"initial_W{l}"] for l in range(1, L + 1)],
                 [arrays[f"initial_b{l}"] for l in range(1, L + 1)], arrays)
