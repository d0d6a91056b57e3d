"""What a training run returns: plain data, printed by the CLI, never by the training loop."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from compare.experiment.definition import Experiment


def predictions(outputs: np.ndarray, output_activation: str) -> np.ndarray:
    """1 where an output is >= 0.5, else 0, per output (the seed's rule, fixed: its exercise 1 used
    `x.all() >= 0.5`). A softmax output predicts its largest class (one-hot): the probabilities sum to 1,
    so a 0.5 threshold could predict no class at all."""
    if output_activation == "softmax":
        onehot = np.zeros(outputs.shape, dtype=np.int64)
        onehot[np.arange(outputs.shape[0]), outputs.argmax(axis=1)] = 1
        return onehot
    return (outputs >= 0.5).astype(np.int64)


@dataclass
class History:
    implementation: str                     # "numpy" | "torch"
    experiment: Experiment
    loss_log: list[tuple[int, float]]       # (epoch, loss) after that epoch's updates
    outputs: np.ndarray                     # (N, n_L) on the whole data set after training
    updates: int
    initial_weights: list[np.ndarray] = field(default_factory=list)   # seed layout
    initial_biases: list[np.ndarray] = field(default_factory=list)
    final_weights: list[np.ndarray] = field(default_factory=list)
    final_biases: list[np.ndarray] = field(default_factory=list)

    @property
    def predictions(self) -> np.ndarray:
        return predictions(self.outputs, self.experiment.output_activation)
