"""The tolerance the README promises is the one the harness applies: a parameter nudged after an update by
half the promised bound passes, by twice the bound fails, in float64 and in float32, for the parameters and
for the optimizer's state. The numbers come from the README's and docs' own sentences, parsed here, never
from `compare.running.tolerances`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from compare.errors import ParityError  # noqa: E402
from compare.experiment.sources import load_experiment  # noqa: E402
from compare.lockstep.harness import run_parity  # noqa: E402
from numpy_impl.trainer import NumpyTrainer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
OPTIMIZERS_DOC = (ROOT / "docs" / "optimizers.md").read_text(encoding="utf-8")


def promised(dtype: str) -> tuple[float, float]:
    """(atol, rtol) as the README's "Every update" paragraph states them for `dtype`."""
    found = re.search(dtype + r": `atol ([0-9.e-]+), rtol ([0-9.e-]+)`", README)
    assert found, f"the README no longer states the {dtype} tolerance as `atol X, rtol Y`"
    return float(found.group(1)), float(found.group(2))


def promised_state_float32() -> tuple[float, float]:
    found = re.search(r"atol ([0-9.e-]+) \+ rtol ([0-9.e-]+) \|torch\| in float32", OPTIMIZERS_DOC)
    assert found, "docs/optimizers.md no longer states the float32 state tolerance"
    return float(found.group(1)), float(found.group(2))


def test_the_readme_states_the_numbers_the_docs_state():
    assert promised("float64") == (1e-12, 1e-9)
    assert promised("float32") == (1e-5, 1e-5)
    assert "atol 1e-12, rtol 1e-9 in float64" in (ROOT / "docs" / "check-interface.md").read_text(encoding="utf-8")


def _nudged(index: int, delta: float, state: str | None = None):
    """A NumPy trainer whose parameter `index` (or state quantity `state` at `index`) moves by `delta` right
    after its first update: a disagreement of exactly that size, nothing else changed."""
    def make(e, weights, biases):
        trainer = NumpyTrainer(e, weights, biases)
        step = trainer.step
        done = []

        def stepped(samples):
            out = step(samples)
            if not done:
                if state is None:
                    trainer.theta[index] += delta
                else:
                    trainer.optimizer.flat_state[state][index] += delta
                done.append(1)
            return out
        trainer.step = stepped
        return trainer
    return make


def _experiment(dtype: str, **extra):
    return load_experiment("exercise3", {"epochs": 1, "mode": "batch", "dtype": dtype, **extra}, None)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_parameter_off_by_half_the_promised_bound_passes_and_by_twice_fails(dtype):
    atol, rtol = promised(dtype)
    e = _experiment(dtype)
    clean = run_parity(e)
    index = 0                                    # W1[0, 0], after the one update of this run
    value = abs(float(clean.torch.final_weights[0].ravel()[0]))
    bound = atol + rtol * value
    assert bound > 10 * max(clean.max_abs_diff, 1e-300)   # the run's own rounding is far below the bound
    run_parity(e, numpy_factory=_nudged(index, 0.5 * bound))
    with pytest.raises(ParityError):
        run_parity(e, numpy_factory=_nudged(index, 2.0 * bound))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_absolute_part_alone_on_a_weight_near_zero(dtype):
    """rtol |torch| is negligible next to atol on a bias that is 1e-3 of atol / rtol: the bound is atol."""
    atol, rtol = promised(dtype)
    e = _experiment(dtype)
    clean = run_parity(e)
    final = zip(clean.torch.final_weights, clean.torch.final_biases)
    flat = np.concatenate([a.ravel() for pair in final for a in pair])
    index = int(np.argmin(np.abs(flat)))
    bound = atol + rtol * abs(float(flat[index]))
    if rtol * abs(float(flat[index])) > 0.2 * atol:
        pytest.skip("no parameter near enough to 0 in this run")
    run_parity(e, numpy_factory=_nudged(index, 0.5 * bound))
    with pytest.raises(ParityError):
        run_parity(e, numpy_factory=_nudged(index, 2.0 * bound))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer, options, state", [
    ("adam", {}, "exp_avg"),                                          # a small state: atol decides
    ("adagrad", {"initial_accumulator_value": 100.0}, "sum"),        # a state of 100: rtol decides
])
def test_the_optimizer_state_is_held_to_its_promised_tolerance(dtype, optimizer, options, state):
    """docs/optimizers.md: the state uses the parameters' tolerance in float64, atol 1e-4 + rtol 1e-4 in
    float32. A state element nudged after the first update by half of that passes, by twice fails."""
    atol, rtol = promised("float64") if dtype == "float64" else promised_state_float32()
    e = _experiment(dtype, optimizer=optimizer, **options)
    clean = run_parity(e)
    probe = NumpyTrainer(e, *_initial(e))
    probe.step(np.arange(e.n_samples))
    value = abs(float(probe.optimizer.flat_state[state][0]))
    bound = atol + rtol * value
    assert clean.ok
    run_parity(e, numpy_factory=_nudged(0, 0.5 * bound, state=state))
    with pytest.raises(ParityError, match="optimizer state"):
        run_parity(e, numpy_factory=_nudged(0, 2.0 * bound, state=state))


def test_a_tolerance_is_frozen():
    from dataclasses import FrozenInstanceError

    from compare.running.tolerances import tolerance_for
    with pytest.raises(FrozenInstanceError):
        tolerance_for("float64").atol = 1.0


def _initial(e):
    from compare.experiment.initial import initial_parameters
    return initial_parameters(e)
