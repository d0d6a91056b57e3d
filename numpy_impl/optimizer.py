"""`torch.optim.SGD`'s update, in torch's own order of operations (torch/optim/sgd.py, _single_tensor_sgd).

For each parameter p with gradient g = dL/dp:

    g <- -g                         if maximize (ascend instead of descend)
    g <- g + weight_decay * p       L2 penalty, added to the gradient BEFORE momentum
    if momentum:
        buf <- g                    on the first step (no dampening applied to it)
        buf <- momentum * buf + (1 - dampening) * g      afterwards
        g   <- g + momentum * buf   if nesterov, else g <- buf
    p <- p - lr * g

With all options at zero this is the seed's update W <- W - lr * dW. The momentum buffers are the only state,
held in this object and visible (`buffers`), never global.
"""

from __future__ import annotations

import numpy as np


class SGD:
    def __init__(self, params: list[np.ndarray], lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0, maximize: bool = False):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        self.params = params
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.nesterov, self.weight_decay, self.maximize = nesterov, weight_decay, maximize
        self.buffers: list[np.ndarray | None] = [None] * len(params)

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same order as `params`)."""
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
