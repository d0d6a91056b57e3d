"""`torch.optim.RMSprop`, in torch's own order of operations (torch/optim/rmsprop.py, `_single_tensor_rmsprop`,
which torch runs on the CPU).

For each parameter p with gradient g = dL/dp, one step is

    t <- t + 1                                   the state's "step" (counted, used nowhere in the update)
    g <- -g                                      if maximize
    g <- g + weight_decay * p                    if weight_decay != 0  (an L2 penalty, as in SGD and Adam)
    s <- alpha * s + (1 - alpha) * g * g         square_avg: running mean of g^2
    centered:  a <- a + (1 - alpha) * (g - a)    grad_avg: running mean of g   (= alpha a + (1 - alpha) g)
               denom <- sqrt(s - a * a) + eps    the running VARIANCE of g, not its mean square
    otherwise: denom <- sqrt(s) + eps
    momentum > 0:  buf <- momentum * buf + g / denom,  p <- p - lr * buf     (momentum_buffer)
    otherwise:     p <- p - lr * g / denom

Where each line comes from (Hinton, Srivastava & Swersky, "Neural Networks for Machine Learning", lecture 6e;
Graves 2013, "Generating Sequences With Recurrent Neural Networks", eq. 38-45, for the centred form):

- RMSprop divides each coordinate's gradient by the root of a running mean of its squares, so every
  coordinate moves at a similar rate whatever the scale of its gradient. Unlike Adam there is no bias
  correction: s starts at 0, so the first steps are LARGE (s_1 = (1 - alpha) g^2, the first step is
  lr g / (sqrt(1 - alpha) |g|) = 10 lr for alpha = 0.99). The step count is kept but never read.
- eps is added after the square root, as in Adam (torch's default 1e-8).
- centered subtracts the square of the running mean of g: s - a^2 estimates the variance, which is smaller
  than the mean square, so centred steps are larger where the gradient keeps its sign.
- momentum accumulates the normalised step g / denom (not the raw gradient) and moves p by lr * buf; torch
  starts the buffer at 0 (unlike SGD's buffer, which starts at g). torch takes momentum and centered together.
- maximize negates g first: the weight decay still pulls p towards 0.

The order of operations is torch's, line for line: `square_avg.mul_(alpha).addcmul_(g, g, value=1 - alpha)`
(s alpha + ((1 - alpha) g) g), `grad_avg.lerp_(g, 1 - alpha)` (torch's lerp, `numpy_impl.adam.lerp_`),
`square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()` (sqrt(s + (-a) a)), `buf.mul_(momentum)
.addcdiv_(g, denom)` (buf momentum + g / denom), `param.add_(buf, alpha=-lr)` (p + (-lr) buf) and
`param.addcdiv_(g, denom, value=-lr)` (p + (-lr g) / denom). As for Adam (`numpy_impl.adam`), torch's fused
multiply-adds and its not correctly rounded sqrt leave a few units in the last place between the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from numpy_impl.adam import lerp_
from numpy_impl.param_groups import Optimizer


class RMSprop(Optimizer):
    """Plain NumPy `torch.optim.RMSprop`: same arguments, checks, state and update; parameters changed in place.

    `state[i]` holds torch's `step`, `square_avg` (and `momentum_buffer` with momentum > 0, `grad_avg` when
    centered)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False):
        # torch's own checks and words (torch.optim.RMSprop.__init__); torch lets alpha exceed 1
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        return (("square_avg",) + (("momentum_buffer",) if group["momentum"] > 0 else ())
                + (("grad_avg",) if group["centered"] else ()))

    def update(self, group: dict[str, Any], p: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        s = state["square_avg"]
        state["step"] += 1
        if group["maximize"]:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        s *= alpha
        s += (1 - alpha) * g * g                                  # s <- alpha s + (1 - alpha) g^2
        if group["centered"]:
            a = state["grad_avg"]
            lerp_(a, g, 1 - alpha)                                # a <- alpha a + (1 - alpha) g
            denom = np.sqrt(s - a * a)                            # sqrt(E[g^2] - E[g]^2)
        else:
            denom = np.sqrt(s)
        denom += eps
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += g / denom                                      # buf <- momentum buf + g / denom
            p += -lr * buf
        else:
            p += -lr * g / denom                                  # p - lr g / (sqrt(s) + eps)
