"""The training loops: each implementation alone, epoch by epoch, returning a `History`.

`train_numpy` draws NumPy's own sample order (`numpy_impl.schedule`, `numpy.random.default_rng(seed)`);
`train_torch` iterates torch's `DataLoader`. Each calls its implementation's one `step` per batch, stops
with a `DivergenceError` (exit 3) at the first NaN or inf, and logs the loss on report epochs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from compare.errors import ExperimentError
from compare.experiment.definition import Experiment
from compare.running.divergence import divergence, end_of_epoch, first_nonfinite, first_nonfinite_parameter, step_stages
from compare.running.history import History

OnEpoch = Callable[[int, float | None], None]


def train_numpy(experiment: Experiment, weights: list[np.ndarray], biases: list[np.ndarray], *,
                on_epoch: OnEpoch | None = None) -> History:
    """Train the hand-written NumPy backprop with NumPy's own sample order; return the history."""
    from numpy_impl.schedule import epoch_batches
    from numpy_impl.trainer import NumpyTrainer

    e = experiment
    trainer = NumpyTrainer(e, weights, biases)
    rng = np.random.default_rng(e.seed)
    log: list[tuple[int, float]] = []
    # the sigmoid overflows harmlessly (e^-z = inf for z << 0): silenced once per run, not per update
    with np.errstate(over="ignore"):
        for epoch in range(e.epochs):
            batches = epoch_batches(rng, e.n_samples, e.effective_batch_size, e.resolved_order,
                                    e.effective_samples_per_epoch, e.drop_last)
            for batch, indices in enumerate(batches):
                stages = trainer.step(indices)
                if not trainer.is_finite():
                    found = (first_nonfinite(step_stages(*stages))
                             or first_nonfinite_parameter(e.sizes, trainer.theta))
                    raise divergence(e, f"update {trainer.updates} (epoch {epoch}, batch {batch}, samples "
                                     f"{indices.tolist()})", f"first non-finite value {found}",
                                     update=trainer.updates)
            end_of_epoch(e, epoch, trainer.updates, trainer.log_loss, log, on_epoch)
    final_w, final_b = trainer.parameters()
    return History("numpy", e, log, trainer.evaluate()[1][-1].copy(), trainer.updates,
                   [np.array(w) for w in weights], [np.array(b) for b in biases], final_w, final_b)


def train_torch(experiment: Experiment, weights: list[np.ndarray], biases: list[np.ndarray], *,
                on_epoch: OnEpoch | None = None) -> History:
    """Train the `nn.Module` with `torch.optim.SGD` and its `DataLoader`; return the history."""
    import torch

    from torch_impl.layout import torch_to_seed_index

    e = experiment
    trainer = torch_trainer(e, weights, biases)
    log: list[tuple[int, float]] = []
    for epoch in range(e.epochs):
        for batch, (X, T, indices) in enumerate(trainer.loader):
            batch_loss = trainer.step(X, T)
            if not trainer.is_finite():
                theta = trainer.flat_parameters()[torch_to_seed_index(e.sizes)]   # seed order, for names
                found = (f"the batch loss is {float(batch_loss.detach())!r}" if not torch.isfinite(batch_loss)
                         else f"first non-finite value {first_nonfinite_parameter(e.sizes, theta)}")
                raise divergence(e, f"update {trainer.updates} (epoch {epoch}, batch {batch}, samples "
                                 f"{indices.tolist()})", found, update=trainer.updates)
        end_of_epoch(e, epoch, trainer.updates, trainer.log_loss, log, on_epoch)
    final_w, final_b = trainer.parameters()
    return History("torch", e, log, trainer.outputs(), trainer.updates,
                   [np.array(w) for w in weights], [np.array(b) for b in biases], final_w, final_b)


def require_torch() -> None:
    """Import torch now, before a command prints or writes anything: where it is missing, the
    ModuleNotFoundError becomes exit 2 with one line saying how to install it (`compare.cli.runner.guarded`)."""
    import torch  # noqa: F401


def torch_trainer(experiment: Experiment, weights: list[np.ndarray], biases: list[np.ndarray]) -> Any:
    """`torch_impl.trainer.TorchTrainer` for the experiment, after checking that its device exists."""
    from torch_impl.trainer import TorchTrainer

    check_device(experiment)
    return TorchTrainer(experiment, weights, biases)


def check_device(experiment: Experiment, flag: str | None = None) -> None:
    """`device = "cuda"` where torch has no CUDA: ExperimentError (exit 2), naming the flag or the file's key."""
    if experiment.device == "cpu":
        return
    import torch
    if not torch.cuda.is_available():
        where = flag or f"{experiment.source}: train.device"
        raise ExperimentError(f"{where}: expected a device this machine has (cpu; CUDA is not available to torch "
                              f"{torch.__version__}, built {'with' if torch.version.cuda else 'without'} CUDA), "
                              f"found \"{experiment.device}\"")
