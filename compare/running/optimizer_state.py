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


def _slots(e: Experiment) -> list[tuple[int, bool]]:
    """Per parameter of the seed layout (W1, b1, W2, b2, ...): its size, and whether the optimizer holds it
    (a network without biases gives the optimizers its weights only)."""
    bias = getattr(e, "bias", True)
    return [(size, held) for n_in, n_out in zip(e.sizes[:-1], e.sizes[1:])
            for size, held in ((n_in * n_out, True), (n_out, bias))]


def full_layout(per_param: list[Any], e: Experiment, *, counts: bool = False) -> np.ndarray:
    """The held parameters' values (seed layout, in order) as one flat float64 array over every parameter of
    the seed layout; a parameter the optimizer does not hold (an absent bias) reads 0 on both sides alike.
    `counts`: one number per parameter (the step counts) instead of one per element."""
    values = iter(per_param)
    return np.concatenate([np.ravel(np.asarray(next(values), dtype=np.float64)) if held
                           else np.zeros(1 if counts else size) for size, held in _slots(e)])


def numpy_state(optimizer: Any, e: Experiment) -> dict[str, np.ndarray]:
    """numpy_impl's state as {name: flat seed-layout array, "step": one count per parameter} (new arrays; SGD
    has none before the first update, as in torch)."""
    names = state_names(e)
    if e.optimizer == "sgd":
        buffers = optimizer.buffers
        if not names or any(b is None for b in buffers):
            return {}                    # no momentum, or before the first update: no buffers yet
        return {"momentum_buffer": full_layout(buffers, e)}
    out = {name: full_layout([state[name] for state in optimizer.state], e) for name in names}
    out["step"] = full_layout([state["step"] for state in optimizer.state], e, counts=True)
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
        out[name] = full_layout([a.T if a.ndim == 2 else a for a in arrays], e)                   # -> seed layout
    if counts_steps(e):
        out["step"] = full_layout([float(optimizer.state[p]["step"]) if p in optimizer.state
                             and "step" in optimizer.state[p] else 0.0 for p in params], e, counts=True)
    return out


def load_numpy_state(optimizer: Any, e: Experiment, state: dict[str, np.ndarray]) -> None:
    """Copy `state` (the shape above, e.g. torch's) into numpy_impl's optimizer (`--resync`)."""
    held: list[tuple[int, int]] = []            # (offset, size) in the flat layout of each held parameter
    offset = 0
    for size, is_held in _slots(e):
        if is_held:
            held.append((offset, size))
        offset += size
    steps = [k for k, (_, is_held) in enumerate(_slots(e)) if is_held]
    if e.optimizer == "sgd":
        if "momentum_buffer" in state:
            flat = state["momentum_buffer"]
            for i, (p, (start, size)) in enumerate(zip(optimizer.params, held)):
                optimizer.buffers[i] = np.array(flat[start:start + size].reshape(p.shape), dtype=p.dtype)
        return
    for name, flat in state.items():
        for k, (s, (start, size)) in enumerate(zip(optimizer.state, held)):
            if name == "step":
                s["step"] = float(flat[steps[k]])
            else:
                s[name][...] = flat[start:start + size].reshape(s[name].shape)


def per_parameter(flat: np.ndarray, sizes: tuple[int, ...]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A flat seed-layout array as per-layer (W-shaped, b-shaped) copies: ([W1, W2, ...], [b1, b2, ...])."""
    weights, biases, offset = [], [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append(np.array(flat[offset:offset + n_in * n_out], dtype=np.float64).reshape(n_in, n_out))
        offset += n_in * n_out
        biases.append(np.array(flat[offset:offset + n_out], dtype=np.float64).reshape(1, n_out))
        offset += n_out
    return weights, biases
