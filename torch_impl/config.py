"""What a torch training run needs to know, as a `typing.Protocol`: any object with these attributes will do.

`compare`'s `Experiment` has them all; a script can pass its own small dataclass. Arrays are in the seed
layout (`W` (inputs, outputs)); `torch_impl.layout` converts them for `nn.Linear`.

Optional, torch's defaults when absent: `reduction` ("mean" | "sum"), `bce_outputs` ("mean" | "sum"), `l2`
(the loss gains l2/2 x the sum of squared weights), `l2_biases`, `mse_scale` (0.5 | 1: the MSE losses' factor
of (t - a)^2), `bias`, `weight_decay_biases`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class TrainingConfig(Protocol):
    """The network, the data and its order, the loss and the optimizer (its name and keyword arguments)."""

    @property
    def sizes(self) -> tuple[int, ...]: ...                # layer widths, input first: (2, 2, 2, 1)
    @property
    def inputs(self) -> np.ndarray: ...                    # (N, sizes[0])
    @property
    def targets(self) -> np.ndarray: ...                   # (N, sizes[-1])
    @property
    def n_samples(self) -> int: ...
    @property
    def dtype(self) -> str: ...                            # "float64" | "float32"
    @property
    def device(self) -> str: ...                           # "cpu" | "cuda"
    @property
    def hidden_activation(self) -> str: ...
    @property
    def output_activation(self) -> str: ...
    @property
    def leaky_slope(self) -> float: ...                    # read by leaky_relu only
    @property
    def loss(self) -> str: ...                             # "sum" | "mean" | "bce" | "cross_entropy"
    @property
    def seed(self) -> int: ...                             # the DataLoader's torch.Generator
    @property
    def resolved_order(self) -> str: ...                   # "shuffle" | "sequential" | "replacement"
    @property
    def effective_batch_size(self) -> int: ...
    @property
    def effective_samples_per_epoch(self) -> int: ...      # read by order "replacement" only
    @property
    def drop_last(self) -> bool: ...
    @property
    def optimizer(self) -> str: ...                        # "sgd" | "adam" | "adamw" | "rmsprop" | "adagrad"
    @property
    def optimizer_options(self) -> dict: ...               # its keyword arguments, torch's names, lr among them
