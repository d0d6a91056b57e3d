"""Each layer's forward in torch, as the interface defines it (float64), with the switches its classic
mistakes flip (`variant`): autograd of these is the reference, and of a variant, that mistake's numbers.

    forward(layer, case, t, variant="") -> {item: tensor}   # t: the case's arrays as tensors
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from compare.layers.table.types import Case, Layer


def forward(layer: Layer, case: Case, t: dict[str, Any], variant: str = "") -> dict[str, Any]:
    return FORWARDS[layer.name](case, t, variant)


def _norm(x: Any, dims: tuple[int, ...], eps: float, variant: str) -> Any:
    """x_hat over `dims`; the variants detach the mean or the variance, or use N - 1."""
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, keepdim=True, unbiased=variant == "unbiased-variance")
    if variant == "variance-n-1":      # the biased value, the unbiased variance's derivative
        var = var.detach() + (x.var(dim=dims, keepdim=True, unbiased=True) - x.var(dim=dims, keepdim=True,
                                                                                   unbiased=True).detach())
    if variant in ("no-mean-term", "stats-constant"):
        mean = mean.detach()
    if variant in ("no-variance-term", "stats-constant"):
        var = var.detach()
    if variant == "eps-outside-sqrt":
        return (x - mean) / (torch.sqrt(var) + eps)
    return (x - mean) / torch.sqrt(var + eps)


def _batchnorm(case: Case, t: dict[str, Any], variant: str, dims: tuple[int, ...], view: tuple[int, ...]) -> dict:
    p = case.params["bn_param"]
    x, gamma, beta = t["x"], t["gamma"].reshape(view), t["beta"].reshape(view)
    eps, m = p.get("eps", 1e-5), p.get("momentum", 0.9)          # the interface's defaults
    zeros = torch.zeros(x.shape[1], dtype=x.dtype)
    rm, rv = t.get("bn_param.running_mean", zeros), t.get("bn_param.running_var", zeros)
    if p["mode"] == "test" and variant == "test-no-affine":
        return {"out": (x - rm.reshape(view)) / torch.sqrt(rv.reshape(view) + eps)}
    if p["mode"] == "test" and variant == "test-eps-outside-sqrt":
        return {"out": gamma * (x - rm.reshape(view)) / (torch.sqrt(rv.reshape(view)) + eps) + beta}
    if p["mode"] == "test" and variant != "test-batch-stats":
        return {"out": gamma * (x - rm.reshape(view)) / torch.sqrt(rv.reshape(view) + eps) + beta}
    x_hat = _norm(x, (0,) if variant == "over-batch-only" else dims, eps, variant)
    out = {"out": gamma * x_hat + beta}
    if p["mode"] == "test":
        return out
    mean = x.detach().mean(dim=dims)
    var = x.detach().var(dim=dims, unbiased=False)
    unbiased = x.detach().var(dim=dims, unbiased=True)
    if variant == "torch-momentum":
        out.update(running_mean=(1 - m) * rm + m * mean, running_var=(1 - m) * rv + m * var)
    elif variant == "unbiased-running-var":
        out.update(running_mean=m * rm + (1 - m) * mean, running_var=m * rv + (1 - m) * unbiased)
    elif variant == "running-var-eps":
        out.update(running_mean=m * rm + (1 - m) * mean, running_var=m * rv + (1 - m) * (var + eps))
    elif variant == "torch-running-var":
        out.update(running_mean=(1 - m) * rm + m * mean, running_var=(1 - m) * rv + m * unbiased)
    else:
        out.update(running_mean=m * rm + (1 - m) * mean, running_var=m * rv + (1 - m) * var)
    return out


def batchnorm(case: Case, t: dict[str, Any], variant: str) -> dict:
    return _batchnorm(case, t, variant, (0,), (1, -1))


def spatial_batchnorm(case: Case, t: dict[str, Any], variant: str) -> dict:
    return _batchnorm(case, t, variant, (0, 2, 3), (1, -1, 1, 1))


def layernorm(case: Case, t: dict[str, Any], variant: str) -> dict:
    dims = (0,) if variant == "over-batch" else (1,)
    x_hat = _norm(t["x"], dims, case.params["ln_param"]["eps"], variant)
    return {"out": t["gamma"] * x_hat + t["beta"]}


def spatial_groupnorm(case: Case, t: dict[str, Any], variant: str) -> dict:
    x, G = t["x"], case.params["G"]
    N, C, H, W = x.shape
    if variant == "interleaved-groups":        # group g: channels g, g + G, g + 2G, ...
        grouped = x.reshape(N, C // G, G, H, W).transpose(1, 2).reshape(N, G, -1)
        x_hat = _norm(grouped, (2,), case.params["gn_param"]["eps"], variant)
        x_hat = x_hat.reshape(N, G, C // G, H, W).transpose(1, 2).reshape(N, C, H, W)
    elif variant == "per-pixel":               # each pixel's C/G channels of a group on their own
        grouped = x.reshape(N, G, C // G, H, W)
        x_hat = _norm(grouped, (2,), case.params["gn_param"]["eps"], variant).reshape(N, C, H, W)
    elif variant == "per-channel":             # each channel of each sample on its own: instance norm
        x_hat = _norm(x.reshape(N, C, -1), (2,), case.params["gn_param"]["eps"], variant).reshape(N, C, H, W)
    elif variant == "group-count-swapped":     # C/G groups of G channels
        x_hat = _norm(x.reshape(N, C // G, -1), (2,), case.params["gn_param"]["eps"], variant).reshape(N, C, H, W)
    else:
        x_hat = _norm(x.reshape(N, G, -1), (2,), case.params["gn_param"]["eps"], variant).reshape(N, C, H, W)
    return {"out": t["gamma"] * x_hat + t["beta"]}


def affine(case: Case, t: dict[str, Any], variant: str) -> dict:
    return {"out": t["x"].reshape(t["x"].shape[0], -1) @ t["w"] + t["b"]}


def relu(case: Case, t: dict[str, Any], variant: str) -> dict:
    return {"out": torch.relu(t["x"])}


def softmax_loss(case: Case, t: dict[str, Any], variant: str) -> dict:
    if variant == "overflow":                  # exp without the row maximum subtracted
        e = torch.exp(t["x"])
        p = e / e.sum(dim=1, keepdim=True)
        return {"loss": -torch.log(p[torch.arange(len(t["y"])), t["y"]]).mean()}
    return {"loss": F.cross_entropy(t["x"], t["y"])}


def svm_loss(case: Case, t: dict[str, Any], variant: str) -> dict:
    x, y = t["x"], t["y"]
    correct = x[torch.arange(len(y)), y].unsqueeze(1)
    margins = torch.relu(x - correct + 1.0)
    if variant != "svm-correct-class":
        margins = margins * (1 - F.one_hot(y, x.shape[1]).to(x.dtype))
    return {"loss": margins.sum() / x.shape[0]}


def conv(case: Case, t: dict[str, Any], variant: str) -> dict:
    w = t["w"]
    if variant == "flipped-kernel":
        w = torch.flip(w, dims=(2, 3))
    elif variant == "transposed-kernel":
        w = w.transpose(2, 3)
    p = case.params["conv_param"]
    return {"out": F.conv2d(t["x"], w, t["b"], stride=p["stride"], padding=p["pad"])}


def max_pool(case: Case, t: dict[str, Any], variant: str) -> dict:
    p = case.params["pool_param"]
    return {"out": F.max_pool2d(t["x"], (p["pool_height"], p["pool_width"]), stride=p["stride"])}


def _rnn_cell(x: Any, h: Any, t: dict[str, Any]) -> Any:
    return torch.tanh(x @ t["Wx"] + h @ t["Wh"] + t["b"])


def rnn_step(case: Case, t: dict[str, Any], variant: str) -> dict:
    return {"next_h": _rnn_cell(t["x"], t["prev_h"], t)}


def _steps(t: dict[str, Any], variant: str) -> list[dict[str, Any]]:
    """The weights each time step uses: all the same, or (`overwritten`) only step 0's on the graph."""
    if variant != "overwritten":
        return [t] * t["x"].shape[1]
    frozen = {**t, **{k: t[k].detach() for k in ("Wx", "Wh", "b")}}
    return [t] + [frozen] * (t["x"].shape[1] - 1)


def rnn(case: Case, t: dict[str, Any], variant: str) -> dict:
    h, hs = t["h0"], []
    for step, weights in enumerate(_steps(t, variant)):
        if variant == "no-next-step" and step > 0:
            h = h.detach()
        h = _rnn_cell(t["x"][:, step], h, weights)
        hs.append(h)
    return {"h": torch.stack(hs, dim=1)}


def word_embedding(case: Case, t: dict[str, Any], variant: str) -> dict:
    return {"out": t["W"][t["x"]]}


def temporal_affine(case: Case, t: dict[str, Any], variant: str) -> dict:
    return {"out": t["x"] @ t["w"] + t["b"]}


def temporal_softmax_loss(case: Case, t: dict[str, Any], variant: str) -> dict:
    x, y, mask = t["x"], t["y"], t["mask"]
    N, T, V = x.shape
    ce = F.cross_entropy(x.reshape(N * T, V), y.reshape(N * T), reduction="none")
    weights = torch.ones_like(ce) if variant == "mask-ignored" else mask.reshape(N * T).to(x.dtype)
    return {"loss": (ce * weights).sum() / N}


def _lstm_cell(x: Any, h: Any, c: Any, t: dict[str, Any], variant: str) -> tuple[Any, Any]:
    a = x @ t["Wx"] + h @ t["Wh"] + t["b"]
    H = h.shape[1]
    i, f, third, fourth = (a[:, k * H:(k + 1) * H] for k in range(4))
    o, g = (fourth, third) if variant == "torch-gate-order" else (third, fourth)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def lstm_step(case: Case, t: dict[str, Any], variant: str) -> dict:
    h, c = _lstm_cell(t["x"], t["prev_h"], t["prev_c"], t, variant)
    return {"next_h": h, "next_c": c}


def lstm(case: Case, t: dict[str, Any], variant: str) -> dict:
    h, c, hs = t["h0"], torch.zeros_like(t["h0"]), []
    for step, weights in enumerate(_steps(t, variant)):
        if variant == "no-next-step" and step > 0:
            h, c = h.detach(), c.detach()
        if variant == "no-cell-next-step" and step > 0:
            c = c.detach()
        h, c = _lstm_cell(t["x"][:, step], h, c, weights, variant)
        hs.append(h)
    return {"h": torch.stack(hs, dim=1)}


FORWARDS = {"affine": affine, "relu": relu, "softmax_loss": softmax_loss, "svm_loss": svm_loss,
            "batchnorm": batchnorm, "batchnorm_alt": batchnorm, "layernorm": layernorm, "conv": conv,
            "max_pool": max_pool, "spatial_batchnorm": spatial_batchnorm, "spatial_groupnorm": spatial_groupnorm,
            "rnn_step": rnn_step, "rnn": rnn, "word_embedding": word_embedding, "temporal_affine": temporal_affine,
            "temporal_softmax_loss": temporal_softmax_loss, "lstm_step": lstm_step, "lstm": lstm}
