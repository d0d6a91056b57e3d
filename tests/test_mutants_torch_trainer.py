"""torch_impl/trainer.py, fast, for mutation testing: `TorchTrainer.step` on chosen rows against the same update
written out by hand (tests/test_mutants_trainer.py's autograd of the documented loss, then SGD), under the
conventions a config may leave out (torch's defaults then), without biases, with the biases out of weight
decay; `is_finite`, `outputs`, `log_loss`, `parameters` in the seed layout."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
import torch

from tests.test_mutants_trainer import B0, SIZES, W0, Bare, Full, T, X, close, torch_step
from torch_impl.trainer import TorchTrainer, torch_device


@dataclass(frozen=True)
class TorchBare(Bare):
    n_samples: int = 5
    device: str = "cpu"
    seed: int = 0
    resolved_order: str = "sequential"
    effective_batch_size: int = 2
    effective_samples_per_epoch: int = 5
    drop_last: bool = False


@dataclass(frozen=True)
class TorchFull(Full):
    n_samples: int = 5
    device: str = "cpu"
    seed: int = 0
    resolved_order: str = "sequential"
    effective_batch_size: int = 2
    effective_samples_per_epoch: int = 5
    drop_last: bool = False
    optimizer_options: dict = field(default_factory=lambda: {"lr": 0.5})


CONFIGS = [TorchBare(), TorchFull(), TorchFull(loss="sum", mse_scale=1.0, reduction="sum"),
           TorchFull(loss="bce", bce_outputs="sum"), TorchFull(loss="bce", reduction="sum", l2=0.3, l2_biases=True),
           TorchFull(l2=0.2), TorchFull(optimizer_options={"lr": 0.3, "weight_decay": 0.4}, weight_decay_biases=False),
           TorchBare(optimizer_options={"lr": 0.3, "weight_decay": 0.4}),
           TorchBare(loss="sum", hidden_activation="leaky_relu")]


@pytest.mark.parametrize("e", CONFIGS)
def test_steps_against_the_hand_written_update(e):
    trainer = TorchTrainer(e, W0, B0)
    W, b = [w.copy() for w in W0], [v.copy() for v in B0]
    for n, rows in enumerate(([3, 0], [4, 1], [2]), 1):
        W, b, _ = torch_step(e, rows, W, b)
        trainer.step(torch.tensor(X[rows]), torch.tensor(T[rows]))
        assert trainer.updates == n
        got_W, got_b = trainer.parameters()
        close(got_W + got_b, W + b)


def test_the_returned_loss_is_the_batch_loss_before_the_update():
    e = TorchFull(loss="sum", reduction="sum", l2=0.5)
    trainer = TorchTrainer(e, W0, B0)
    rows = [1, 3]
    a = 1 / (1 + np.exp(-(np.tanh(X[rows] @ W0[0] + B0[0]) @ W0[1] + B0[1])))
    want = float(((T[rows] - a) ** 2).sum() / 2) + 0.25 * sum(float((w ** 2).sum()) for w in W0)
    got = float(trainer.step(torch.tensor(X[rows]), torch.tensor(T[rows])).detach())
    assert got == pytest.approx(want, rel=1e-13)


def test_without_biases():
    e = TorchFull(bias=False, optimizer_options={"lr": 0.4, "weight_decay": 0.1})
    zero = [np.zeros_like(v) for v in B0]
    trainer = TorchTrainer(e, W0, zero)
    assert all(lin.bias is None for lin in trainer.model.linears)
    W, b = [w.copy() for w in W0], zero
    for rows in ([1, 2], [0]):
        W, b, _ = torch_step(e, rows, W, b, bias=False)
        trainer.step(torch.tensor(X[rows]), torch.tensor(T[rows]))
        got_W, got_b = trainer.parameters()
        close(got_W, W)
        assert all(v.shape == (1, n) and not v.any() for v, n in zip(got_b, SIZES[1:]))


def test_outputs_log_loss_flat_and_finite():
    trainer = TorchTrainer(TorchBare(), W0, B0)
    out = 1 / (1 + np.exp(-(np.tanh(X @ W0[0] + B0[0]) @ W0[1] + B0[1])))
    np.testing.assert_allclose(trainer.outputs(), out, rtol=1e-13)
    assert trainer.log_loss() == pytest.approx(float(np.mean((T - out) ** 2 / 2)), rel=1e-13)
    flat = trainer.flat_parameters()
    assert flat.tolist() == [*W0[0].T.ravel(), *B0[0].ravel(), *W0[1].T.ravel(), *B0[1].ravel()]
    got_W, got_b = trainer.parameters()
    assert [w.tolist() for w in got_W] == [w.tolist() for w in W0]
    assert [b.tolist() for b in got_b] == [b.tolist() for b in B0]
    got_W[0][0, 0] = 99.0
    assert trainer.parameters()[0][0][0, 0] == W0[0][0, 0]
    assert trainer.is_finite()
    with torch.no_grad():
        trainer.flat[3] = 1e200                    # the dot product overflows, every number is finite
    assert trainer.is_finite()
    with torch.no_grad():
        trainer.flat[4] = float("nan")
    assert not trainer.is_finite()


def test_softmax_outputs_are_probabilities():
    e = TorchBare(output_activation="softmax", loss="cross_entropy", targets=np.eye(2)[[0, 1, 1, 0, 1]])
    trainer = TorchTrainer(e, W0, B0)
    z = np.tanh(X @ W0[0] + B0[0]) @ W0[1] + B0[1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(trainer.outputs(), p / p.sum(axis=1, keepdims=True), rtol=1e-13)


def test_float32():
    trainer = TorchTrainer(TorchBare(dtype="float32"), W0, B0)
    assert trainer.flat.dtype == torch.float32 and trainer.X.dtype == torch.float32
    assert trainer.outputs().dtype == np.float32


@dataclass(frozen=True)
class Partial(TorchBare):
    """Some conventions given, the rest (bias, l2_biases) read with torch's defaults."""
    l2: float = 0.3
    weight_decay_biases: bool = False
    optimizer_options: dict = field(default_factory=lambda: {"lr": 0.3, "weight_decay": 0.4})


def test_a_partial_config_reads_the_rest_as_torchs_defaults():
    e = Partial()
    trainer = TorchTrainer(e, W0, B0)
    W, b, _ = torch_step(e, [0, 2], W0, B0)
    trainer.step(torch.tensor(X[[0, 2]]), torch.tensor(T[[0, 2]]))
    got_W, got_b = trainer.parameters()
    close(got_W + got_b, W + b)


def test_flat_parameters_is_a_live_view_on_the_cpu():
    trainer = TorchTrainer(TorchBare(), W0, B0)
    flat = trainer.flat_parameters()
    trainer.step(torch.tensor(X[[1]]), torch.tensor(T[[1]]))
    got_W, got_b = trainer.parameters()
    assert flat.tolist() == [*got_W[0].T.ravel(), *got_b[0].ravel(), *got_W[1].T.ravel(), *got_b[1].ravel()]


def test_torch_device(monkeypatch):
    assert torch_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert torch_device("cuda") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for built, words in ((None, "without"), ("12.1", "with")):
        monkeypatch.setattr(torch.version, "cuda", built)
        with pytest.raises(ValueError) as error:
            torch_device("cuda")
        assert str(error.value) == (f"device cuda: CUDA is not available on this machine (torch "
                                    f"{torch.__version__}, built {words} CUDA)")
