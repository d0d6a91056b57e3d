"""The initial weights of an experiment, in the seed layout, whatever their source.

Explicit values come from the file (or `--init FILE.npz`); `xavier-uniform` and `he-normal` are drawn by
NumPy's generator seeded with `train.seed`; `torch-default` is what `nn.Linear` draws, from a seeded
`torch.Generator`, so only a process with torch can produce it.
"""

from __future__ import annotations

import numpy as np

from compare.errors import ExperimentError
from compare.experiment.definition import Experiment


def initial_parameters(experiment: Experiment, *,
                       torch_allowed: bool = True) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(weights, biases) in float64, seed layout: W[l] (n_l, n_{l+1}), b[l] (1, n_{l+1}); fresh copies. A
    network without biases gets zeros there whatever the experiment carries (an experiment built in code, e.g.
    a grader's fresh draw, may carry some)."""
    e = experiment
    if e.init_scheme is None:
        biases = [np.array(b) if e.bias else np.zeros_like(b, dtype=np.float64) for b in e.init_biases]
        return [np.array(w) for w in e.init_weights], biases
    pairs = list(zip(e.sizes[:-1], e.sizes[1:]))
    if e.init_scheme == "torch-default":
        if not torch_allowed:
            raise ExperimentError(
                f"{e.source}: init.scheme = \"torch-default\" is drawn by torch, which numpy_impl never "
                "imports; save it once with `python -m torch_impl EXPERIMENT --save-weights w.npz` and run "
                "`python -m numpy_impl EXPERIMENT --init w.npz`")
        from torch_impl.init import torch_default_parameters
        weights, biases = torch_default_parameters(e.sizes, e.seed, e.dtype)
        return weights, biases if e.bias else [np.zeros_like(b) for b in biases]
    rng = np.random.default_rng(e.seed)
    weights = []
    for n_in, n_out in pairs:
        if e.init_scheme == "xavier-uniform":   # Glorot & Bengio: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
            bound = np.sqrt(6.0 / (n_in + n_out))
            weights.append(rng.uniform(-bound, bound, size=(n_in, n_out)))
        else:                                   # he-normal: N(0, 2 / fan_in), for ReLU layers
            weights.append(rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out)))
    biases = [np.zeros((1, n_out)) for _, n_out in pairs]
    if e.dtype == "float32":  # round once here, so that both sides start from the same float32 values
        weights = [w.astype(np.float32).astype(np.float64) for w in weights]
    return weights, biases
