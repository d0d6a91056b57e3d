"""The optimizer's state on either side, in one shape: per quantity (torch's name) one flat array in the seed
layout (W1, b1, W2, b2, ... row-major, as `NumpyTrainer.theta`), plus "step", one count per parameter.

torch keeps its state per parameter in torch's layout (`optimizer.state[p]["exp_avg"]`, weight (out, in));
`numpy_impl` keeps it per parameter in the seed layout (`optimizer.state[i]`, views into `flat_state`; SGD's
momentum buffers in `optimizer.buffers`). Reading both into this one shape lets the harness compare every
quantity of every parameter after every update with one vectorised operation each, name the element that
differs (`compare.running.parameters.locate`), and copy torch's state into NumPy (`--resync`).

Imports torch nowhere: the torch side is read through the tensors' own `.numpy()`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from compare.experiment.definition import Experiment

# what each quantity is, for messages: the derivation's symbol and torch's name
LABELS = {
    "momentum_buffer": "momentum buffer buf (momentum_buffer)",
    "exp_avg": "first moment m (exp_avg)",
    "exp_avg_sq": "second moment v (exp_avg_sq)",
    "max_exp_avg_sq": "largest second moment v_max (max_exp_avg_sq)",
    "square_avg": "mean square s (square_avg)",
    "grad_avg": "mean gradient a (grad_avg)",
    "sum": "sum of squared gradients (sum)",
    "step": "step count t (step)",
}
SYMBOLS = {"momentum_buffer": "buf", "exp_avg": "m", "exp_avg_sq": "v", "max_exp_avg_sq": "v_max",
           "square_avg": "s", "grad_avg": "a", "sum": "sum", "step": "t"}


def state_names(e: Experiment) -> tuple[str, ...]:
    """The arrays the experiment's optimizer keeps per parameter (torch's names), "step" not included."""
    if e.optimizer == "sgd":
        return ("momentum_buffer",) if e.momentum != 0 else ()
    if e.optimizer in ("adam", "adamw"):
        return ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if e.amsgrad else ())
    if e.optimizer == "rmsprop":
        return (("square_avg",) + (("momentum_buffer",) if e.momentum > 0 else ())
                + (("grad_avg",) if e.centered else ()))
    return ("sum",)


def counts_steps(e: Experiment) -> bool:
    """Whether the optimizer keeps a step count (every one but SGD)."""
    return e.optimizer != "sgd"


def numpy_state(optimizer: Any, e: Experiment) -> dict[str, np.ndarray]:
    """numpy_impl's state as {name: flat seed-layout array, "step": one count per parameter}. The arrays are
    the optimizer's own where it keeps them flat (copy what you keep); SGD's buffers are gathered (none
    before the first update, as in torch)."""
    names = state_names(e)
    if e.optimizer == "sgd":
        buffers = optimizer.buffers
        if not names or any(b is None for b in buffers):
            return {}                    # no momentum, or before the first update: no buffers yet
        return {"momentum_buffer": np.concatenate([b.ravel() for b in buffers])}
    out = {name: optimizer.flat_state[name] for name in names}
    out["step"] = np.array([state["step"] for state in optimizer.state], dtype=np.float64)
    return out


def torch_parameters(model: Any) -> list[Any]:
    """The model's parameters in the seed order of `theta`: W1, b1, W2, b2, ... (torch's own objects; the
    weights only in a network without biases, as the NumPy optimizer's parameters)."""
    return [p for linear in model.linears for p in (linear.weight, linear.bias) if p is not None]


def torch_state(optimizer: Any, model: Any, e: Experiment) -> dict[str, np.ndarray]:
    """torch's state in the same shape as `numpy_state` (new arrays): each weight's quantity transposed from
    torch's (out, in) into the seed's (in, out), then W1, b1, W2, b2, ... one after the other."""
    params = torch_parameters(model)
    out: dict[str, np.ndarray] = {}
    for name in state_names(e):
        values = [optimizer.state[p].get(name) if p in optimizer.state else None for p in params]
        if any(value is None for value in values):
            continue                     # SGD before its first update: no buffers yet
        arrays = [value.detach().cpu().numpy() for value in values]
        out[name] = np.concatenate([(a.T if a.ndim == 2 else a).ravel() for a in arrays])   # -> seed layout
    if counts_steps(e):
        out["step"] = np.array([float(optimizer.state[p]["step"]) if p in optimizer.state
                                and "step" in optimizer.state[p] else 0.0 for p in params])
    return out


def load_numpy_state(optimizer: Any, e: Experiment, state: dict[str, np.ndarray]) -> None:
    """Copy `state` (the shape above, e.g. torch's) into numpy_impl's optimizer (`--resync`)."""
    if e.optimizer == "sgd":
        if "momentum_buffer" in state:
            flat, offset = state["momentum_buffer"], 0
            for i, p in enumerate(optimizer.params):
                optimizer.buffers[i] = np.array(flat[offset:offset + p.size].reshape(p.shape), dtype=p.dtype)
                offset += p.size
        return
    for name, flat in state.items():
        if name == "step":
            for s, t in zip(optimizer.state, flat):
                s["step"] = float(t)
        else:
            optimizer.flat_state[name][...] = flat


def per_parameter(flat: np.ndarray, sizes: tuple[int, ...]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A flat seed-layout array as per-layer (W-shaped, b-shaped) copies: ([W1, W2, ...], [b1, b2, ...])."""
    weights, biases, offset = [], [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append(np.array(flat[offset:offset + n_in * n_out], dtype=np.float64).reshape(n_in, n_out))
        offset += n_in * n_out
        biases.append(np.array(flat[offset:offset + n_out], dtype=np.float64).reshape(1, n_out))
        offset += n_out
    return weights, biases
