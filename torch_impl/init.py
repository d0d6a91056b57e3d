"""`scheme = "torch-default"`: the weights `nn.Linear` draws itself, from a seeded `torch.Generator`
(no global seeding), exported to the seed layout."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from torch_impl.layout import linear_to_seed


def torch_default_parameters(sizes: tuple[int, ...], seed: int,
                             dtype: str = "float64") -> tuple[list[np.ndarray], list[np.ndarray]]:
    """What `nn.Linear.reset_parameters` draws (kaiming_uniform_ with a = sqrt(5) for the weight,
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias), layer by layer, from one generator."""
    generator = torch.Generator().manual_seed(seed)
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weight = torch.empty(n_out, n_in, dtype=getattr(torch, dtype))
        bias = torch.empty(n_out, dtype=getattr(torch, dtype))
        nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
        bound = 1 / math.sqrt(n_in)
        nn.init.uniform_(bias, -bound, bound, generator=generator)
        W, b = linear_to_seed(weight.numpy(), bias.numpy())
        weights.append(W.astype(np.float64))
        biases.append(b.astype(np.float64))
    return weights, biases
