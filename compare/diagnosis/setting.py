"""What every hint reads: the correct side's record of one update (`Reference`), what is known about the run
(`Setting`: batch, outputs, the loss and its conventions, the activations, and which keywords the checked
functions take), and `same`, the one test of "equal up to rounding" every hint uses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Reference:
    """The correct side's record of one update (seed layout, float64), layers indexed from 0 here."""

    activations: list[np.ndarray]        # [X, A1, ..., AL]
    Zs: list[np.ndarray]                 # [Z1, ..., ZL]
    dZ: list[np.ndarray] | None          # dL/dZ[l] of the batch loss (delta[l] / B; "sum": delta[l]); None if unknown
    weights: list[np.ndarray]            # before the update
    biases: list[np.ndarray]
    dW: list[np.ndarray]
    db: list[np.ndarray]
    targets: np.ndarray | None = None    # (B, n_L), this batch's; None if unknown


@dataclass(frozen=True)
class Setting:
    """What the hints need to know about the run."""

    batch_size: int
    n_outputs: int
    loss: str = "sum"
    hidden_activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    leaky_slope: float = 0.01
    rtol: float = 1e-6        # how exactly a pattern must fit (float64; a float32 run uses more)
    reduction: str = "mean"
    bce_outputs: str = "mean"
    l2: float = 0.0
    l2_biases: bool = False
    mse_scale: float = 0.5                           # the MSE losses' factor of (t - a)^2
    keywords: tuple[str, ...] | None = None          # the keywords the checked backward takes (None: all)
    forward_keywords: tuple[str, ...] | None = None  # and its forward

    def takes(self, key: str, forward: bool = False) -> bool:
        """Whether the checked function can be told `key` (a hint may ask about it only then)."""
        keywords = self.forward_keywords if forward else self.keywords
        return keywords is None or key in keywords


def same(a: np.ndarray, b: np.ndarray, rtol: float = 1e-6) -> bool:
    """Equal up to rounding, relative to the larger array's scale."""
    if a.shape != b.shape or not (np.isfinite(a).all() and np.isfinite(b).all()):
        return False
    scale = max(float(np.abs(a).max(initial=0.0)), float(np.abs(b).max(initial=0.0)), 1e-300)
    return bool(np.all(np.abs(a - b) <= rtol * scale))
