"""`torch.optim.SGD`'s update, in torch's own order of operations (torch/optim/sgd.py, `_single_tensor_sgd`).

For each parameter p with gradient g = dL/dp, one step is

    g <- -g                          if maximize
    g <- g + weight_decay * p        if weight_decay != 0
    if momentum != 0:
        buf <- g                                        on the first step (a copy; no dampening)
        buf <- momentum * buf + (1 - dampening) * g     on every later step
        g   <- g + momentum * buf    if nesterov, else  g <- buf
    p <- p - lr * g

Where each line comes from:

- maximize: ascending L is descending -L, and d(-L)/dp = -g. It comes FIRST, so weight decay below still
  pulls p towards 0 when maximizing (it is not negated with the gradient).
- weight decay is the gradient of an L2 penalty added to the loss: d/dp [L + (wd / 2) |p|^2] = g + wd * p.
  torch adds it to the gradient BEFORE momentum, so the penalty is accumulated in the buffer like any other
  gradient (this is "L2 regularisation", not the decoupled decay of AdamW).
- momentum keeps a running velocity v_t = mu * v_{t-1} + (1 - tau) * g_t. Unrolled, v_t is a weighted sum
  of all past gradients with weights (1 - tau) * mu^k, so a steady gradient g gives a step of
  lr * (1 - tau) * g / (1 - mu): momentum 0.9 is a ten times larger effective learning rate along directions
  where the gradient keeps its sign, while alternating components cancel. torch starts the buffer at g_1
  itself (not at 0 and not at (1 - tau) g_1): dampening applies from the second step on.
- Nesterov evaluates the velocity "one step ahead": the classical look-ahead update
  p <- p - lr (g + mu v) uses the current gradient plus the velocity it is about to add, without a second
  forward pass (Sutskever et al. 2013, in the form torch uses). torch refuses it without momentum (there is
  nothing to look ahead with) or with dampening (the reformulation assumes v_t = mu v_{t-1} + g_t).

With all options at their defaults (momentum 0, weight_decay 0, maximize false) this is the seed's update
W <- W - lr * dW. The momentum buffers are the only state, held in this object (`buffers`, same order as
`params`), never global.
"""

from __future__ import annotations

import numpy as np

from numpy_impl.param_groups import param_groups


class SGD:
    """Plain NumPy `torch.optim.SGD`: same arguments, same checks, same update, parameters changed in place."""

    def __init__(self, params: list, lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0, maximize: bool = False):
        """`params`: arrays, or torch-style groups `{"params": [...], "weight_decay": 0.0}` whose
        `weight_decay` overrides the optimizer's for those parameters (how weight decay is left off the
        biases); the parameters keep their order through the groups."""
        # torch's own checks and words (torch.optim.SGD.__init__)
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        groups = param_groups(params, {"weight_decay": weight_decay})
        for group in groups:
            if group["weight_decay"] < 0.0:
                raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
        self.params = [p for group in groups for p in group["params"]]
        self.weight_decays = [group["weight_decay"] for group in groups for _ in group["params"]]
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.nesterov, self.weight_decay, self.maximize = nesterov, weight_decay, maximize
        self.buffers: list[np.ndarray | None] = [None] * len(self.params)

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same order as `params`); `grads` untouched."""
        if len(grads) != len(self.params):   # zip would leave the last parameters silently unchanged
            raise ValueError(f"step: expected {len(self.params)} gradients (one per parameter), found {len(grads)}")
        for i, (p, g, decay) in enumerate(zip(self.params, grads, self.weight_decays)):
            if self.maximize:
                g = -g
            if decay != 0:
                g = g + decay * p
            if self.momentum != 0:
                buf = self.buffers[i]
                if buf is None:
                    buf = self.buffers[i] = g.copy()
                else:
                    buf *= self.momentum
                    buf += (1 - self.dampening) * g
                g = g + self.momentum * buf if self.nesterov else buf
            p -= self.lr * g
