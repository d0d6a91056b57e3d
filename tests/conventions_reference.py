"""An independent reference for the loss's conventions: the batch loss written out from its definition with
torch.nn.functional and differentiated by torch's autograd (no code of ours: not numpy_impl, not torch_impl),
and the first step of each optimizer in closed form. The tests of tests/test_conventions_commands*.py compare
every command's numbers with these."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

# conventions worth running everywhere: (flags, the keys they set)
CONVENTIONS = {
    "sum": (["--reduction", "sum"], {"reduction": "sum"}),
    "l2": (["--l2", "0.3"], {"l2": 0.3}),
    "l2-biases": (["--l2", "0.3", "--l2-biases"], {"l2": 0.3, "l2_biases": True}),
    "sum+l2-biases": (["--reduction", "sum", "--l2", "0.2", "--l2-biases"],
                      {"reduction": "sum", "l2": 0.2, "l2_biases": True}),
}
# BCE over two outputs, summed over them (with and without the other conventions)
BCE = ["--sizes", "3,4,2", "--loss", "bce", "--activation", "sigmoid"]
BCE_SUM = (BCE + ["--bce-outputs", "sum"], {"loss": "bce", "bce_outputs": "sum"})
BCE_SUM_ALL = (BCE + ["--bce-outputs", "sum", "--reduction", "sum", "--l2", "0.1"],
               {"loss": "bce", "bce_outputs": "sum", "reduction": "sum", "l2": 0.1})


def _act(name: str, Z: torch.Tensor, slope: float) -> torch.Tensor:
    if name == "sigmoid":
        return torch.sigmoid(Z)
    if name == "tanh":
        return torch.tanh(Z)
    if name == "relu":
        return torch.clamp(Z, min=0)
    if name == "leaky_relu":
        return torch.where(Z > 0, Z, slope * Z)
    if name == "identity":
        return Z
    raise ValueError(name)


def loss_and_gradients(e, weights, biases, rows) -> tuple[float, list[np.ndarray], list[np.ndarray],
                                                          list[np.ndarray]]:
    """(the batch loss, dL/dW, dL/db, dL/dZ per layer) of experiment `e` on its samples `rows`, at these
    weights: the per-sample loss from its formula, combined over the batch by `e.reduction`, plus
    e.l2 / 2 x the sum of the squared weights (and biases with `e.l2_biases`)."""
    Ws = [torch.tensor(np.asarray(w, dtype=np.float64), requires_grad=True) for w in weights]
    bs = [torch.tensor(np.asarray(b, dtype=np.float64).reshape(1, -1), requires_grad=True) for b in biases]
    X = torch.tensor(np.asarray(e.inputs, dtype=np.float64)[rows])
    T = torch.tensor(np.asarray(e.targets, dtype=np.float64)[rows])
    A, Zs = X, []
    for l, (W, b) in enumerate(zip(Ws, bs)):
        Z = A @ W + b
        Z.retain_grad()
        Zs.append(Z)
        last = l == len(Ws) - 1
        name = e.output_activation if last else e.hidden_activation
        A = Z if name == "softmax" else _act(name, Z, e.leaky_slope)
    K = T.shape[1]
    if e.loss == "sum":
        per_sample = ((T - A) ** 2).sum(1) / 2
    elif e.loss == "mean":
        per_sample = ((T - A) ** 2).sum(1) / (2 * K)
    elif e.loss == "bce":
        per_sample = -(T * torch.log(A) + (1 - T) * torch.log(1 - A)).sum(1) / (K if e.bce_outputs == "mean" else 1)
    else:   # cross-entropy on the logits
        per_sample = -(T * F.log_softmax(A, dim=1)).sum(1)
    total = per_sample.sum() if e.reduction == "sum" else per_sample.mean()
    penalised = Ws + (bs if e.l2_biases else [])
    total = total + e.l2 / 2 * sum((p ** 2).sum() for p in penalised)
    total.backward()
    return (float(total.detach()), [W.grad.numpy() for W in Ws], [b.grad.numpy().reshape(1, -1) for b in bs],
            [Z.grad.numpy() for Z in Zs])


def first_step(e, p: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Parameter `p` after the first update of e's optimizer given its gradient g (closed forms: every
    running average starts at its first term, so Adam's bias corrections give m_hat = g, v_hat = g^2)."""
    lr, wd = e.lr, e.weight_decay
    if e.optimizer == "sgd":
        return p - lr * (g + wd * p)        # momentum's buffer is g on the first update
    if e.optimizer == "adam":
        g = g + wd * p
        return p - lr * g / (np.abs(g) + e.eps)
    if e.optimizer == "adamw":
        return p * (1 - lr * wd) - lr * g / (np.abs(g) + e.eps)
    if e.optimizer == "rmsprop":
        g = g + wd * p
        return p - lr * g / (np.sqrt((1 - e.alpha) * g * g) + e.eps)
    if e.optimizer == "adagrad":
        g = g + wd * p
        return p - lr * g / (np.sqrt(g * g + e.initial_accumulator_value) + e.eps)
    raise ValueError(e.optimizer)
