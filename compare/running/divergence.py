"""Naming a divergence: the first NaN or inf of an update, in the order the update computed it.

A run that overflows is not a bug in either implementation, so it gets its own exit status (3) and a
message that says where the non-finite value first appeared: the forward pass (`Z2`, `A2`), the gradients
(`dW2`, `db1`), the weights after the update (`W1[0, 1]`), or the logged loss.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from compare.errors import DivergenceError
from compare.experiment.definition import Experiment
from compare.running.parameters import parameter_index


def first_nonfinite(named: Iterable[tuple[str, np.ndarray]]) -> str | None:
    """`"A2[0, 1] = inf"` for the first array in `named` holding a NaN or inf; None when all are finite."""
    for name, array in named:
        array = np.asarray(array)
        bad = np.argwhere(~np.isfinite(array))
        if bad.size:
            index = ", ".join(str(int(k)) for k in bad[0])
            return f"{name}[{index}] = {float(array[tuple(bad[0])])!r}"
    return None


def step_stages(Zs: Sequence[np.ndarray], activations: Sequence[np.ndarray], dW: Sequence[np.ndarray],
                db: Sequence[np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """What one NumPy update computed, in the order it computed it: Z1, A1, ..., then dW_L, db_L, ..., dW1.
    `activations[0]` is the input X, which validation already proved finite."""
    forward = [(f"{kind}{layer}", array) for layer, (Z, A) in enumerate(zip(Zs, activations[1:]), start=1)
               for kind, array in (("Z", Z), ("A", A))]
    backward = [(f"{kind}{layer}", array) for layer in range(len(dW), 0, -1)
                for kind, array in (("dW", dW[layer - 1]), ("db", db[layer - 1]))]
    return forward + backward


def first_nonfinite_parameter(sizes: tuple[int, ...], theta: np.ndarray) -> str | None:
    """`"W1[0, 1] = nan"` for the first non-finite number of a flat seed-order parameter buffer."""
    bad = np.flatnonzero(~np.isfinite(theta))
    if not bad.size:
        return None
    return f"{parameter_index(sizes, int(bad[0]))} = {float(theta[bad[0]])!r}"


def exploded(theta: np.ndarray, n_layers: int) -> bool:
    """True when the parameters are so large that a product through the network can overflow: then a NaN
    on one side only is the divergence reaching that side first (rounding decides which), not a bug."""
    limit = float(np.finfo(theta.dtype).max) ** (1.0 / (n_layers + 1))
    with np.errstate(invalid="ignore"):
        finite = theta[np.isfinite(theta)]
    return bool(finite.size and np.abs(finite).max() > limit)


def divergence(experiment: Experiment, where: str, found: str, *, update: int | None,
               report: object = None) -> DivergenceError:
    """The one-line DivergenceError (exit 3) for a run that produced NaN or inf."""
    return DivergenceError(f"training diverged at {where}: {found}; the learning rate (lr {experiment.lr:g}) "
                           "is probably too large for this network and data", update=update, report=report)


def end_of_epoch(experiment: Experiment, epoch: int, updates: int, log_loss: Callable[[], float],
                 log: list[tuple[int, float]] | None, on_epoch: Callable[[int, float | None], None] | None,
                 *, note: str = "") -> float | None:
    """What every training loop does after an epoch's updates: on a report epoch, the data-set loss (never
    logged when it is NaN or inf: exit 3 instead), appended to `log`; then the caller's `on_epoch`.
    Training glue, no numerics: both implementations' loops and the recorder share it."""
    loss = None
    if epoch % experiment.report_every == 0:
        loss = log_loss()
        if not np.isfinite(loss):
            raise divergence(experiment, f"epoch {epoch} (update {updates})", f"the loss is {loss!r}{note}",
                             update=updates)
        if log is not None:
            log.append((epoch, loss))
    if on_epoch is not None:
        on_epoch(epoch, loss)
    return loss
