"""numpy_impl's backward pass against two independent oracles: central finite differences of a loss written
here from scratch, and torch's autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compare import load_experiment
from numpy_impl.network import backward, forward
from tests.conftest import PRESETS


def reference_loss(Ws, bs, X, T, loss):
    """The experiment's loss for a sigmoid network, written independently of numpy_impl."""
    A = X
    for W, b in zip(Ws, bs):
        A = 1.0 / (1.0 + np.exp(-(A @ W + b)))
    per_sample = ((T - A) ** 2).sum(axis=1) / 2
    if loss == "mean":
        per_sample = per_sample / T.shape[1]
    return per_sample.mean()


def finite_differences(Ws, bs, X, T, loss, h=1e-6):
    grads = []
    for params in (Ws, bs):
        out = []
        for P in params:
            G = np.zeros_like(P)
            for idx in np.ndindex(P.shape):
                old = P[idx]
                P[idx] = old + h
                up = reference_loss(Ws, bs, X, T, loss)
                P[idx] = old - h
                down = reference_loss(Ws, bs, X, T, loss)
                P[idx] = old
                G[idx] = (up - down) / (2 * h)
            out.append(G)
        grads.append(out)
    return grads


def perturbed_start(e, seed):
    """The preset's weights moved off the initial point, so the check is not at one lucky spot."""
    rng = np.random.default_rng(seed)
    Ws = [np.array(w) + rng.normal(0, 0.3, np.shape(w)) for w in e.init_weights]
    bs = [np.array(b) + rng.normal(0, 0.3, np.shape(b)) for b in e.init_biases]
    return Ws, bs


@pytest.mark.parametrize("loss", ["sum", "mean"])
@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("seed", [0, 1])
def test_backward_matches_finite_differences(name, loss, seed):
    e = load_experiment(name)
    Ws, bs = perturbed_start(e, seed)
    X, T = np.array(e.inputs), np.array(e.targets)
    Zs, activations = forward(Ws, bs, X)
    dW, db = backward(Ws, Zs, activations, T, loss=loss)
    fd_W, fd_b = finite_differences(Ws, bs, X, T, loss)
    for l in range(len(Ws)):
        assert dW[l].shape == Ws[l].shape and db[l].shape == bs[l].shape
        # central differences with h = 1e-6 are accurate to ~1e-10 on these O(1) functions
        np.testing.assert_allclose(dW[l], fd_W[l], rtol=1e-6, atol=1e-9, err_msg=f"dW{l + 1}")
        np.testing.assert_allclose(db[l], fd_b[l], rtol=1e-6, atol=1e-9, err_msg=f"db{l + 1}")


@pytest.mark.parametrize("loss", ["sum", "mean"])
@pytest.mark.parametrize("name", PRESETS)
def test_backward_matches_torch_autograd(name, loss):
    e = load_experiment(name)
    Ws, bs = perturbed_start(e, 3)
    X, T = np.array(e.inputs), np.array(e.targets)
    tW = [torch.tensor(w, requires_grad=True) for w in Ws]
    tb = [torch.tensor(b, requires_grad=True) for b in bs]
    A = torch.tensor(X)
    for W, b in zip(tW, tb):
        A = torch.sigmoid(A @ W + b)
    per_sample = ((torch.tensor(T) - A) ** 2).sum(dim=1) / 2
    if loss == "mean":
        per_sample = per_sample / T.shape[1]
    per_sample.mean().backward()
    Zs, activations = forward(Ws, bs, X)
    dW, db = backward(Ws, Zs, activations, T, loss=loss)
    for l in range(len(Ws)):
        np.testing.assert_allclose(dW[l], tW[l].grad.numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(db[l], tb[l].grad.numpy(), rtol=1e-12, atol=1e-15)


def test_loss_conventions_differ_by_the_number_of_outputs():
    """exercise1 has 2 outputs: "sum" gradients are exactly twice the "mean" ones (the spec's factor K)."""
    e = load_experiment("exercise1")
    Ws, bs = perturbed_start(e, 5)
    X, T = np.array(e.inputs), np.array(e.targets)
    Zs, activations = forward(Ws, bs, X)
    g_sum = backward(Ws, Zs, activations, T, loss="sum")
    g_mean = backward(Ws, Zs, activations, T, loss="mean")
    for a, b in zip(g_sum[0] + g_sum[1], g_mean[0] + g_mean[1]):
        np.testing.assert_allclose(a, 2 * b, rtol=1e-14)


def test_backward_does_not_mutate_its_inputs():
    e = load_experiment("exercise3")
    Ws, bs = perturbed_start(e, 0)
    X, T = np.array(e.inputs), np.array(e.targets)
    Zs, activations = forward(Ws, bs, X)
    before = [a.copy() for a in Ws + bs + Zs + activations]
    backward(Ws, Zs, activations, T)
    for a, b in zip(before, Ws + bs + Zs + activations):
        np.testing.assert_array_equal(a, b)
