"""Every stage of one update, captured on both sides: forward (Z and A per layer), the gradients, and the
weights after the optimizer step. Both captures run the implementations' own `step`, never a copy of it.

NumPy: `NumpyTrainer.step` returns (Zs, activations, dW, db) as it computes them.
torch: forward hooks on each `nn.Linear` (Z) and each activation module (A) record the forward pass, with
`retain_grad` on Z so that autograd's dL/dZ is kept; `.grad` of every parameter is read after the step
(`optimizer.step()` leaves it in place; the next `zero_grad()` clears it).
Both also record the batch loss before the update and the optimizer's state after it (momentum buffers,
moments, step counts: `compare.running.optimizer_state`), in the seed layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compare.running.optimizer_state import numpy_state, torch_state


@dataclass
class Stages:
    """One side's record of one update, all in the seed layout, float arrays copied out."""

    Zs: list[np.ndarray]            # Z[l]: (B, n_{l+1})
    activations: list[np.ndarray]   # [X, A1, ..., AL]
    dW: list[np.ndarray]            # (n_l, n_{l+1})
    db: list[np.ndarray]            # (1, n_{l+1})
    weights: list[np.ndarray]       # after the update
    biases: list[np.ndarray]
    dZ: list[np.ndarray] | None = None   # torch only: autograd's dL/dZ[l] = delta[l] / B (reduction "sum": delta[l])
    loss: float | None = None            # the batch loss this update descends, before the update
    # the optimizer's state after the update: {torch's name: flat seed-layout array, "step": one per parameter}
    state: dict[str, np.ndarray] | None = None
    # what this side's functions can be told (a user's file: the experiment keywords its backward and forward
    # take, and whether it has a forward of its own); None: our own implementation, told everything
    keywords: tuple[str, ...] | None = None
    forward_keywords: tuple[str, ...] | None = None
    has_forward: bool = True


def _copies(xs: list) -> list[np.ndarray]:
    return [np.array(x, dtype=np.float64) for x in xs]


def capture_numpy(trainer, indices: np.ndarray) -> Stages:
    from numpy_impl.losses import l2_penalty, value

    e = trainer.experiment
    before = trainer.parameters() if e.l2 else None      # the penalty is of the weights this update starts from
    Zs, activations, dW, db = trainer.step(indices)
    weights, biases = trainer.parameters()
    loss = value(e.loss, Zs[-1], activations[-1], trainer.T[indices], reduction=e.reduction,
                 bce_outputs=e.bce_outputs, mse_scale=e.mse_scale) + (
        l2_penalty(*before, e.l2, e.l2_biases) if before else 0.0)
    stages = Stages(_copies(Zs), _copies(activations), _copies(dW), _copies(db), weights, biases, loss=loss)
    stages.state = {k: np.array(v, dtype=np.float64) for k, v in numpy_state(trainer.optimizer, e).items()} or None
    stages.keywords = getattr(trainer, "user_keywords", None)
    stages.forward_keywords = getattr(trainer, "user_forward_keywords", None)
    stages.has_forward = getattr(trainer, "user_forward", True)
    return stages


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
        loss = trainer.step(X, T)
    finally:
        for h in handles:
            h.remove()
    as_np = lambda t: t.detach().cpu().numpy().astype(np.float64)  # noqa: E731
    if model.output_activation == "softmax":   # the module ends at the logits; A_L is their softmax
        As[-1] = model.probabilities(As[-1])
    # a layer without a bias (`bias = false`) has no bias gradient: zeros, as the NumPy side's
    grads = [linear_to_seed(lin.weight.grad.cpu().numpy(),
                            lin.bias.grad.cpu().numpy() if lin.bias is not None else np.zeros(lin.weight.shape[0]))
             for lin in model.linears]
    weights, biases = trainer.parameters()
    stages = Stages([as_np(z) for z in Zs], [as_np(X)] + [as_np(a) for a in As],
                    [g[0].astype(np.float64) for g in grads], [g[1].astype(np.float64) for g in grads],
                    weights, biases, [as_np(z.grad) for z in Zs], float(loss.detach()))
    stages.state = {k: v.astype(np.float64) for k, v in
                    torch_state(trainer.optimizer, model, trainer.experiment).items()} or None
    return stages
