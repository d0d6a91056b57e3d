"""compare/running/loops.py, fast, for mutation testing: `train_numpy` against the same training written out
here in torch (NumPy's order: default_rng(seed), a new permutation each epoch, or draws with replacement; the
last partial batch; drop_last; the loss logged on report epochs), `train_torch` against it where the orders
agree, the callbacks, the first non-finite update named on both sides, and the device check."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from compare.errors import DivergenceError, ExperimentError
from compare.experiment.sources import load_experiment
from compare.running import loops


def start(e):
    return [np.array(w) for w in e.init_weights], [np.array(b) for b in e.init_biases]


def reference(e, batches_of_epoch):
    """SGD on the documented loss "sum" (per sample sum_k (t - a)^2 / 2, mean over the batch), sigmoid
    layers, the batches given per epoch; the data-set loss mean((T - A)^2 / 2) on report epochs."""
    W0, b0 = start(e)
    W = [torch.tensor(w, requires_grad=True) for w in W0]
    b = [torch.tensor(v, requires_grad=True) for v in b0]
    X, T = torch.tensor(e.inputs), torch.tensor(e.targets)

    def out(x):
        for w, v in zip(W, b):
            x = torch.sigmoid(x @ w + v)
        return x
    log, updates = [], 0
    for epoch in range(e.epochs):
        for rows in batches_of_epoch(epoch):
            loss = (((T[rows] - out(X[rows])) ** 2).sum(dim=1) / 2).mean()
            grads = torch.autograd.grad(loss, W + b)
            with torch.no_grad():
                for p, g in zip(W + b, grads):
                    p -= e.lr * g
            updates += 1
        if epoch % e.report_every == 0:
            with torch.no_grad():
                log.append((epoch, float(((T - out(X)) ** 2 / 2).mean())))
    with torch.no_grad():
        return log, updates, [w.detach().numpy() for w in W], [v.detach().numpy() for v in b], out(X).numpy()


def check(history, want, e):
    log, updates, W, b, outputs = want
    assert [ep for ep, _ in history.loss_log] == [ep for ep, _ in log]
    np.testing.assert_allclose([v for _, v in history.loss_log], [v for _, v in log], rtol=1e-12)
    assert history.updates == updates
    for got, ref in zip(history.final_weights + history.final_biases, W + b):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(history.outputs, outputs, rtol=1e-12)
    W0, b0 = start(e)
    assert all(np.array_equal(g, w) for g, w in zip(history.initial_weights + history.initial_biases, W0 + b0))


def test_numpy_shuffle_with_a_last_partial_batch():
    e = load_experiment("exercise3", {"mode": "minibatch", "order": "shuffle", "batch_size": 3, "epochs": 5,
                                      "report_every": 2, "lr": 0.5, "seed": 7})
    rng = np.random.default_rng(7)
    perms = [rng.permutation(4) for _ in range(5)]
    want = reference(e, lambda epoch: [perms[epoch][:3].tolist(), perms[epoch][3:].tolist()])
    seen = []
    history = loops.train_numpy(e, *start(e), on_epoch=lambda epoch, loss: seen.append((epoch, loss)))
    check(history, want, e)
    assert history.implementation == "numpy" and history.updates == 10
    assert [ep for ep, _ in seen] == [0, 1, 2, 3, 4]
    assert [loss is None for _, loss in seen] == [False, True, False, True, False]
    assert [loss for _, loss in seen if loss is not None] == [v for _, v in history.loss_log]


def test_numpy_replacement_drop_last():
    e = load_experiment("exercise3", {"mode": "minibatch", "order": "replacement", "batch_size": 2,
                                      "samples_per_epoch": 5, "drop_last": True, "epochs": 3, "report_every": 1,
                                      "lr": 0.7, "seed": 3})
    rng = np.random.default_rng(3)
    draws = [rng.integers(0, 4, size=5) for _ in range(3)]
    want = reference(e, lambda epoch: [draws[epoch][:2].tolist(), draws[epoch][2:4].tolist()])
    check(loops.train_numpy(e, *start(e)), want, e)


@pytest.mark.parametrize("mode", ["batch", "stochastic-sequential"])
def test_torch_and_numpy_where_the_orders_agree(mode):
    if mode == "batch":
        e = load_experiment("exercise3", {"mode": "batch", "epochs": 4, "report_every": 3, "lr": 0.9})
        batches = [[0, 1, 2, 3]]
    else:
        e = load_experiment("exercise3", {"mode": "stochastic", "order": "sequential", "epochs": 3,
                                          "report_every": 1, "lr": 0.4})
        batches = [[0], [1], [2], [3]]
    want = reference(e, lambda epoch: batches)
    seen = []
    history = loops.train_torch(e, *start(e), on_epoch=lambda epoch, loss: seen.append(epoch))
    assert history.implementation == "torch"
    check(history, want, e)
    assert seen == list(range(e.epochs))
    check(loops.train_numpy(e, *start(e)), want, e)


def exploding(lr):
    e = load_experiment("exercise3", {"mode": "stochastic", "order": "sequential", "epochs": 4, "lr": 1.0,
                                      "hidden_activation": "identity", "output_activation": "identity"})
    return dataclasses.replace(e, lr=lr)


def first(named):
    """'name[i, j] = value' of the first non-finite number of the (name, array) pairs, by hand."""
    for name, array in named:
        for (i, j), v in np.ndenumerate(array):
            if not np.isfinite(v):
                return f"{name}[{i}, {j}] = {float(v)!r}"
    return None


def first_bad_update(e):
    """The first update after which a parameter is not finite, by hand (identity layers, loss "sum", SGD);
    and what each side names: NumPy the first non-finite stage of the update (Z1, A1, ..., dW_L, db_L, ...,
    dW1, db1) or else parameter; torch the batch loss when it is not finite, else the first parameter."""
    W, b = start(e)
    X, T = e.inputs, e.targets
    update = 0
    with np.errstate(all="ignore"):
        for epoch in range(e.epochs):
            for batch, row in enumerate(range(4)):
                A = [X[[row]]]
                for w, v in zip(W, b):
                    A.append(A[-1] @ w + v)
                loss = float(((A[-1] - T[[row]]) ** 2).sum() / 2)
                delta = A[-1] - T[[row]]
                grads = []
                for l in range(len(W) - 1, -1, -1):
                    gW, gb = A[l].T @ delta, delta
                    grads += [(f"dW{l + 1}", gW), (f"db{l + 1}", gb)]
                    delta = delta @ W[l].T
                    W[l] = W[l] - e.lr * gW
                    b[l] = b[l] - e.lr * gb
                update += 1
                params = [(f"{k}{l + 1}", p) for l in range(len(W)) for k, p in (("W", W[l]), ("b", b[l]))]
                if not all(np.isfinite(p).all() for _, p in params):
                    stages = [(f"{k}{l}", A[l]) for l in range(1, len(A)) for k in ("Z", "A")] + grads
                    numpy_found = first(stages) or first(params)
                    torch_found = f"the batch loss is {loss!r}" if not np.isfinite(loss) else \
                        f"first non-finite value {first(params)}"
                    return (update, epoch, batch, row), f"first non-finite value {numpy_found}", torch_found
    raise AssertionError("never diverged")


@pytest.mark.parametrize("lr,when,finite_loss", [(1e150, (2, 0, 1, 1), False), (1e4, (4, 0, 3, 3), False),
                                                  (1.5e308, (1, 0, 0, 0), True)])
def test_divergence_named_on_both_sides(lr, when, finite_loss):
    e = exploding(lr)
    (update, epoch, batch, row), numpy_found, torch_found = first_bad_update(e)
    assert (update, epoch, batch, row) == when and torch_found.startswith("first") is finite_loss
    where = f"training diverged at update {update} (epoch {epoch}, batch {batch}, samples [{row}]): "
    tail = f"; the learning rate (lr {lr:g}) is probably too large for this network and data"
    with pytest.raises(DivergenceError) as numpy_error:
        loops.train_numpy(e, *start(e))
    assert str(numpy_error.value) == where + numpy_found + tail and numpy_error.value.update == update
    with pytest.raises(DivergenceError) as torch_error:
        loops.train_torch(e, *start(e))
    assert str(torch_error.value) == where + torch_found + tail and torch_error.value.update == update


def test_a_finite_run_never_diverges_and_logs_at_report_epochs():
    e = load_experiment("exercise3", {"mode": "batch", "epochs": 7, "report_every": 3, "lr": 2.0})
    history = loops.train_numpy(e, *start(e))
    assert [ep for ep, _ in history.loss_log] == [0, 3, 6] and history.updates == 7


def test_device_check(monkeypatch):
    e = load_experiment("exercise3", {"epochs": 1})
    loops.check_device(e)                                           # the CPU: always there
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    cuda = dataclasses.replace(e, device="cuda")
    built = "with" if torch.version.cuda else "without"
    for flag, where in ((None, f"{e.source}: train.device"), ("--device", "--device")):
        with pytest.raises(ExperimentError) as error:
            loops.check_device(cuda, flag)
        assert str(error.value) == (f"{where}: expected a device this machine has (cpu; CUDA is not available to "
                                    f"torch {torch.__version__}, built {built} CUDA), found \"cuda\"")
    with pytest.raises(ExperimentError):
        loops.torch_trainer(cuda, *start(e))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    loops.check_device(cuda)                                        # a machine with CUDA: accepted
    loops.require_torch()
