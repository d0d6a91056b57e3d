"""The experiment's loss, built from torch's own loss modules.

- `sum`:  per sample sum_k (t - a)^2 / 2, mean over the batch = MSELoss(reduction="sum") / (2 B)
- `mean`: MSELoss() / 2 (mean over batch AND outputs)
- `bce`:  BCELoss() on the sigmoid output (mean over batch and outputs)
- `cross_entropy`: CrossEntropyLoss() on the logits with one-hot (probability) targets

`mse_scale` (the MSE losses' factor of (t - a)^2): 0.5, the lesson's, above; 1: torch's own `MSELoss()` for
`mean` (`MSELoss(reduction="sum") / B` for `sum`), as torch's MSELoss, Keras and nnfs write it. The loss is
torch's MSELoss times the factor that makes each element `mse_scale * (t - a)^2`: divided by `halves`, 2 or 1.

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


def make_loss(name: str, reduction: str = "mean", bce_outputs: str = "mean", mse_scale: float = 0.5) -> LossFn:
    if reduction not in ("mean", "sum") or bce_outputs not in ("mean", "sum"):
        raise ValueError(f"unknown reduction {reduction!r} or bce_outputs {bce_outputs!r}")
    if mse_scale not in (0.5, 1.0):
        raise ValueError(f"unknown mse_scale {mse_scale!r}")
    halves = 2 if mse_scale == 0.5 else 1     # MSELoss is (t - a)^2 per element: / 2 for the lesson's 1/2
    if reduction == "sum":
        return _summed(name, bce_outputs, halves)
    if name == "sum":
        mse_sum = nn.MSELoss(reduction="sum")
        return lambda output, target: mse_sum(output, target) / (halves * target.shape[0])
    if name == "mean":
        mse = nn.MSELoss()
        return lambda output, target: mse(output, target) / halves
    if name == "bce":
        if bce_outputs == "sum":
            bce_sum = nn.BCELoss(reduction="sum")
            return lambda output, target: bce_sum(output, target) / target.shape[0]
        return nn.BCELoss()
    if name == "cross_entropy":
        return nn.CrossEntropyLoss()
    raise ValueError(f"unknown loss {name!r}")


def _summed(name: str, bce_outputs: str, halves: int) -> LossFn:
    """The same losses summed over the batch (torch's reduction="sum"); `halves`: 2 for MSE/2, 1 for MSE."""
    if name == "sum":
        mse_sum = nn.MSELoss(reduction="sum")
        return lambda output, target: mse_sum(output, target) / halves
    if name == "mean":
        mse_sum = nn.MSELoss(reduction="sum")
        return lambda output, target: mse_sum(output, target) / (halves * target.shape[1])
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
    """What the seed prints: mean((T - A)^2 / 2) for both MSE conventions (whatever `mse_scale` trains), else
    the loss itself."""
    if name in ("sum", "mean"):
        mse = nn.MSELoss()
        return lambda output, target: mse(output, target) / 2
    return make_loss(name)
