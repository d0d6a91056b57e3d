"""The experiment's loss, built from torch's own loss modules.

- `sum`:  per sample sum_k (t - a)^2 / 2, mean over the batch = MSELoss(reduction="sum") / (2 B)
- `mean`: MSELoss() / 2 (mean over batch AND outputs)
- `bce`:  BCELoss() on the sigmoid output (mean over batch and outputs)
- `cross_entropy`: CrossEntropyLoss() on the logits with one-hot (probability) targets
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def make_loss(name: str) -> LossFn:
    if name == "sum":
        mse_sum = nn.MSELoss(reduction="sum")
        return lambda output, target: mse_sum(output, target) / (2 * target.shape[0])
    if name == "mean":
        mse = nn.MSELoss()
        return lambda output, target: mse(output, target) / 2
    if name == "bce":
        return nn.BCELoss()
    if name == "cross_entropy":
        return nn.CrossEntropyLoss()
    raise ValueError(f"unknown loss {name!r}")


def make_log_loss(name: str) -> LossFn:
    """What the seed prints: mean((T - A)^2 / 2) for both MSE conventions, else the loss itself."""
    if name in ("sum", "mean"):
        mse = nn.MSELoss()
        return lambda output, target: mse(output, target) / 2
    return make_loss(name)
