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


class SGD:
    """Plain NumPy `torch.optim.SGD`: same arguments, same checks, same update, parameters changed in place."""

    def __init__(self, params: list[np.ndarray], lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0, maximize: bool = False,
                 whole: tuple[np.ndarray, np.ndarray, list[np.ndarray]] | None = None):
        """`whole` (optional): (theta, grad, grads), where `params` are views into the array theta and the
        list `grads` views into grad, in the same layout (`NumpyTrainer`): a step given that very list then
        updates the whole model at once when it can (the plain update), the same numbers element by element."""
        # torch's own checks and words (torch.optim.SGD.__init__)
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        self.params = params
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.nesterov, self.weight_decay, self.maximize = nesterov, weight_decay, maximize
        self.buffers: list[np.ndarray | None] = [None] * len(params)
        self._scratch: list[np.ndarray] | None = None    # lr * g of the plain step, one array per parameter
        self.whole = whole
        self._whole_scratch = None if whole is None else np.empty_like(whole[0])   # lr * grad

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same order as `params`)."""
        lr = self.lr
        if not (self.maximize or self.weight_decay != 0 or self.momentum != 0) and type(lr) in (float, int):
            # the seed's update p <- p - lr * g, with lr * g written into arrays kept from step to step: the
            # same two roundings as `p -= lr * g` (a Python number takes the array's dtype), no allocation,
            # g itself left as it is. A gradient of another dtype than its parameter (a user's backward)
            # rounds lr * g in the wider dtype: it takes the general line below.
            if self.whole is not None and grads is self.whole[2]:
                theta, grad, _ = self.whole
                lr_g = np.multiply(grad, lr, out=self._whole_scratch)   # lr * g, every parameter at once
                theta -= lr_g                                           # p - lr * g
                return
            if self._scratch is None:
                self._scratch = [np.empty_like(p) for p in self.params]
            for p, g, lr_g in zip(self.params, grads, self._scratch):
                if g.dtype == p.dtype and g.shape == p.shape:
                    np.multiply(g, lr, out=lr_g)             # lr * g
                    p -= lr_g                                # p - lr * g
                else:
                    p -= lr * g
            return
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if self.maximize:
                g = -g
            if self.weight_decay != 0:
                g = g + self.weight_decay * p
            if self.momentum != 0:
                buf = self.buffers[i]
                if buf is None:
                    buf = self.buffers[i] = g.copy()
                else:
                    buf *= self.momentum
                    buf += (1 - self.dampening) * g
                g = g + self.momentum * buf if self.nesterov else buf
            p -= self.lr * g
