"""Torch twins of cs231n's layers, as the interface defines them (docs/layers-interface.md), and a runner
that puts a file of NumPy layers and the twins side by side on the designed inputs of layers_cases.py.

The reference is torch's autograd in float64: a twin computes only the forward, in torch's own functions
where torch's semantics are the interface's (conv2d, max_pool2d, batch_norm in training mode, layer_norm,
group_norm, embedding, cross_entropy) and in plain torch operations where they differ (the running
statistics' momentum and variance, the LSTM's gate order i, f, o, g, dropout's p = keep probability). The
gradients are autograd's of sum(output * upstream). Nothing here imports the code under test.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F
from layers_cases import LAYERS, Layer

# the batchnorms' running statistics, written into bn_param by the forward in train mode (left as given in
# test mode): checked as outputs
RUNNING = ("running_mean", "running_var")


def _running(t, mean, var):
    """cs231n's update: running = momentum * running + (1 - momentum) * batch statistic (biased variance)."""
    p = t["bn_param"]
    m = p.get("momentum", 0.9)
    zeros = torch.zeros_like(mean)
    old_mean = torch.as_tensor(p.get("running_mean", zeros), dtype=torch.float64)
    old_var = torch.as_tensor(p.get("running_var", zeros), dtype=torch.float64)
    return {"running_mean": m * old_mean + (1 - m) * mean, "running_var": m * old_var + (1 - m) * var}


def _batchnorm(t, axes):
    """(out,), running statistics: torch's batch_norm in training mode normalises with the biased variance
    (the interface's); its running statistics follow another convention, so they are computed here."""
    x, p = t["x"], t["bn_param"]
    eps = p.get("eps", 1e-5)
    if p["mode"] == "test":
        rm = torch.as_tensor(p["running_mean"], dtype=torch.float64)
        rv = torch.as_tensor(p["running_var"], dtype=torch.float64)
        # test mode only reads the running statistics: they stay as given
        return (F.batch_norm(x, rm, rv, t["gamma"], t["beta"], training=False, eps=eps),), {"running_mean": rm,
                                                                                           "running_var": rv}
    out = F.batch_norm(x, None, None, t["gamma"], t["beta"], training=True, eps=eps)
    xd = x.detach()
    return (out,), _running(t, xd.mean(dim=axes), xd.var(dim=axes, unbiased=False))


def _lstm_step(x, h, c, Wx, Wh, b):
    a = x @ Wx + h @ Wh + b
    i, f, o, g = a.chunk(4, dim=1)                    # the interface's order: i, f, o, g
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _recurrent(t, step):
    h, c, hs = t["h0"], torch.zeros_like(t["h0"]), []
    for k in range(t["x"].shape[1]):
        if step == "rnn":
            h = torch.tanh(t["x"][:, k] @ t["Wx"] + h @ t["Wh"] + t["b"])
        else:
            h, c = _lstm_step(t["x"][:, k], h, c, t["Wx"], t["Wh"], t["b"])
        hs.append(h)
    return (torch.stack(hs, dim=1),), {}


def _svm(x, y):
    # multi_margin_loss averages over the C classes as well as the N samples; the interface sums over C
    return (x.shape[1] * F.multi_margin_loss(x, y, margin=1.0),), {}


def _dropout(t, user_out):
    """The kept units are recovered from the file's own output (x has no zeros); p is the keep probability."""
    p = t["dropout_param"]
    if p["mode"] == "test":
        return (t["x"] * 1.0,), {}
    keep = torch.as_tensor(np.asarray(user_out) != 0, dtype=torch.float64)
    return (t["x"] * keep / p["p"],), {}


def _temporal_softmax(x, y, mask):
    N, T, V = x.shape
    nll = F.cross_entropy(x.reshape(N * T, V), y.reshape(N * T), reduction="none")
    return ((nll * mask.reshape(N * T)).sum() / N,), {}


TWINS = {
    "affine": lambda t, _: ((t["x"].reshape(t["x"].shape[0], -1) @ t["w"] + t["b"],), {}),
    "relu": lambda t, _: ((F.relu(t["x"]),), {}),
    "softmax_loss": lambda t, _: ((F.cross_entropy(t["x"], t["y"]),), {}),
    "svm_loss": lambda t, _: _svm(t["x"], t["y"]),
    "batchnorm": lambda t, _: _batchnorm(t, 0),
    "batchnorm_alt": lambda t, _: _batchnorm(t, 0),
    "layernorm": lambda t, _: ((F.layer_norm(t["x"], t["x"].shape[1:], t["gamma"], t["beta"],
                                             eps=t["ln_param"].get("eps", 1e-5)),), {}),
    "dropout": _dropout,
    "conv": lambda t, _: ((F.conv2d(t["x"], t["w"], t["b"], stride=t["conv_param"]["stride"],
                                    padding=t["conv_param"]["pad"]),), {}),
    "max_pool": lambda t, _: ((F.max_pool2d(t["x"], (t["pool_param"]["pool_height"], t["pool_param"]["pool_width"]),
                                            stride=t["pool_param"]["stride"]),), {}),
    "spatial_batchnorm": lambda t, _: _batchnorm(t, (0, 2, 3)),
    "spatial_groupnorm": lambda t, _: ((F.group_norm(t["x"], t["G"], t["gamma"].reshape(-1), t["beta"].reshape(-1),
                                                     eps=t["gn_param"].get("eps", 1e-5)),), {}),
    "rnn_step": lambda t, _: ((torch.tanh(t["x"] @ t["Wx"] + t["prev_h"] @ t["Wh"] + t["b"]),), {}),
    "rnn": lambda t, _: _recurrent(t, "rnn"),
    "word_embedding": lambda t, _: ((F.embedding(t["x"], t["W"]),), {}),
    "temporal_affine": lambda t, _: ((t["x"] @ t["w"] + t["b"],), {}),
    "temporal_softmax_loss": lambda t, _: _temporal_softmax(t["x"], t["y"], t["mask"]),
    "lstm_step": lambda t, _: (_lstm_step(t["x"], t["prev_h"], t["prev_c"], t["Wx"], t["Wh"], t["b"]), {}),
    "lstm": lambda t, _: _recurrent(t, "lstm"),
}


def _tensor(value, leaf):
    if isinstance(value, np.ndarray):
        t = torch.tensor(value)                       # float64 stays float64, integers int64, booleans bool
        if t.dtype == torch.float64 and leaf:
            t.requires_grad_(True)
        elif t.dtype == torch.bool:
            t = t.to(torch.float64)
        return t
    return copy.deepcopy(value)


def reference(layer: Layer, inputs: dict, upstream: dict, user_out=None) -> dict[str, np.ndarray]:
    """Torch's outputs and autograd gradients for one case, by name."""
    t = {k: _tensor(v, k in layer.wrt) for k, v in inputs.items()}
    outs, state = TWINS[layer.name](t, user_out)
    result = {name: o.detach().numpy() for name, o in zip(layer.outputs, outs)}
    result.update({k: v.numpy() for k, v in state.items()})
    total = sum((o * torch.tensor(upstream[name])).sum() for name, o in zip(layer.outputs, outs)
                if name in upstream) if layer.backward else outs[0]
    leaves = [t[k] for k in layer.wrt]
    result.update({g: d.numpy() for g, d in zip(layer.grads, torch.autograd.grad(total, leaves))})
    return result


def run_file(module, layer: Layer, inputs: dict, upstream: dict) -> dict[str, np.ndarray]:
    """A file's outputs and gradients for one case, by name (inputs are copied: a file may mutate them)."""
    args = copy.deepcopy([inputs[k] for k in layer.inputs])
    got = getattr(module, layer.forward)(*args)
    if layer.backward is None:
        return dict(zip(layer.outputs + layer.grads, got))
    *outs, cache = got
    result = dict(zip(layer.outputs, outs))
    param = args[layer.inputs.index("bn_param")] if "bn_param" in layer.inputs else None
    if param is not None and (param["mode"] == "train" or all(k in param for k in RUNNING)):
        result.update({k: param[k] for k in RUNNING if k in param})
    grads = getattr(module, layer.backward)(*[upstream[o] for o in layer.outputs], cache)
    result.update(zip(layer.grads, grads if isinstance(grads, tuple) else (grads,)))
    return result


def rel_diff(got, want) -> float:
    """max |got - want| / max |want|: the largest difference, relative to the array's scale (inf: another
    shape, or a NaN or infinity)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape or not np.isfinite(got).all():
        return np.inf                                 # the designed inputs give torch finite values only
    return float(np.max(np.abs(got - want), initial=0.0) / max(np.max(np.abs(want), initial=0.0), 1e-300))


def compare(module, case) -> dict[str, float]:
    """{output or gradient name: relative difference}, in checking order (outputs, running stats, grads)."""
    layer = LAYERS[case.layer]
    got = run_file(module, layer, case.inputs, case.upstream)
    want = reference(layer, case.inputs, case.upstream, got.get("out"))
    return {name: rel_diff(got[name], want[name]) if name in got else np.inf for name in want}
