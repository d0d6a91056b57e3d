"""`torch.optim.Adagrad`, in torch's own order of operations (torch/optim/adagrad.py, `_single_tensor_adagrad`,
which torch runs on the CPU; dense gradients).

For each parameter p with gradient g = dL/dp, one step is

    t <- t + 1                                   the state's "step": 1 on the first update
    g <- -g                                      if maximize
    g <- g + weight_decay * p                    if weight_decay != 0  (an L2 penalty)
    clr <- lr / (1 + (t - 1) * lr_decay)         the learning rate, decayed from the SECOND step on
    sum <- sum + g * g                           the state's "sum": every squared gradient so far
    p <- p - clr * g / (sqrt(sum) + eps)

Where each line comes from (Duchi, Hazan & Singer 2011, "Adaptive Subgradient Methods for Online Learning
and Stochastic Optimization", the diagonal form):

- Each coordinate's step is divided by the root of the sum of all its squared gradients so far, so
  coordinates that have had large or frequent gradients slow down and rare ones keep a large step. The sum
  only grows: Adagrad's steps shrink for ever (what RMSprop's running mean was made to fix).
- The sum starts at `initial_accumulator_value` (default 0), set when the optimizer is built: with 0, the
  first step is lr g / (|g| + eps), about lr in every coordinate.
- lr_decay divides the learning rate by 1 + (t - 1) lr_decay: t - 1, so the first update uses lr itself.
- eps is added after the square root (torch's default 1e-10).
- maximize negates g first: the weight decay still pulls p towards 0.

The order of operations is torch's, line for line: `lr / (1 + (step - 1) * lr_decay)` in Python floats,
`state_sum.addcmul_(g, g, value=1)` (sum + (1 g) g), `state_sum.sqrt().add_(eps)`, `param.addcdiv_(g, std,
value=-clr)` (p + (-clr g) / std). As for Adam (`numpy_impl.adam`), torch's fused multiply-adds and its not
correctly rounded sqrt leave a few units in the last place between the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from numpy_impl.param_groups import Optimizer


class Adagrad(Optimizer):
    """Plain NumPy `torch.optim.Adagrad`: same arguments, checks, state and update; parameters changed in place.

    `state[i]` holds torch's `step` and `sum`."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False):
        # torch's own checks and words (torch.optim.Adagrad.__init__)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, maximize=maximize))

    def state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("sum",)

    def initial_state_value(self, group: dict[str, Any]) -> float:
        return group["initial_accumulator_value"]

    def update(self, group: dict[str, Any], p: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> None:
        lr, lr_decay, eps, weight_decay = group["lr"], group["lr_decay"], group["eps"], group["weight_decay"]
        state_sum = state["sum"]
        state["step"] += 1
        t = state["step"]
        if group["maximize"]:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)                       # decayed learning rate
        state_sum += g * g                                        # sum <- sum + g^2
        std = np.sqrt(state_sum)
        std += eps
        p += -clr * g / std                                       # p - clr g / (sqrt(sum) + eps)
