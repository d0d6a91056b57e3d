"""What a training run needs to know, as a `typing.Protocol`: any object with these attributes will do.

`compare`'s `Experiment` has them all; a script can pass its own small dataclass. Arrays are in the seed
layout (see the package docstring); the trainer casts them to `dtype` itself.

Optional, read with torch's defaults when absent: `reduction` ("mean" | "sum": the batch loss averaged or
summed over samples), `bce_outputs` ("mean" | "sum": BCE over several outputs), `l2` (>= 0: the loss gains
l2/2 x the sum of squared weights), `l2_biases` (the biases in that penalty too), `mse_scale` (0.5 | 1: the
MSE losses' factor of (t - a)^2; 0.5 the lesson's), `bias`, `weight_decay_biases`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class TrainingConfig(Protocol):
    """The network, the data, the loss and the optimizer (name and keyword arguments), read by `NumpyTrainer`."""

    @property
    def sizes(self) -> tuple[int, ...]: ...                # layer widths, input first: (2, 2, 2, 1)
    @property
    def inputs(self) -> np.ndarray: ...                    # (N, sizes[0])
    @property
    def targets(self) -> np.ndarray: ...                   # (N, sizes[-1])
    @property
    def dtype(self) -> str: ...                            # "float64" | "float32"
    @property
    def hidden_activation(self) -> str: ...
    @property
    def output_activation(self) -> str: ...
    @property
    def leaky_slope(self) -> float: ...                    # read by leaky_relu only
    @property
    def loss(self) -> str: ...                             # "sum" | "mean" | "bce" | "cross_entropy"
    @property
    def optimizer(self) -> str: ...                        # "sgd" | "adam" | "adamw" | "rmsprop" | "adagrad"
    @property
    def optimizer_options(self) -> dict: ...               # its keyword arguments, torch's names, lr among them
