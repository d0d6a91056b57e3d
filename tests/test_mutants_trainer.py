"""numpy_impl/trainer.py and numpy_impl/schedule.py, fast, for mutation testing: `NumpyTrainer.step` on chosen
sample rows against the same update written in torch here (autograd of the documented loss, then SGD by hand),
under the conventions a config may leave out (torch's defaults then), without biases, with the biases out of
weight decay; batches of different sizes one after the other (the last partial batch); `is_finite`, `evaluate`,
`log_loss`, `parameters`; and the epoch's batches (`epoch_batches`) by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from numpy_impl.schedule import epoch_batches
from numpy_impl.trainer import NumpyTrainer

SIZES = (3, 4, 2)
RNG = np.random.default_rng(5)
X = RNG.normal(size=(5, 3))                                     # (N, n_0), every row different
T = RNG.uniform(0.1, 0.9, size=(5, 2))                          # (N, n_L)
W0 = [RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2))]
B0 = [RNG.normal(size=(1, 4)), RNG.normal(size=(1, 2))]


@dataclass(frozen=True)
class Bare:
    """Only the attributes the Protocol requires: every convention read with torch's default."""
    loss: str = "mean"
    hidden_activation: str = "tanh"
    output_activation: str = "sigmoid"
    optimizer_options: dict = field(default_factory=lambda: {"lr": 0.5})
    sizes: tuple = SIZES
    inputs: np.ndarray = field(default_factory=lambda: X)
    targets: np.ndarray = field(default_factory=lambda: T)
    dtype: str = "float64"
    leaky_slope: float = 0.1
    optimizer: str = "sgd"


@dataclass(frozen=True)
class Full(Bare):
    reduction: str = "mean"
    bce_outputs: str = "mean"
    l2: float = 0.0
    l2_biases: bool = False
    mse_scale: float = 0.5
    bias: bool = True
    weight_decay_biases: bool = True


def torch_step(e, rows, W, b, bias=True):
    """The documented loss on rows `rows`, its gradients by autograd, and plain SGD (with weight decay)."""
    Wt = [torch.tensor(w, requires_grad=True) for w in W]
    bt = [torch.tensor(v, requires_grad=bias) for v in b]
    a = torch.tensor(X[rows])
    t = torch.tensor(T[rows])
    acts = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
            "leaky_relu": lambda z: F.leaky_relu(z, e.leaky_slope)}
    for l, (w, v) in enumerate(zip(Wt, bt)):
        a = acts[e.hidden_activation if l == 0 else e.output_activation](a @ w + v)
    scale = getattr(e, "mse_scale", 0.5)
    if e.loss == "mean":
        per = scale * ((t - a) ** 2).sum(dim=1) / t.shape[1]
    elif e.loss == "sum":
        per = scale * ((t - a) ** 2).sum(dim=1)
    else:                                                          # bce
        per = F.binary_cross_entropy(a, t, reduction="none").sum(dim=1)
        per = per if getattr(e, "bce_outputs", "mean") == "sum" else per / t.shape[1]
    loss = per.sum() if getattr(e, "reduction", "mean") == "sum" else per.mean()
    l2 = getattr(e, "l2", 0.0)
    loss = loss + l2 / 2 * sum((w ** 2).sum() for w in Wt + (bt if getattr(e, "l2_biases", False) else []))
    loss.backward()
    lr = e.optimizer_options["lr"]
    decay = e.optimizer_options.get("weight_decay", 0.0)
    new_W = [(w - lr * (w.grad + decay * w)).detach().numpy() for w in Wt]
    bias_decay = decay if getattr(e, "weight_decay_biases", True) else 0.0
    new_b = [(v - lr * (v.grad + bias_decay * v)).detach().numpy() if bias else v.detach().numpy() for v in bt]
    return new_W, new_b, [w.grad.numpy() for w in Wt]


def close(got, want):
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


CONFIGS = [Bare(), Full(), Full(loss="sum", mse_scale=1.0, reduction="sum"), Full(loss="bce", bce_outputs="sum"),
           Full(loss="bce", reduction="sum", l2=0.3, l2_biases=True), Full(l2=0.2),
           Full(optimizer_options={"lr": 0.3, "weight_decay": 0.4}, weight_decay_biases=False),
           Bare(optimizer_options={"lr": 0.3, "weight_decay": 0.4}), Bare(loss="sum", hidden_activation="leaky_relu")]


@pytest.mark.parametrize("e", CONFIGS)
def test_steps_against_torch(e):
    """Three steps on rows [3, 0], [4, 1], [2]: each the rows asked for, in that order, the last one alone."""
    trainer = NumpyTrainer(e, W0, B0)
    W, b = [w.copy() for w in W0], [v.copy() for v in B0]
    for n, rows in enumerate(([3, 0], [4, 1], [2]), 1):
        W, b, dW_t = torch_step(e, rows, W, b)
        Zs, activations, dW, _ = trainer.step(np.array(rows))
        assert trainer.updates == n
        np.testing.assert_array_equal(activations[0], X[rows])
        close(trainer.weights + trainer.biases, W + b)
        if not getattr(e, "l2", 0.0):
            close(dW, dW_t)       # the loss's own gradient (the L2 term: autograd's, checked through W)


def test_without_biases():
    e = Full(bias=False, optimizer_options={"lr": 0.4, "weight_decay": 0.1})
    zero = [np.zeros_like(v) for v in B0]
    trainer = NumpyTrainer(e, W0, zero)
    W, b = [w.copy() for w in W0], zero
    for rows in ([1, 2], [0]):
        W, b, _ = torch_step(e, rows, W, b, bias=False)
        _, _, _, db = trainer.step(np.array(rows))
        assert all(not g.any() for g in db)
        close(trainer.weights, W)
        assert all(not v.any() for v in trainer.biases)


def test_gradients_evaluate_log_loss_parameters():
    e = Bare()
    trainer = NumpyTrainer(e, W0, B0)
    rows = [0, 1, 2, 3, 4]
    _, _, dW_t = torch_step(e, rows, W0, B0)
    dW, _ = trainer.gradients(X, T)
    close(dW, dW_t)
    close(trainer.weights + trainer.biases, W0 + B0)             # untouched
    _, acts = trainer.evaluate()
    out = torch.sigmoid(torch.tanh(torch.tensor(X) @ torch.tensor(W0[0]) + torch.tensor(B0[0]))
                        @ torch.tensor(W0[1]) + torch.tensor(B0[1])).numpy()
    np.testing.assert_allclose(acts[-1], out, rtol=1e-13)
    assert trainer.log_loss() == pytest.approx(float(np.mean((T - out) ** 2 / 2)), rel=1e-13)
    Ws, bs = trainer.parameters()
    Ws[0][0, 0] = 99.0
    bs[1][0, 0] = 99.0
    assert trainer.weights[0][0, 0] == W0[0][0, 0] and trainer.biases[1][0, 0] == B0[1][0, 0]
    assert trainer.theta.tolist() == [*W0[0].ravel(), *B0[0].ravel(), *W0[1].ravel(), *B0[1].ravel()]


@dataclass(frozen=True)
class OnlyL2(Bare):
    l2: float = 0.3            # and no l2_biases: the biases stay out of the penalty, as torch's default


def test_a_partial_config_reads_the_rest_as_torchs_defaults():
    e = OnlyL2()
    trainer = NumpyTrainer(e, W0, B0)
    W, b, _ = torch_step(e, [0, 2], W0, B0)
    trainer.step(np.array([0, 2]))
    close(trainer.weights + trainer.biases, W + b)


def test_log_loss_of_a_deeper_softmax_network():
    """Cross-entropy reads the logits Z_L of the last layer (not of another one)."""
    sizes = (3, 4, 5, 2)
    rng = np.random.default_rng(8)
    W = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    b = [rng.normal(size=(1, n)) for n in sizes[1:]]
    T1 = np.eye(2)[[0, 1, 1, 0, 1]]
    e = Bare(sizes=sizes, loss="cross_entropy", output_activation="softmax", targets=T1)
    trainer = NumpyTrainer(e, W, b)
    z = np.tanh(np.tanh(X @ W[0] + b[0]) @ W[1] + b[1]) @ W[2] + b[2]
    want = float(F.cross_entropy(torch.tensor(z), torch.tensor(T1)))
    assert trainer.log_loss() == pytest.approx(want, rel=1e-13)


def test_float32_and_is_finite():
    trainer = NumpyTrainer(Bare(dtype="float32"), W0, B0)
    assert trainer.theta.dtype == np.float32 and trainer.X.dtype == trainer.T.dtype == np.float32
    trainer.step(np.array([0, 1]))
    assert trainer.is_finite()
    trainer = NumpyTrainer(Bare(), W0, B0)
    trainer.theta[3] = 1e200                        # the dot product overflows, every number is finite
    assert trainer.is_finite()
    trainer.theta[4] = np.inf
    assert not trainer.is_finite()
    trainer.theta[4] = np.nan
    assert not trainer.is_finite()


def test_wrong_initial_shapes_named():
    with pytest.raises(ValueError, match=r"initial layer 2: expected W \(4, 2\) and b \(1, 2\), found \(2, 4\) "
                                         r"and \(1, 2\)"):
        NumpyTrainer(Bare(), W0[:1] + [W0[1].T], B0)
    with pytest.raises(ValueError, match=r"initial layer 1: expected W \(3, 4\) and b \(1, 4\), found \(3, 4\) "
                                         r"and \(4,\)"):
        NumpyTrainer(Bare(), W0, [B0[0].ravel(), B0[1]])


def test_workspaces_one_per_batch_size():
    trainer = NumpyTrainer(Bare(), W0, B0)
    first = trainer.workspace(2)
    assert trainer.workspace(2) is first and trainer.workspace(1) is not first
    assert trainer.workspace(1).batch_size == 1 and first.batch_size == 2
    assert first.grad is trainer.grad


def test_epoch_batches_by_hand():
    rng = np.random.default_rng(0)
    seq = epoch_batches(rng, 7, 3, "sequential", 7, False)
    assert [b.tolist() for b in seq] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in epoch_batches(rng, 7, 3, "sequential", 7, True)] == [[0, 1, 2], [3, 4, 5]]
    assert [b.tolist() for b in epoch_batches(rng, 6, 3, "sequential", 6, True)] == [[0, 1, 2], [3, 4, 5]]
    assert [b.tolist() for b in epoch_batches(rng, 2, 3, "sequential", 2, True)] == []
    assert [b.tolist() for b in epoch_batches(rng, 4, 1, "sequential", 4, False)] == [[0], [1], [2], [3]]
    # shuffle: a new permutation of numpy's generator every epoch; replacement: integers in [0, n)
    rng = np.random.default_rng(11)
    mine = np.random.default_rng(11)
    for _ in range(2):
        got = np.concatenate(epoch_batches(rng, 7, 2, "shuffle", 7, False))
        assert got.tolist() == mine.permutation(7).tolist()
    got = epoch_batches(rng, 7, 4, "replacement", 9, False)
    assert [len(b) for b in got] == [4, 4, 1]
    assert np.concatenate(got).tolist() == mine.integers(0, 7, size=9).tolist()
    with pytest.raises(ValueError, match="unknown order 'random'"):
        epoch_batches(rng, 7, 2, "random", 7, False)
