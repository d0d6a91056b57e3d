"""Replaying one update with every stage captured, after the fast path found weights that disagree.

CPU runs are bitwise deterministic: building both trainers afresh from the same initial weights and
stepping them through the same DataLoader order up to update K - 1 reproduces exactly the state the harness
had; update K is then run once more through `compare.diagnosis.stages.capture_numpy` / `capture_torch`, and
`compare.diagnosis.stagecheck.first_disagreement` names the first wrong stage. The verdict is the one a check of every
stage at update K would have given, at no cost to the runs that agree.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from compare.diagnosis.failure import Failure
from compare.diagnosis.stagecheck import UpdateSite, first_disagreement
from compare.diagnosis.stages import capture_numpy, capture_torch
from compare.experiment.definition import Experiment


def replay_failure(experiment: Experiment, initial: tuple[list[np.ndarray], list[np.ndarray]], update: int, *,
                   numpy_factory: Callable | None = None, label: str = "numpy",
                   resync: bool = False) -> Failure | None:
    """The failure record of update `update` (from 1) stage by stage, or None if, replayed, every stage of it
    agrees (then the caller falls back to naming the weights). `resync`: the run copied torch's state into
    NumPy before every update (`Lockstep.resync`); the replay does the same, so that it reproduces it."""
    from compare.lockstep.pair import Lockstep

    e = experiment
    run = Lockstep(e, [np.array(w) for w in initial[0]], [np.array(b) for b in initial[1]],
                   numpy_factory=numpy_factory)
    count = 0
    for epoch in range(e.epochs):
        for batch, (X, T, indices) in enumerate(run.torch.loader):
            count += 1
            samples = indices.numpy()
            if resync:
                run.max_abs_diff()      # gathers torch's parameters, which resync copies
                run.resync()
            if count < update:
                run.torch.step(X, T)
                run.numpy.step(samples)
                continue
            before = run.torch.parameters()
            mine = run.numpy.parameters()
            drift = max(float(np.abs(a - b).max()) for a, b in zip(mine[0] + mine[1], before[0] + before[1]))
            ours = capture_numpy(run.numpy, samples)
            theirs = capture_torch(run.torch, X, T)
            where = UpdateSite(update, epoch, batch, samples.tolist())
            return first_disagreement(ours, theirs, before, e, run.tolerance, where, labels=(label, "torch"),
                                      title="check" if label == "yours" else "parity", drift=drift)
    return None
