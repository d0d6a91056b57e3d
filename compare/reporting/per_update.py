"""The loss after every single update, where the randomness of stochastic and mini-batch descent lives.

The report's runs log the loss after whole epochs; after a whole epoch every sample has been seen once, and
most of the order's effect has cancelled. Here the first epochs of a run are replayed in the very order the
report's run trained on (torch's DataLoader from the same seed), with the NumPy step, and the data-set loss is
taken after every update. At the end of each epoch it equals the report's logged loss (a test holds it so).
"""

from __future__ import annotations

import numpy as np

from compare.experiment.definition import Experiment

WINDOW = 30     # epochs replayed


def first_updates(experiment: Experiment, epochs: int = WINDOW) -> np.ndarray:
    """losses[k]: the loss on the whole data set after k updates (losses[0]: before any), over the first
    `epochs` epochs (at most the run's)."""
    import torch

    from compare.experiment.initial import initial_parameters
    from numpy_impl.trainer import NumpyTrainer
    from torch_impl.data import make_loader

    e = experiment
    loader = make_loader(e, torch.tensor(e.inputs), torch.tensor(e.targets))
    trainer = NumpyTrainer(e, *initial_parameters(e))
    losses = [trainer.log_loss()]
    with np.errstate(over="ignore"):
        for _ in range(min(epochs, e.epochs)):
            for _, _, indices in loader:
                trainer.step(indices.numpy())
                losses.append(trainer.log_loss())
    return np.array(losses)                                      # (1 + updates,)
