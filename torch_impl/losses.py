"""The experiment's loss, built from torch's own loss modules.

- `sum`:  per sample sum_k (t - a)^2 / 2, mean over the batch = MSELoss(reduction="sum") / (2 B)
- `mean`: MSELoss() / 2 (mean over batch AND outputs)
- `bce`:  BCELoss() on the sigmoid output (mean over batch and outputs)
- `cross_entropy`: CrossEntropyLoss() on the logits with one-hot (probability) targets

`reduction = "sum"`: each of them summed over the batch instead of averaged (torch's `reduction="sum"`);
`bce_outputs = "sum"`: BCE summed over the outputs (BCELoss(reduction="sum") / B, or without the / B under
`reduction = "sum"`). The L2 penalty of the loss is `l2_penalty`, added to the loss before `backward()`, so
that autograd derives its gradient.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def make_loss(name: str, reduction: str = "mean", bce_outputs: str = "mean") -> LossFn:
    if reduction not in ("mean", "sum") or bce_outputs not in ("mean", "sum"):
        raise ValueError(f"unknown reduction {reduction!r} or bce_outputs {bce_outputs!r}")
    if reduction == "sum":
        return _summed(name, bce_outputs)
    if name == "sum":
        mse_sum = nn.MSELoss(reduction="sum")
        return lambda output, target: mse_sum(output, target) / (2 * target.shape[0])
    if name == "mean":
        mse = nn.MSELoss()
        return lambda output, target: mse(output, target) / 2
    if name == "bce":
        if bce_outputs == "sum":
            bce_sum = nn.BCELoss(reduction="sum")
            return lambda output, target: bce_sum(output, target) / target.shape[0]
        return nn.BCELoss()
    if name == "cross_entropy":
        return nn.CrossEntropyLoss()
    raise ValueError(f"unknown loss {name!r}")


def _summed(name: str, bce_outputs: str) -> LossFn:
    """The same losses summed over the batch (torch's reduction="sum")."""
    if name == "sum":
        mse_sum = nn.MSELoss(reduction="sum")
        return lambda output, target: mse_sum(output, target) / 2
    if name == "mean":
        mse_sum = nn.MSELoss(reduction="sum")
        return lambda output, target: mse_sum(output, target) / (2 * target.shape[1])
    if name == "bce":
        bce_sum = nn.BCELoss(reduction="sum")
        if bce_outputs == "sum":
            return bce_sum
        return lambda output, target: bce_sum(output, target) / target.shape[1]
    if name == "cross_entropy":
        return nn.CrossEntropyLoss(reduction="sum")
    raise ValueError(f"unknown loss {name!r}")


def l2_penalty(model: nn.Module, l2: float, biases: bool = False) -> torch.Tensor | float:
    """l2/2 x the sum of every squared weight of the model's `nn.Linear` layers (and bias, `biases`)."""
    if not l2:
        return 0.0
    total = sum((linear.weight ** 2).sum() for linear in model.linears)
    if biases:
        total = total + sum((linear.bias ** 2).sum() for linear in model.linears if linear.bias is not None)
    return l2 / 2 * total


def make_log_loss(name: str) -> LossFn:
    """What the seed prints: mean((T - A)^2 / 2) for both MSE conventions, else the loss itself."""
    if name in ("sum", "mean"):
        mse = nn.MSELoss()
        return lambda output, target: mse(output, target) / 2
    return make_loss(name)
