"""Every stage of one update, captured on both sides: forward (Z and A per layer), the gradients, and the
weights after the optimizer step. Both captures run the implementations' own `step`, never a copy of it.

NumPy: `NumpyTrainer.step` returns (Zs, activations, dW, db) as it computes them.
torch: forward hooks on each `nn.Linear` (Z) and each activation module (A) record the forward pass, with
`retain_grad` on Z so that autograd's dL/dZ is kept; `.grad` of every parameter is read after the step
(`optimizer.step()` leaves it in place; the next `zero_grad()` clears it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Stages:
    """One side's record of one update, all in the seed layout, float arrays copied out."""

    Zs: list[np.ndarray]            # Z[l]: (B, n_{l+1})
    activations: list[np.ndarray]   # [X, A1, ..., AL]
    dW: list[np.ndarray]            # (n_l, n_{l+1})
    db: list[np.ndarray]            # (1, n_{l+1})
    weights: list[np.ndarray]       # after the update
    biases: list[np.ndarray]
    dZ: list[np.ndarray] | None = None   # torch only: autograd's dL/dZ[l] = delta[l] / B


def capture_numpy(trainer, indices: np.ndarray) -> Stages:
    Zs, activations, dW, db = trainer.step(indices)
    weights, biases = trainer.parameters()
    copy = lambda xs: [np.array(x, dtype=np.float64) for x in xs]  # noqa: E731
    return Stages(copy(Zs), copy(activations), copy(dW), copy(db), weights, biases)


def capture_torch(trainer, X, T) -> Stages:
    from torch_impl.layout import linear_to_seed

    model = trainer.model
    Zs, As = [], []
    handles = []

    def keep_z(module, inputs, output):
        output.retain_grad()
        Zs.append(output)

    def keep_a(module, inputs, output):
        As.append(output)

    for linear, act in zip(model.linears, model.activations):
        handles.append(linear.register_forward_hook(keep_z))
        handles.append(act.register_forward_hook(keep_a))
    try:
        trainer.step(X, T)
    finally:
        for h in handles:
            h.remove()
    as_np = lambda t: t.detach().cpu().numpy().astype(np.float64)  # noqa: E731
    if model.output_activation == "softmax":   # the module ends at the logits; A_L is their softmax
        As[-1] = model.probabilities(As[-1])
    grads = [linear_to_seed(lin.weight.grad.cpu().numpy(), lin.bias.grad.cpu().numpy())
             for lin in model.linears]
    weights, biases = trainer.parameters()
    return Stages([as_np(z) for z in Zs], [as_np(X)] + [as_np(a) for a in As],
                  [g[0].astype(np.float64) for g in grads], [g[1].astype(np.float64) for g in grads],
                  weights, biases, [as_np(z.grad) for z in Zs])
