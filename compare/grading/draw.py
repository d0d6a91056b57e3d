"""Fresh experiments, drawn at grade time: the network, optimizer and schedule of a check, with random
weights and data from a seed the grader chooses (and keeps), so that no file anywhere holds the answers.

Inputs are drawn from U(0, 1) (the seed's scale); targets fit the loss: U(0, 1) for a sigmoid output with
the squared error, 0/1 for BCE, one-hot for cross-entropy, N(0, 1) for other outputs. Weights and biases are
U(-1, 1) / sqrt(fan_in) * 2, large enough that every sigmoid has a slope worth checking.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from compare.experiment.definition import Experiment


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a


def _targets(rng: np.random.Generator, e: Experiment, n: int, k: int) -> np.ndarray:
    if e.loss == "cross_entropy":
        return np.eye(k)[rng.integers(0, k, size=n)]
    if e.loss == "bce":
        return rng.integers(0, 2, size=(n, k)).astype(np.float64)
    if e.output_activation == "sigmoid":
        return rng.uniform(0.0, 1.0, size=(n, k))
    return rng.normal(0.0, 1.0, size=(n, k))


def fresh(experiment: Experiment, seed: int, *, sizes: tuple[int, ...] | None = None,
          samples: int | None = None) -> Experiment:
    """`experiment` with weights and data drawn from `seed` (also its sample-order seed); `sizes` and
    `samples` change the network and the data set's size."""
    e = experiment
    rng = np.random.default_rng(seed)
    sizes = tuple(sizes or e.sizes)
    n = samples or e.n_samples
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        scale = 2.0 / np.sqrt(n_in)
        weights.append(_frozen(rng.uniform(-scale, scale, size=(n_in, n_out))))
        biases.append(_frozen(rng.uniform(-scale, scale, size=(1, n_out))))
    if e.dtype == "float32":   # both sides start from the same float32 values
        weights = [_frozen(w.astype(np.float32)) for w in weights]
        biases = [_frozen(b.astype(np.float32)) for b in biases]
    inputs = rng.uniform(0.0, 1.0, size=(n, sizes[0]))
    targets = _targets(rng, e, n, sizes[-1])
    batch_size = min(e.batch_size, n)
    return dataclasses.replace(
        e, sizes=sizes, inputs=_frozen(inputs), targets=_frozen(targets), names=tuple(f"sample {i}" for i in
                                                                                       range(n)),
        init_weights=tuple(weights), init_biases=tuple(biases), init_scheme=None, seed=int(seed),
        batch_size=batch_size, source=f"{e.source or e.name} (drawn from seed {seed})")
