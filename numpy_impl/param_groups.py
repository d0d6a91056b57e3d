"""Parameter groups and per-parameter state, kept the way `torch.optim.Optimizer` keeps them.

An optimizer is built on a list of parameters, or on a list of groups `{"params": [...], "weight_decay": 0}`
whose keys override the optimizer's defaults for those parameters only (torch's parameter groups: how weight
decay is left off the biases). `param_groups` turns either into the list of groups with every option filled in.

The state of parameter i (`optimizer.state[i]`, i counting through the groups in order) is a dict under
torch's own names (`"step"`, `"exp_avg"`, `"square_avg"`, `"sum"`, ...), holding what torch's state holds for
that parameter. Each state array is a view into one flat array per name (`optimizer.flat_state[name]`), laid
out as the parameters follow one another: a caller whose parameters are views into one flat array in the same
order (`NumpyTrainer.theta`) reads a whole state quantity as one array.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def param_groups(params: Iterable[Any], defaults: dict[str, Any]) -> list[dict[str, Any]]:
    """The groups of `params` (arrays, or dicts with "params" and overrides), every default filled in."""
    params = list(params)
    if not params:
        raise ValueError("optimizer got an empty parameter list")          # torch's words
    if not isinstance(params[0], dict):
        params = [{"params": params}]
    groups = []
    for given in params:
        if not isinstance(given, dict) or "params" not in given:
            raise TypeError("parameter groups must all be dicts with a 'params' key, or all arrays")
        unknown = sorted(set(given) - set(defaults) - {"params"})
        if unknown:
            raise TypeError(f"parameter group: unknown option(s) {', '.join(unknown)}"
                            f" (this optimizer takes {', '.join(sorted(defaults))})")
        group = {**defaults, **given, "params": list(given["params"])}
        for p in group["params"]:
            if not isinstance(p, np.ndarray):
                raise TypeError(f"optimizer can only optimize NumPy arrays, but one of the params is "
                                f"{type(p).__name__}")
        groups.append(group)
    return groups


def flat_state(params: Sequence[np.ndarray], names: Sequence[Sequence[str]],
               fills: Sequence[float]) -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    """Per parameter i a dict `{"step": 0.0, name: array shaped like it, filled with fills[i]}` for each name
    in names[i]; and one flat array per name, of which those arrays are views (unused stretches hold 0).
    State arrays have their parameter's dtype, as in torch: with mixed dtypes there are no flat arrays
    (an empty dict) and each state array stands alone."""
    every = sorted({name for wanted in names for name in wanted})
    dtypes = {p.dtype for p in params}
    count = sum(p.size for p in params)
    flats = {name: np.zeros(count, params[0].dtype) for name in every} if len(dtypes) == 1 else {}
    states: list[dict[str, Any]] = []
    offset = 0
    for p, wanted, fill in zip(params, names, fills):
        state: dict[str, Any] = {"step": 0.0}
        for name in wanted:
            array = flats[name][offset:offset + p.size].reshape(p.shape) if flats else np.empty_like(p)
            array.fill(fill)
            state[name] = array
        states.append(state)
        offset += p.size
    return flats, states


class Optimizer:
    """What every optimizer here shares: groups, the parameters in order, their state, and `step`, which hands
    each (group, parameter, gradient, state) to the subclass's `update` in torch's order."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]):
        self.defaults = defaults
        self.param_groups = param_groups(params, defaults)
        self.params = [p for group in self.param_groups for p in group["params"]]
        owners = [group for group in self.param_groups for _ in group["params"]]
        self.flat_state, self.state = flat_state(self.params, [self.state_names(g) for g in owners],
                                                 [self.initial_state_value(g) for g in owners])

    def state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        """The state arrays a parameter of this group keeps (besides "step")."""
        raise NotImplementedError

    def initial_state_value(self, group: dict[str, Any]) -> float:
        return 0.0

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same order as `params`)."""
        if len(grads) != len(self.params):
            raise ValueError(f"step: expected {len(self.params)} gradients (one per parameter), found {len(grads)}")
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                self.update(group, p, grads[i], self.state[i])
                i += 1

    def update(self, group: dict[str, Any], p: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> None:
        """One step of one parameter `p` (in place) from its gradient `g`, reading and writing `state`."""
        raise NotImplementedError
