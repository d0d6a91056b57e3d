"""compare.lockstep.pair.Lockstep.max_abs_diff: the wide-model path (torch's transposing copies, from PER_LAYER_FROM
parameters) and the small-model path (a gather by the index map) leave the same |numpy - torch| in `diff`,
element for element, and name the same element."""

from __future__ import annotations

import numpy as np
import pytest

from compare.experiment.sources import load_experiment
from compare.lockstep import pair
from compare.lockstep.pair import Lockstep
from compare.running.parameters import parameter_index


@pytest.fixture
def wide():
    e = load_experiment("blobs", {"epochs": 1})
    count = sum(a * b + b for a, b in zip(e.sizes[:-1], e.sizes[1:]))
    assert count < pair.PER_LAYER_FROM       # blobs is "small": the test lowers the threshold below
    return e


@pytest.mark.parametrize("position", [0, 100, 2047, 2048, 2700, -1])   # W1 first, ..., b1, W3, b3 last
def test_both_paths_agree_on_every_element(monkeypatch, wide, position):
    runs = {}
    for threshold in (1, 10**9):               # 1: every model takes the per-layer path; 10**9: none does
        monkeypatch.setattr(pair, "PER_LAYER_FROM", threshold)
        run = Lockstep(wide)
        for X, T, indices in run.torch.loader:  # one real update, so that the values are not the initial ones
            run.torch.step(X, T)
            run.numpy.step(indices.numpy())
            break
        run.numpy.theta[position] += 1e-6
        runs[threshold] = (run.max_abs_diff(), run.diff.copy(), run._layers is not None)
    (m1, d1, per_layer), (m2, d2, gathered) = runs[1], runs[10**9]
    assert per_layer and not gathered
    assert m1 == m2 and np.array_equal(d1, d2)
    worst = int(np.argmax(d1))
    assert worst == position % d1.size
    assert parameter_index(wide.sizes, worst) == parameter_index(wide.sizes, position % d1.size)
