"""What each recorded mistake computes, in torch (float64): the reference's autograd run on the layer with
that mistake's switch flipped (`compare.layers.record.reference`), or, for a mistake only a backward can
make, its formula written out here."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from compare.layers.record.reference import FORWARDS, _norm
from compare.layers.table.types import Case, Layer

# mistakes whose numbers are a formula of their own, not autograd of a variant forward
EXPLICIT = ("relu-at-zero", "db-axis", "dgamma-axis", "whole-window", "average", "all-ties", "last-tie",
            "split-ties", "count-n", "uncentred", "window-assigned", "tanh-derivative",
            "tanh-of-output", "no-dnext-c", "dw-overwritten", "stride-ignored", "dx-overwritten", "dgamma-all-axes")
EXPLICIT_IN = {("max_pool", "overwritten"), ("word_embedding", "overwritten")}


def tensors(layer: Layer, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """The case's arrays as float64 tensors, those the layer has gradients for requiring them."""
    t = {}
    for name, value in arrays.items():
        tensor = torch.tensor(value)
        if name in layer.grad_of and tensor.dtype == torch.float64:
            tensor.requires_grad_(True)
        t[name] = tensor
    return t


def run(layer: Layer, case: Case, arrays: dict[str, np.ndarray], variant: str = "",
        upstream: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Every output, state array and gradient of the layer (or of its `variant`) on the case."""
    t = tensors(layer, arrays)
    out = FORWARDS[layer.name](case, t, variant)
    items = {k: v.detach().numpy().copy() for k, v in out.items()}
    if case.forward_only:
        return items
    ups = upstream if upstream is not None else arrays
    outputs = [out[k] for k in layer.outputs]
    grad_outputs = ([torch.ones_like(outputs[0])] if layer.kind == "loss" else
                    [torch.tensor(ups[k]) for k in layer.upstream])
    grads = torch.autograd.grad(outputs, [t[k] for k in layer.grad_of], grad_outputs, allow_unused=True)
    for name, g in zip(layer.gradients, grads):
        items[name] = g.numpy().copy() if g is not None else np.zeros_like(arrays[layer.grad_of[0]])
    return items


def alternatives(layer: Layer, case: Case, arrays: dict[str, np.ndarray],
                 ref: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """{mistake id: {item: its numbers}} for every recorded mistake this case exposes."""
    found: dict[str, dict[str, np.ndarray]] = {}
    for mistake in layer.mistakes:
        if mistake.kind != "recorded" or (mistake.case and mistake.case != case.name):
            continue
        if mistake.id in EXPLICIT or (layer.name, mistake.id) in EXPLICIT_IN:
            if case.forward_only:          # a backward's mistake: no backward in this case
                continue
            numbers = _explicit(layer, case, arrays, mistake.id)
        else:
            with np.errstate(all="ignore"):
                numbers = run(layer, case, arrays, mistake.id)
        numbers = {k: v for k, v in numbers.items() if k in mistake.items and k in ref}
        # numbers a mistake leaves as torch's (to rounding) are no sign of it
        numbers = {k: v for k, v in numbers.items() if v.shape != ref[k].shape or not np.allclose(v, ref[k],
                                                                                                  rtol=1e-6, atol=1e-9)}
        if numbers:
            found[mistake.id] = numbers
    return found


def _explicit(layer: Layer, case: Case, a: dict[str, np.ndarray], mistake: str) -> dict[str, np.ndarray]:
    if mistake == "relu-at-zero":
        return {"dx": a["dout"] * (a["x"] >= 0)}
    if mistake == "db-axis" and layer.name == "temporal_affine":
        return {"db": a["dout"].sum(axis=0)}
    if mistake == "db-axis":
        return {"db": a["dout"].sum(axis=tuple(range(1, a["dout"].ndim)))}
    if mistake == "dgamma-axis":
        dims = {"batchnorm": (0,), "batchnorm_alt": (0,), "layernorm": (1,), "spatial_batchnorm": (0, 2, 3)}
        eps = next(iter(case.params.values())).get("eps", 1e-5)
        x_hat = _norm(torch.tensor(a["x"]), dims[layer.name], eps, "").numpy()
        rest = tuple(range(1, a["x"].ndim))
        return {"dgamma": (a["dout"] * x_hat).sum(axis=rest), "dbeta": a["dout"].sum(axis=rest)}
    if mistake == "uncentred":                               # x where x - mean belongs, in the variance term
        dims = {"layernorm": (1,), "spatial_batchnorm": (0, 2, 3)}.get(layer.name, (0,))
        view = (1, -1, 1, 1) if layer.name == "spatial_batchnorm" else (1, -1)
        x, eps = a["x"], next(iter(case.params.values())).get("eps", 1e-5)
        M = int(np.prod([x.shape[d] for d in dims]))
        std = np.sqrt(x.var(axis=dims, keepdims=True) + eps)
        dx_hat = a["dout"] * a["gamma"].reshape(view)
        return {"dx": dx_hat / std - x * (dx_hat * x).sum(axis=dims, keepdims=True) / (std ** 3 * M)
                - dx_hat.sum(axis=dims, keepdims=True) / (std * M)}
    if mistake == "count-n":                                 # the means over N x H x W taken as / N
        x, eps = a["x"], case.params["bn_param"]["eps"]
        norm = 1 / np.sqrt(x.var(axis=(0, 2, 3), keepdims=True) + eps)
        x_hat = (x - x.mean(axis=(0, 2, 3), keepdims=True)) * norm
        dx_hat = a["dout"] * a["gamma"].reshape(1, -1, 1, 1)
        N = x.shape[0]
        return {"dx": norm * (dx_hat - dx_hat.sum(axis=(0, 2, 3), keepdims=True) / N
                              - x_hat * (dx_hat * x_hat).sum(axis=(0, 2, 3), keepdims=True) / N)}
    if layer.name == "max_pool":
        return {"dx": _pool(case, a["x"], a["dout"], mistake)}
    if layer.name == "word_embedding":
        dW = np.zeros_like(a["W"])
        for index, row in zip(a["x"].reshape(-1), a["dout"].reshape(-1, a["W"].shape[1])):
            dW[index] = row                                  # the last occurrence stays
        return {"dW": dW}
    if mistake in ("tanh-derivative", "tanh-of-output"):
        pre = a["x"] @ a["Wx"] + a["prev_h"] @ a["Wh"] + a["b"]
        da = a["dnext_h"] * (1 - (pre if mistake == "tanh-derivative" else np.tanh(np.tanh(pre))) ** 2)
        return {"dx": da @ a["Wx"].T, "dprev_h": da @ a["Wh"].T, "dWx": a["x"].T @ da, "dWh": a["prev_h"].T @ da,
                "db": da.sum(axis=0)}
    if mistake == "dw-overwritten":                          # the last output position's contribution only
        p = case.params["conv_param"]
        s, HH, WW = p["stride"], a["w"].shape[2], a["w"].shape[3]
        xp = np.pad(a["x"], ((0, 0), (0, 0), (p["pad"],) * 2, (p["pad"],) * 2))
        i, j = a["dout"].shape[2] - 1, a["dout"].shape[3] - 1
        patch = xp[:, :, i * s:i * s + HH, j * s:j * s + WW]
        return {"dw": np.einsum("nchw,nf->fchw", patch, a["dout"][:, :, i, j])}
    if mistake in ("stride-ignored", "dx-overwritten"):
        return _conv_windows(case, a, mistake)
    if mistake == "dgamma-all-axes":                         # groupnorm's x_hat, summed over every axis
        x, G = torch.tensor(a["x"]), case.params["G"]
        x_hat = _norm(x.reshape(x.shape[0], G, -1), (2,), case.params["gn_param"]["eps"], "").reshape(x.shape)
        every = (0, 1, 2, 3)
        return {"dgamma": (a["dout"] * x_hat.numpy()).sum(axis=every, keepdims=True),
                "dbeta": a["dout"].sum(axis=every, keepdims=True)}
    if mistake == "no-dnext-c":
        return run(layer, case, a, upstream={**a, "dnext_c": np.zeros_like(a["dnext_c"])})
    raise ValueError(f"no formula for the mistake {mistake}")


def _pool(case: Case, x: np.ndarray, dout: np.ndarray, mistake: str) -> np.ndarray:
    p = case.params["pool_param"]
    ph, pw, s = p["pool_height"], p["pool_width"], p["stride"]
    dx = np.zeros_like(x)
    N, C, Ho, Wo = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    target = dx[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    g = dout[n, c, i, j]
                    if mistake == "whole-window":
                        target += g
                    elif mistake == "average":
                        target += g / (ph * pw)
                    elif mistake == "all-ties":
                        target[window == window.max()] += g
                    elif mistake == "window-assigned":       # the window's mask times dout, assigned whole
                        target[...] = g * (window == window.max())
                    elif mistake == "split-ties":            # each tied maximum gets an equal share
                        mask = window == window.max()
                        target[mask] += g / mask.sum()
                    elif mistake == "last-tie":              # the last maximum in row-major order
                        last = np.flatnonzero(window.ravel() == window.max())[-1]
                        target[np.unravel_index(last, window.shape)] += g
                    else:                                    # overwritten: the first maximum, assigned
                        target[np.unravel_index(np.argmax(window), window.shape)] = g
    return dx


def _conv_windows(case: Case, a: dict[str, np.ndarray], mistake: str) -> dict[str, np.ndarray]:
    """conv's backward with windows at stride 1 (`stride-ignored`), or dx assigned window by window in (i, j)
    order (`dx-overwritten`)."""
    p = case.params["conv_param"]
    s = 1 if mistake == "stride-ignored" else p["stride"]
    pad, (HH, WW) = p["pad"], a["w"].shape[2:]
    xp = np.pad(a["x"], ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(a["w"])
    for i in range(a["dout"].shape[2]):
        for j in range(a["dout"].shape[3]):
            rows, cols = slice(i * s, i * s + HH), slice(j * s, j * s + WW)
            d = a["dout"][:, :, i, j]                        # (N, F)
            part = np.einsum("nf,fchw->nchw", d, a["w"])
            if mistake == "dx-overwritten":
                dxp[:, :, rows, cols] = part
            else:
                dxp[:, :, rows, cols] += part
            dw += np.einsum("nf,nchw->fchw", d, xp[:, :, rows, cols])
    dx = dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]
    return {"dx": dx, "dw": dw} if mistake == "stride-ignored" else {"dx": dx}
