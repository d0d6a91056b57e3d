"""numpy_impl/network.py, fast, for mutation testing: forward (every Z and A) and backward (every dW, db and
per-sample delta) of a three-layer network against torch autograd, under every convention backward takes
(reduction, bce_outputs, mse_scale, l2 with and without the biases), a different hidden and output activation,
into a given workspace or a fresh one, in float64 and float32."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from numpy_impl.network import backward, forward
from numpy_impl.workspace import Workspace

SIZES = (3, 4, 5, 2)
Bn = 6
RNG = np.random.default_rng(9)
X = RNG.normal(size=(Bn, 3))
W = [RNG.normal(size=(a, b)) for a, b in zip(SIZES[:-1], SIZES[1:])]
B = [RNG.normal(size=(1, b)) for b in SIZES[1:]]
T_REAL = RNG.normal(size=(Bn, 2))
T_PROB = RNG.uniform(0.05, 0.95, size=(Bn, 2))
T_HOT = np.eye(2)[[0, 1, 1, 0, 1, 0]]
SLOPE = 0.2
TORCH_F = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "identity": lambda z: z,
           "leaky_relu": lambda z: F.leaky_relu(z, SLOPE), "relu": torch.relu, "softmax": lambda z: z}


def torch_reference(loss, hidden, output, T, reduction="mean", bce_outputs="mean", l2=0.0, l2_biases=False,
                    mse_scale=0.5, dtype=torch.float64):
    Wt = [torch.tensor(w, dtype=dtype, requires_grad=True) for w in W]
    bt = [torch.tensor(b, dtype=dtype, requires_grad=True) for b in B]
    a, t = torch.tensor(X, dtype=dtype), torch.tensor(T, dtype=dtype)
    Zs, As = [], []
    for l, (w, b) in enumerate(zip(Wt, bt)):
        z = a @ w + b
        z.retain_grad()
        a = TORCH_F[output if l == len(Wt) - 1 else hidden](z)
        Zs.append(z)
        As.append(a)
    K = t.shape[1]
    if loss == "sum":
        per = mse_scale * ((t - a) ** 2).sum(dim=1)
    elif loss == "mean":
        per = mse_scale * ((t - a) ** 2).sum(dim=1) / K
    elif loss == "bce":
        per = F.binary_cross_entropy(a, t, reduction="none").sum(dim=1) / (1 if bce_outputs == "sum" else K)
    else:
        per = F.cross_entropy(a, t, reduction="none")
    total = per.sum() if reduction == "sum" else per.mean()
    penalty = l2 / 2 * sum((p ** 2).sum() for p in Wt + (bt if l2_biases else []))
    (total + penalty).backward()
    n = 1 if reduction == "sum" else t.shape[0]        # the per-sample delta is B times dL/dZ under the mean
    return ([z.detach().numpy() for z in Zs], [a.detach().numpy() for a in As], [w.grad.numpy() for w in Wt],
            [b.grad.numpy() for b in bt], [z.grad.numpy() * n for z in Zs])


CASES = [  # (loss, hidden, output, T, conventions)
    ("sum", "tanh", "sigmoid", T_REAL, {}),
    ("mean", "leaky_relu", "identity", T_REAL, {"reduction": "sum", "mse_scale": 1.0}),
    ("sum", "sigmoid", "tanh", T_REAL, {"l2": 0.3}),
    ("mean", "relu", "leaky_relu", T_REAL, {"l2": 0.3, "l2_biases": True, "reduction": "sum"}),
    ("bce", "tanh", "sigmoid", T_PROB, {"bce_outputs": "sum"}),
    ("bce", "identity", "sigmoid", T_PROB, {"reduction": "sum", "l2": 0.1}),
    ("cross_entropy", "tanh", "softmax", T_HOT, {}),
]


@pytest.mark.parametrize("loss,hidden,output,T,conv", CASES)
@pytest.mark.parametrize("given", [False, True])
def test_forward_and_backward_against_autograd(loss, hidden, output, T, conv, given):
    Zs_t, As_t, dW_t, db_t, deltas_t = torch_reference(loss, hidden, output, T, **conv)
    ws = Workspace(SIZES, Bn, np.dtype("float64")) if given else None
    acts = {"hidden_activation": hidden, "output_activation": output, "leaky_slope": SLOPE}
    Zs, activations = forward(W, B, X, workspace=ws, **acts)
    assert len(Zs) == 3 and len(activations) == 4 and activations[0] is not None
    np.testing.assert_array_equal(activations[0], X)
    for got, want in zip(Zs, Zs_t):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    if output == "softmax":
        want_out = torch.softmax(torch.tensor(Zs_t[-1]), dim=1).numpy()
        np.testing.assert_allclose(activations[-1], want_out, rtol=1e-13)
    for got, want in zip(activations[1:-1] if output == "softmax" else activations[1:], As_t):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    deltas: list = ["left over"]
    dW, db = backward(W, Zs, activations, T, loss=loss, biases=B, deltas=deltas, workspace=ws, **acts, **conv)
    if given:
        assert all(g is w for g, w in zip(dW, ws.dW)) and all(g is w for g, w in zip(db, ws.db))
    for got, want in zip(dW + db + deltas, dW_t + db_t + deltas_t):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)
    assert len(deltas) == 3


def test_l2_biases_needs_the_biases_and_the_deltas_never_see_l2():
    T = T_REAL
    acts = {"hidden_activation": "tanh", "output_activation": "identity"}
    Zs, activations = forward(W, B, X, **acts)
    plain_W, plain_b = backward(W, Zs, activations, T, loss="sum", **acts)
    plain_W, plain_b = [w.copy() for w in plain_W], [b.copy() for b in plain_b]
    d1: list = []
    dW, db = backward(W, Zs, activations, T, loss="sum", l2=0.5, l2_biases=True, deltas=d1, **acts)   # no biases
    for got, want, w in zip(dW, plain_W, W):
        np.testing.assert_allclose(got, want + 0.5 * w, rtol=1e-13, atol=1e-15)
    for got, want in zip(db, plain_b):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    d0: list = []
    backward(W, Zs, activations, T, loss="sum", deltas=d0, **acts)
    for a, b in zip(d0, d1):
        np.testing.assert_array_equal(a, b)
    dW, db = backward(W, Zs, activations, T, loss="sum", l2=0.5, biases=B, **acts)     # biases given, not asked
    for got, want in zip(db, plain_b):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_defaults_are_the_lessons():
    """No keyword: sigmoid layers, the seed's loss "sum", the batch mean, leaky slope 0.01 unused."""
    Zs_t, As_t, dW_t, db_t, _ = torch_reference("sum", "sigmoid", "sigmoid", T_PROB)
    Zs, activations = forward(W, B, X)
    np.testing.assert_allclose(activations[-1], As_t[-1], rtol=1e-13)
    dW, db = backward(W, Zs, activations, T_PROB)
    for got, want in zip(dW + db, dW_t + db_t):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)


def test_default_leaky_slope_is_torchs():
    """leaky_relu layers with no slope given: torch's LeakyReLU default, 0.01, in both passes."""
    Wt = [torch.tensor(w, requires_grad=True) for w in W]
    bt = [torch.tensor(b, requires_grad=True) for b in B]
    a = torch.tensor(X)
    for w, b in zip(Wt, bt):
        a = F.leaky_relu(a @ w + b)
    (((torch.tensor(T_REAL) - a) ** 2).sum(dim=1) / 2).mean().backward()
    acts = {"hidden_activation": "leaky_relu", "output_activation": "leaky_relu"}
    Zs, activations = forward(W, B, X, **acts)
    np.testing.assert_allclose(activations[-1], a.detach().numpy(), rtol=1e-13, atol=1e-15)
    dW, db = backward(W, Zs, activations, T_REAL, **acts)
    for got, want in zip(dW + db, [w.grad.numpy() for w in Wt] + [b.grad.numpy() for b in bt]):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)


def test_float32_stays_float32():
    X32 = X.astype(np.float32)
    W32, B32 = [w.astype(np.float32) for w in W], [b.astype(np.float32) for b in B]
    Zs, activations = forward(W32, B32, X32, hidden_activation="tanh")
    assert all(z.dtype == np.float32 for z in Zs) and activations[-1].dtype == np.float32
    dW, db = backward(W32, Zs, activations, T_PROB.astype(np.float32), hidden_activation="tanh")
    assert all(g.dtype == np.float32 for g in dW + db)
    _, _, dW_t, db_t, _ = torch_reference("sum", "tanh", "sigmoid", T_PROB)
    for got, want in zip(dW + db, dW_t + db_t):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)
