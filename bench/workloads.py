"""The runs being timed: `compare` (both sides in lockstep), `torch_impl` alone and `numpy_impl` alone, on a
preset or on a synthetic network; and single training steps of each side.

Each run is the in-process equivalent of `python -m compare|torch_impl|numpy_impl EXPERIMENT`: the same
functions the commands call (`run_parity`, `torch_impl.trainer.train`, `numpy_impl.trainer.train`), with the
same defaults, from the same initial weights.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from compare.experiment.definition import Experiment
from compare.experiment.sources import load_experiment

IMPLEMENTATIONS = ("compare", "torch", "numpy")
# 0.01, not 0.1: at lr 0.1 the (1024, 1024, 1024, 1) network on batches of 1 leaves the tolerance at update 87
# (W3[279, 0] 1.67e-12 apart, rounding grown from 1e-16: the harness fails the run, before the fast check's
# changes too); at 0.01 it stays within 1e-16 over 400 updates. The timing does not depend on the rate.
LR = 0.01


def preset(name: str, epochs: int, mode: str = "stochastic") -> Experiment:
    """A preset with its own schedule, `epochs` long (one loss line every epochs // 10, as the CLI)."""
    return load_experiment(name, {"epochs": epochs, "mode": mode, "report_every": max(1, epochs // 10)})


def synthetic(sizes: tuple[int, ...], batch_size: int, updates: int, *, seed: int = 0) -> Experiment:
    """A sigmoid network of `sizes` (sum loss, lr 0.01, float64) on random data: `batch_size` * 4 samples in
    uniform [0, 1) (fewer when `updates` < 4), one-hot targets, Xavier-uniform weights (drawn here, so both
    sides load the same values), mini-batches of `batch_size` in shuffled order, epochs enough for `updates`
    updates; the loss is logged once (epoch 0), so that the figure is the cost of the updates."""
    rng = np.random.default_rng(seed)
    n_in, n_out = sizes[0], sizes[-1]
    per_epoch = min(4, updates)
    n = per_epoch * batch_size
    inputs = rng.uniform(0.0, 1.0, size=(n, n_in))                             # (N, n_0)
    targets = np.eye(n_out)[rng.integers(0, n_out, size=n)] if n_out > 1 else (
        rng.integers(0, 2, size=(n, 1)).astype(float))                         # (N, n_L)
    weights, biases = [], []
    for a, b in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(6.0 / (a + b))
        weights.append(rng.uniform(-bound, bound, size=(a, b)))                # (n_l, n_{l+1})
        biases.append(np.zeros((1, b)))                                        # (1, n_{l+1})
    epochs = max(1, -(-updates // per_epoch))
    return Experiment(name=f"synthetic {'-'.join(map(str, sizes))}", description="bench", sizes=tuple(sizes),
                      inputs=inputs, targets=targets, names=tuple(f"sample {i}" for i in range(n)), lr=LR,
                      epochs=epochs, report_every=epochs, init_weights=tuple(weights),
                      init_biases=tuple(biases), mode="minibatch", batch_size=batch_size, source="bench")


def run(implementation: str, experiment: Experiment) -> Callable[[], object]:
    """A call that trains `experiment` once with `implementation`, as its command would."""
    from compare.experiment.initial import initial_parameters
    from compare.lockstep.harness import run_parity
    from compare.running.loops import train_numpy as numpy_train
    from compare.running.loops import train_torch as torch_train

    weights, biases = initial_parameters(experiment)
    train = {"compare": run_parity, "torch": torch_train, "numpy": numpy_train}[implementation]

    def body() -> object:
        result = train(experiment, weights, biases)
        if implementation == "compare" and not result.ok:   # run_parity raises first; belt and braces
            raise RuntimeError(f"bench: parity failed on {experiment.name}")
        return result
    return body


def steps(implementation: str, experiment: Experiment, count: int) -> Callable[[], object]:
    """A call that runs `count` training steps of one side on the first batch (trainer built beforehand):
    the step alone, without the loader, the loop or the check."""
    from compare.experiment.initial import initial_parameters

    weights, biases = initial_parameters(experiment)
    k = experiment.effective_batch_size
    if implementation == "numpy":
        from numpy_impl.trainer import NumpyTrainer
        trainer = NumpyTrainer(experiment, weights, biases)
        indices = np.arange(k)

        def numpy_body() -> None:
            for _ in range(count):
                trainer.step(indices)
        return numpy_body
    from torch_impl.trainer import TorchTrainer
    torch_trainer = TorchTrainer(experiment, weights, biases)
    X, T = torch_trainer.X[:k], torch_trainer.T[:k]

    def torch_body() -> None:
        for _ in range(count):
            torch_trainer.step(X, T)
    return torch_body


def report(argv: list[str]) -> None:
    """`python -m compare report ARGV` into a fresh temporary folder, removed afterwards; its own lines
    are kept off our stdout (which `--json` keeps for one object)."""
    import contextlib
    import io
    import tempfile
    from pathlib import Path

    from compare.cli import cmd_report

    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder, contextlib.redirect_stdout(io.StringIO()):
        if cmd_report.main([*argv, "--out", str(Path(folder) / "report")]) != 0:
            raise RuntimeError("bench: the report failed")
