"""The bug zoo: each file in tests/zoo/ makes one classic mistake; `check` must catch it at the first update
where it shows, naming the right stage, layer and parameter, with the right hint. The oracle is torch's
autograd (the harness runs it live); the expected verdicts are written from the derivation by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from compare import ParityError, load_experiment
from compare.usercode.check import check_with_torch
from compare.usercode.load import UserCodeError, load_user_code

ZOO = Path(__file__).resolve().parent / "zoo"

# file, preset, overrides, (update, stage, layer, parameter), words every hint list must contain
CASES = [
    ("negated", "hiring", {}, (1, "gradient", 3, "W3"), ["exact negative"]),
    ("no_derivative", "hiring", {}, (1, "gradient", 3, "W3"),
     ["derivative of layer 3's activation (sigmoid) is missing"]),
    ("sigmoid_at_z", "hiring", {}, (1, "gradient", 3, "W3"), ["taken at Z"]),
    ("no_batch_average", "exercise3", {"mode": "batch"}, (1, "gradient", 3, "W3"),
     ["batch size B = 4", "average over the batch is missing"]),
    ("averaged_twice", "exercise3", {"mode": "batch"}, (1, "gradient", 3, "W3"), ["averaged over the batch twice"]),
    ("bias_one_row", "exercise3", {"mode": "batch"}, (1, "gradient", 3, "b3"),
     ["row 0 of delta3", "dW3 agrees, so delta3 is right"]),
    ("reversed_order", "exercise1", {}, (1, "gradient", 2, "W2"), ["equals torch's dW1", "wrong layer order"]),
    ("w_not_transposed", "exercise1", {}, (1, "gradient", 1, "W1"),
     ["through W2 instead of W2.T", "the layers above layer 1 agree"]),
    ("wrong_activations", "exercise1", {}, (1, "gradient", 2, "W2"), ["built from X (the inputs) instead of"]),
    ("other_loss_convention", "exercise1", {}, (1, "gradient", 2, "W2"),
     ["other loss convention", "K = 2", "2 explanations fit"]),
    ("mse_not_halved", "exercise3", {"mode": "minibatch"}, (1, "gradient", 3, "W3"),
     ["MSE instead of MSE/2", "batch size B = 2", "2 explanations fit"]),
    ("mse_not_halved", "hiring", {}, (1, "gradient", 3, "W3"), ["MSE instead of MSE/2"]),
    ("transposed_dw", "exercise1", {}, (1, "gradient", 2, "W2"), ["transposed"]),
    # a hard-coded batch size of 3: right on the first batch of 3, wrong on the last batch of 1 (update 2)
    ("fixed_batch_size", "exercise3", {"mode": "minibatch", "batch_size": 3, "order": "sequential"},
     (2, "gradient", 3, "W3"), ["divided by 3 where this batch has B = 1"]),
    ("forward_no_bias", "hiring", {}, (1, "forward", 3, "A3"), ["bias b3 is missing"]),
]


@pytest.mark.parametrize("name, preset, overrides, expected, words", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_zoo_bug_is_named(name, preset, overrides, expected, words):
    e = load_experiment(preset, {"epochs": 3, **overrides})
    with pytest.raises(ParityError) as caught:
        check_with_torch(load_user_code(ZOO / f"{name}.py"), e)
    f = caught.value.failure
    assert (f.update, f.stage, f.layer, f.parameter) == expected
    assert f.labels == ("yours", "torch") and f.ours != f.theirs
    hints = " | ".join(f.hints)
    for word in words:
        assert word in hints, f"{word!r} not in hints: {hints}"
    message = str(caught.value)
    assert message.startswith(f"check FAILED at update {expected[0]} (epoch ")
    assert f"stage {expected[1]}: layer {expected[2]}" in message
    assert caught.value.report is not None and not caught.value.report.ok


def test_at_least_ten_backward_files_in_the_zoo():
    files = [p for p in ZOO.glob("*.py") if "def backward" in p.read_text()]
    assert len(files) >= 10
    assert {c[0] for c in CASES} <= {p.stem for p in files}   # every zoo file: tests/test_check_suite.py


@pytest.mark.parametrize("name, preset, fragment", [
    ("transposed_dw", "hiring", "has shape (1, 2); expected (2, 1) (transposed?"),
    ("reversed_order", "hiring", "that is W3's shape: are the layers in the right order"),
])
def test_zoo_bug_caught_by_the_shape_check_where_layers_are_not_square(name, preset, fragment):
    with pytest.raises(UserCodeError) as caught:
        check_with_torch(load_user_code(ZOO / f"{name}.py"), load_experiment(preset, {"epochs": 2}))
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_harness_itself_names_the_stage():
    """`python -m compare`'s own failure path (numpy_impl vs torch) goes through the same replay: a numpy
    trainer with a wrong optimizer step is named at stage `update`, its gradients agreeing."""
    from compare.lockstep.harness import run_parity
    from numpy_impl.trainer import NumpyTrainer

    class HalfStep(NumpyTrainer):
        def step(self, indices):
            Zs, activations, dW, db = super().step(indices)
            if self.updates == 4:   # a bug that shows at update 4 only
                self.theta *= 1.0 + 1e-6
            return Zs, activations, dW, db

    e = load_experiment("exercise2", {"epochs": 5, "mode": "stochastic"})
    with pytest.raises(ParityError) as caught:
        run_parity(e, numpy_factory=HalfStep)
    f = caught.value.failure
    assert (f.update, f.stage) == (4, "update")
    assert f.layer == 3 and f.parameter in ("W3", "b3")
    assert "every gradient agree" in " ".join(f.hints)
    assert f.labels == ("numpy", "torch")
