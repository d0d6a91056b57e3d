"""The loss's conventions (`reduction`, `bce_outputs`, `l2`, `l2_biases`): numpy_impl's gradients against
torch's autograd of the same loss written out here with torch.nn.functional (independent of torch_impl),
torch_impl's loss against the same, and the flags' validation."""

import itertools
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from numpy_impl import losses  # noqa: E402
from numpy_impl.activations import activate  # noqa: E402
from numpy_impl.network import backward, forward  # noqa: E402

SIZES = (3, 4, 2)
OUTPUT_OF = {"sum": "sigmoid", "mean": "tanh", "bce": "sigmoid", "cross_entropy": "softmax"}


def _network(seed=0, B=5):
    rng = np.random.default_rng(seed)
    W = [rng.uniform(-1, 1, (a, b)) for a, b in zip(SIZES[:-1], SIZES[1:])]
    b = [rng.uniform(-0.5, 0.5, (1, n)) for n in SIZES[1:]]
    X = rng.uniform(-2, 2, (B, SIZES[0]))
    return W, b, X, rng


def _torch_loss(loss, W, b, X, T, reduction, bce_outputs, l2, l2_biases):
    """The loss written out in torch: per-sample loss, reduced over the batch, plus l2/2 sum W^2."""
    Wt = [torch.tensor(w, requires_grad=True) for w in W]
    bt = [torch.tensor(c, requires_grad=True) for c in b]
    A = torch.tensor(X)
    out = OUTPUT_OF[loss]
    for l, (w, c) in enumerate(zip(Wt, bt)):
        Z = A @ w + c
        last = l == len(Wt) - 1
        A = Z if last and out == "softmax" else {"sigmoid": torch.sigmoid, "tanh": torch.tanh}[
            out if last else "sigmoid"](Z)
    T = torch.tensor(T)
    K = T.shape[1]
    if loss == "sum":
        per_sample = ((T - A) ** 2).sum(1) / 2
    elif loss == "mean":
        per_sample = ((T - A) ** 2).sum(1) / (2 * K)
    elif loss == "bce":
        per_sample = -(T * torch.log(A) + (1 - T) * torch.log(1 - A)).sum(1) / (K if bce_outputs == "mean" else 1)
    else:
        per_sample = -(T * F.log_softmax(A, dim=1)).sum(1)
    total = per_sample.mean() if reduction == "mean" else per_sample.sum()
    params = Wt + (bt if l2_biases else [])
    total = total + l2 / 2 * sum((p ** 2).sum() for p in params)
    total.backward()
    return float(total.detach()), [w.grad.numpy() for w in Wt], [c.grad.numpy() for c in bt]


CASES = [(loss, red, bo, l2, l2b) for loss, red, bo, (l2, l2b) in itertools.product(
    ("sum", "mean", "bce", "cross_entropy"), ("mean", "sum"), ("mean", "sum"), ((0.0, False), (0.3, False),
                                                                                 (0.3, True)))
    if bo == "mean" or loss == "bce"]


@pytest.mark.parametrize("loss,reduction,bce_outputs,l2,l2_biases", CASES)
def test_numpy_gradients_equal_torch_autograd(loss, reduction, bce_outputs, l2, l2_biases):
    W, b, X, rng = _network()
    T = np.eye(2)[[0, 1, 1, 0, 1]] if loss == "cross_entropy" else rng.uniform(0.1, 0.9, (5, 2))
    value_t, dW_t, db_t = _torch_loss(loss, W, b, X, T, reduction, bce_outputs, l2, l2_biases)
    acts = dict(hidden_activation="sigmoid", output_activation=OUTPUT_OF[loss])
    Zs, A = forward(W, b, X, **acts)
    dW, db = backward(W, Zs, A, T, loss=loss, reduction=reduction, bce_outputs=bce_outputs, l2=l2,
                      l2_biases=l2_biases, biases=b, **acts)
    for mine, theirs in zip(dW + db, dW_t + db_t):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15)
    value = losses.value(loss, Zs[-1], A[-1], T, reduction=reduction, bce_outputs=bce_outputs) + \
        losses.l2_penalty(W, b, l2, l2_biases)
    assert value == pytest.approx(value_t, rel=1e-13)


@pytest.mark.parametrize("loss,reduction,bce_outputs,l2,l2_biases", CASES)
def test_torch_impl_loss_equals_the_written_out_loss(loss, reduction, bce_outputs, l2, l2_biases):
    from torch_impl.losses import l2_penalty, make_loss
    from torch_impl.model import MLP

    W, b, X, rng = _network(1)
    T = np.eye(2)[[0, 1, 1, 0, 1]] if loss == "cross_entropy" else rng.uniform(0.1, 0.9, (5, 2))
    value_t, _, _ = _torch_loss(loss, W, b, X, T, reduction, bce_outputs, l2, l2_biases)
    model = MLP(SIZES, "sigmoid", OUTPUT_OF[loss])
    with torch.no_grad():
        for linear, w, c in zip(model.linears, W, b):
            linear.weight.copy_(torch.tensor(w.T))
            linear.bias.copy_(torch.tensor(c[0]))
    value = make_loss(loss, reduction, bce_outputs)(model(torch.tensor(X)), torch.tensor(T)) + \
        l2_penalty(model, l2, l2_biases)
    assert float(value.detach()) == pytest.approx(value_t, rel=1e-13)


@pytest.mark.parametrize("flags", [["--reduction", "sum"], ["--l2", "0.2"], ["--l2", "0.2", "--l2-biases"],
                                   ["--loss", "bce", "--bce-outputs", "sum", "--reduction", "sum"]])
def test_parity_holds_under_each_convention(flags):
    from compare.cli.main import main
    assert main(["exercise3", "--mode", "minibatch", "--epochs", "30", "--quiet", "--sizes", "3,4,2", *flags]) == 0


@pytest.mark.parametrize("flags,message", [
    (["--l2", "-1"], "--l2: expected a number >= 0, found -1.0"),
    (["--l2", "nan"], "--l2: expected a finite number"),
    (["--reduction", "avg"], "invalid choice: 'avg'"),
    (["--l2-biases"], "--l2-biases: puts the biases in the L2 penalty, but l2 = 0"),
    (["--l2", "0.1", "--l2-biases", "--bias", "false"], "--l2-biases: the network has no biases"),
    (["--bce-outputs", "sum"], "--bce-outputs: sums loss \"bce\" over the outputs, but the loss is \"sum\""),
])
def test_bad_conventions_are_one_line_exit_2(flags, message):
    done = subprocess.run([sys.executable, "-m", "compare", "hiring", *flags], capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_show_says_bce_summed_over_one_output_changes_nothing():
    done = subprocess.run([sys.executable, "-m", "compare", "hiring", "--loss", "bce", "--bce-outputs", "sum",
                           "--show"], capture_output=True, text=True)
    assert done.returncode == 0
    assert 'bce_outputs = "sum"  # one output: the sum over outputs is the mean, this changes nothing' in done.stdout
    import tomllib
    assert tomllib.loads(done.stdout)["train"]["bce_outputs"] == "sum"


def test_l2_is_not_weight_decay_and_both_can_be_set():
    """weight_decay (the optimizer's, applied to the gradient) and l2 (in the loss) both act: the run with
    both differs from either alone, and torch agrees on it."""
    from compare.experiment.sources import load_experiment
    from compare.lockstep.harness import run_parity

    runs = {}
    for name, over in {"l2": {"l2": 0.2, "l2_biases": True}, "wd": {"weight_decay": 0.2},
                       "both": {"l2": 0.2, "l2_biases": True, "weight_decay": 0.2}}.items():
        report = run_parity(load_experiment("hiring", {"epochs": 20, **over}))
        runs[name] = np.concatenate([w.ravel() for w in report.numpy.final_weights + report.numpy.final_biases])
    # with SGD, l2 on every parameter and weight_decay (on every parameter, torch's default) add the same
    # lambda * W to the gradient; both together add it twice
    np.testing.assert_allclose(runs["l2"], runs["wd"], rtol=1e-12)
    assert not np.allclose(runs["both"], runs["l2"], rtol=1e-6)


def test_activate_is_untouched_by_conventions():
    assert activate("sigmoid", np.zeros((1, 1)))[0, 0] == 0.5
