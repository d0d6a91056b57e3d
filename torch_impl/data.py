"""The DataLoader a torch user would write, for each mode and order.

The dataset also yields each sample's index, so that every batch says which rows of the data set it holds:
another implementation can then train on exactly the samples torch trains on, batch by batch.
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from torch_impl.config import TrainingConfig


def make_loader(experiment: TrainingConfig, X: torch.Tensor, T: torch.Tensor) -> DataLoader:
    """batch: all N in order; stochastic: 1; minibatch: batch_size. shuffle: a new permutation per epoch
    from `torch.Generator().manual_seed(seed)`; replacement: RandomSampler(replacement=True)."""
    e = experiment
    dataset = TensorDataset(X, T, torch.arange(e.n_samples))
    generator = torch.Generator().manual_seed(e.seed)
    order = e.resolved_order
    sampler = None
    if order == "replacement":
        sampler = RandomSampler(dataset, replacement=True, num_samples=e.effective_samples_per_epoch,
                                generator=generator)
    # num_workers=0: the tensors are in memory, worker processes would only add cost
    return DataLoader(dataset, batch_size=e.effective_batch_size, shuffle=(order == "shuffle"),
                      sampler=sampler, drop_last=e.drop_last, generator=generator, num_workers=0)
