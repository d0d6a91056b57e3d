"""Property: for ANY network, activations, optimizer options, batching, order and seed that validation
accepts, the NumPy backprop and torch agree after every one of at least 50 updates (or both diverge alike).

Hypothesis draws layer sizes (1-6 layers, widths 1-16), the hidden and output activation, the loss that
fits the output, every SGD option (Nesterov only where torch accepts it), the initial-weight scheme, the
mode, batch size, order, drop_last, the data and the seed; 200+ cases run in CI.
"""

from __future__ import annotations

import math
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compare.errors import DivergenceError, ExperimentError
from compare.experiment.validate import Where, build
from compare.lockstep.harness import run_parity
from compare.lockstep.pair import Lockstep
from compare.running.tolerances import Tolerance

MIN_UPDATES = 50
HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]


@st.composite
def experiments(draw):
    layers = draw(st.integers(1, 6))
    sizes = draw(st.lists(st.integers(1, 16), min_size=layers + 1, max_size=layers + 1))
    hidden = draw(st.sampled_from(HIDDEN))
    output = draw(st.sampled_from(HIDDEN + ["softmax"]))
    if output == "softmax":
        loss = "cross_entropy"
    elif output == "sigmoid":
        loss = draw(st.sampled_from(["sum", "mean", "bce"]))
    else:
        loss = draw(st.sampled_from(["sum", "mean"]))
    momentum = draw(st.sampled_from([0.0, 0.5, 0.9]))
    dampening = draw(st.sampled_from([0.0, 0.3]))
    nesterov = momentum > 0 and dampening == 0 and draw(st.booleans())
    n = draw(st.integers(1, 8))
    mode = draw(st.sampled_from(["batch", "stochastic", "minibatch"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, sizes[0]))
    K = sizes[-1]
    if loss == "cross_entropy":
        T = np.eye(K)[rng.integers(0, K, size=n)]
    elif loss == "bce" or output in ("sigmoid", "relu"):
        T = rng.uniform(0, 1, size=(n, K))
    else:
        T = rng.uniform(-1, 1, size=(n, K))
    train = {"lr": draw(st.sampled_from([0.01, 0.1, 0.3])), "epochs": 1, "mode": mode, "seed": seed,
             "loss": loss, "momentum": momentum, "dampening": dampening, "nesterov": nesterov,
             "weight_decay": draw(st.sampled_from([0.0, 1e-3, 0.05])), "maximize": draw(st.booleans()),
             "order": draw(st.sampled_from(["shuffle", "sequential", "replacement"])),
             "drop_last": draw(st.booleans()), "dtype": draw(st.sampled_from(["float64"] * 3 + ["float32"]))}
    if mode == "minibatch":
        train["batch_size"] = draw(st.integers(1, n))
    if train["order"] == "replacement":
        train["samples_per_epoch"] = draw(st.integers(1, 2 * n))
    doc = {"name": "property",
           "network": {"sizes": sizes, "hidden_activation": hidden, "output_activation": output,
                       "leaky_slope": draw(st.sampled_from([0.01, 0.3]))},
           "init": {"scheme": draw(st.sampled_from(["xavier-uniform", "he-normal", "torch-default"]))},
           "data": {"inputs": X.tolist(), "targets": T.tolist()}, "train": train}
    where = Where("hypothesis", {})
    try:
        e = build(doc, where)
    except ExperimentError:            # drop_last would drop every batch: validation says so (exit 2)
        train["drop_last"] = False
        e = build(doc, where)
    train["epochs"] = math.ceil(MIN_UPDATES / e.updates_per_epoch)
    train["report_every"] = train["epochs"]
    return build(doc, where)


def scale(weights: list[np.ndarray]) -> float:
    return max(float(np.abs(w).max()) for w in weights)


# Per-update bound. With resync both sides start each update from the same numbers, so what differs is the
# rounding of one update: at most UPDATE_ULPS ulp of the largest |weight| before or after it (at least 1;
# the update's sums can cancel, so a bound relative to each element would not do), or STEP_FRACTION of the
# largest step of the update (when weights explode, e.g. maximize, one step can round far above the
# weights' ulp through saturated units: 6.7e4 ulp, 5.6e-11 of the step, in this file's cases). A real mistake
# (a factor, a sign, a transpose, a maximize ignored) changes some step by a fraction of itself, far above
# both. Maximize and exploding runs are held to it too, update by update, until both sides overflow.
UPDATE_ULPS = 1e3
STEP_FRACTION = 1e-6
# Free-running drift bound: 1e6 ulp of the largest weight. A real mistake (a factor, a sign, a transpose)
# moves a weight by lr * |gradient| at the FIRST update, far above this; accumulated rounding does not.
DRIFT_ULPS = 1e6


def worst_update_error(experiment) -> tuple[float, int, float, float]:
    """(largest |numpy - torch| / (the per-update bound) over the updates, updates checked, largest |weight| at the
    start and at the end), NumPy resynced to torch before every update; stops at the update where a side
    overflows (both diverging alike is fine)."""
    run = Lockstep(experiment)
    eps = float(np.finfo(experiment.dtype).eps)
    worst, checked = 0.0, 0
    start = after = float(np.abs(run.numpy.theta).max())
    before = np.empty_like(run.numpy.theta)
    with np.errstate(all="ignore"):
        for _ in range(experiment.epochs):
            for X, T, indices in run.torch.loader:
                run.max_abs_diff()                  # gathers torch's parameters, which resync copies
                run.resync()
                before[...] = run.theirs
                run.torch.step(X, T)
                run.numpy.step(indices.numpy())
                m = run.max_abs_diff()
                theirs = run.theirs
                after = float(np.abs(theirs).max())
                if not (np.isfinite(after) and run.numpy.is_finite()):
                    return worst, checked, start, after
                bound = max(UPDATE_ULPS * eps * max(1.0, float(np.abs(before).max()), after),
                            STEP_FRACTION * float(np.abs(theirs - before).max()))
                worst = max(worst, m / bound)
                checked += 1
    return worst, checked, start, after


@settings(max_examples=220, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(experiments())
def test_lockstep_parity_for_any_network(experiment):
    """1. Every update is computed alike, every case: NumPy restarted from torch's state before each update,
    the difference after it stays within the per-update bound (above), until both sides overflow.
    2. Free-running, the accumulated drift stays below DRIFT_ULPS ulp of the weights (through the harness
    itself). The harness's fixed float64 atol (1e-12) is tuned on the presets; a random network can amplify
    rounding by 1e4 in a few updates (found by this test: 4-4-12-2-4 tanh, lr 0.3, drift 2e-12 while every
    single update agrees to 2e-16), so the free run is held to the looser bound here. Maximize and runs whose
    weights grew tenfold amplify last-bit differences exponentially: they have no drift bound (part 1 still
    checks each of their updates)."""
    assert experiment.total_updates >= MIN_UPDATES
    worst, checked, start, end = worst_update_error(experiment)
    assert worst <= 1, f"an update differs by {worst:.3g} x its bound ({experiment.describe()})"
    if checked < experiment.total_updates or experiment.maximize or end > 10 * start:
        return
    eps = float(np.finfo(experiment.dtype).eps)
    bound = DRIFT_ULPS * eps * max(1.0, start, end)
    with patch("compare.lockstep.pair.tolerance_for", lambda dtype: Tolerance(atol=bound, rtol=0.0)):
        try:
            report = run_parity(experiment)
        except DivergenceError:
            return
    assert report.ok and report.updates_checked == experiment.total_updates
