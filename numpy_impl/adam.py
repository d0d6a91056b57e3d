"""`torch.optim.Adam` and `torch.optim.AdamW`, in torch's own order of operations (torch/optim/adam.py,
`_single_tensor_adam`, which torch runs on the CPU; `AdamW` is Adam with `decoupled_weight_decay=True`).

For each parameter p with gradient g = dL/dp, one step is

    t <- t + 1                                   the state's "step": 1 on the first update
    g <- -g                                      if maximize
    Adam:   g <- g + weight_decay * p            if weight_decay != 0  (an L2 penalty: coupled)
    AdamW:  p <- p * (1 - lr * weight_decay)     if weight_decay != 0  (decoupled: the parameter itself)
    m <- m + (1 - beta1) * (g - m)               exp_avg, first moment   (= beta1 m + (1 - beta1) g)
    v <- beta2 * v + (1 - beta2) * g * g         exp_avg_sq, second moment
    v_max <- max(v_max, v)                       if amsgrad (max_exp_avg_sq); it replaces v below
    step_size <- lr / (1 - beta1^t)              bias correction of m
    denom <- sqrt(v) / sqrt(1 - beta2^t) + eps   bias correction of v; eps OUTSIDE the square root
    p <- p - step_size * m / denom

Where each line comes from (Kingma & Ba 2015, "Adam", Algorithm 1; Loshchilov & Hutter 2019, "Decoupled
Weight Decay Regularization"; Reddi et al. 2018, "On the Convergence of Adam and Beyond"):

- m and v are exponential moving averages of g and g^2 that start at 0, so early on they are pulled towards 0:
  for a steady gradient, m_t = (1 - beta1^t) g. Dividing by (1 - beta1^t) and (1 - beta2^t) undoes that; t
  is counted BEFORE it is used, so the first update has t = 1, m/(1 - beta1) = g, v/(1 - beta2) = g^2, and
  every coordinate moves by about lr (g / |g|). With t off by one the first step divides by 1 - beta^0 = 0.
- eps is added to sqrt(v_hat), after the bias correction: it bounds the step where v is ~0. Inside the square
  root (sqrt(v_hat + eps)) it would act like eps^(1/2) = 1e-4, a different optimizer.
- Adam's weight decay goes into g, so it is averaged into m and normalised by sqrt(v): a parameter with large
  gradients is hardly decayed. AdamW shrinks p by lr * weight_decay * p, outside the moments. torch shrinks p
  first and then adds the Adam step computed from the moments.
- maximize negates g first: the weight decay still pulls p towards 0.
- amsgrad keeps the largest v seen, so that no coordinate's step size grows again; torch divides that maximum
  by the bias correction too (the paper does not correct it).

The order of operations is torch's, line for line: `exp_avg.lerp_(g, 1 - beta1)` (torch's lerp: m + w (g - m)
for a weight w < 0.5, g - (g - m)(1 - w) otherwise), `exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)`
(v beta2 + ((1 - beta2) g) g), the bias corrections in Python floats, `param.addcdiv_(m, denom,
value=-step_size)` (p + (-step_size m) / denom). What NumPy cannot do the same: torch's CPU kernels round a
multiply-add once (a fused multiply-add in lerp_, addcmul_ and add(alpha=)), and torch's sqrt on the CPU is
not correctly rounded for about 1 element in 100 (np.sqrt is). So a step agrees with torch to a few units in
the last place, not bit for bit (the tests measure it). The step count is a Python float; torch counts in a
float32 tensor, the same whole numbers up to 2^24 updates.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from numpy_impl.param_groups import Optimizer


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start <- start + weight * (end - start), in place, as torch's `lerp_` computes it: for weight >= 0.5
    from the other end, end - (end - start) * (1 - weight), so that weight 1 gives `end` exactly."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        np.subtract(end, (end - start) * (1 - weight), out=start)


class Adam(Optimizer):
    """Plain NumPy `torch.optim.Adam`: same arguments, checks, state and update; parameters changed in place.

    `state[i]` holds torch's `step`, `exp_avg`, `exp_avg_sq` (and `max_exp_avg_sq` with amsgrad)."""

    decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False):
        # torch's own checks and words (torch.optim.Adam.__init__)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            raise ValueError("betas must be either both floats or both Tensors")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if group["amsgrad"] else ("exp_avg", "exp_avg_sq")

    def update(self, group: dict[str, Any], p: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        state["step"] += 1
        t = state["step"]
        if group["maximize"]:
            g = -g
        if weight_decay != 0:
            if self.decoupled:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p
        lerp_(m, g, 1 - beta1)                                   # m <- beta1 m + (1 - beta1) g
        v *= beta2
        v += (1 - beta2) * g * g                                 # v <- beta2 v + (1 - beta2) g^2
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        if group["amsgrad"]:
            v_max = state["max_exp_avg_sq"]
            np.maximum(v_max, v, out=v_max)
            denom = np.sqrt(v_max) / bias_correction2_sqrt
        else:
            denom = np.sqrt(v) / bias_correction2_sqrt
        denom += eps                                             # sqrt(v_hat) + eps
        p += -step_size * m / denom                              # p - lr m_hat / (sqrt(v_hat) + eps)


class AdamW(Adam):
    """Plain NumPy `torch.optim.AdamW`: Adam with decoupled weight decay (default 1e-2, as torch's)."""

    decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
