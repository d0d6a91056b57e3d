"""The layers of the cs231n interface as a table (each layer's functions, arguments, outputs and gradients),
and designed inputs for every layer, each chosen so that the classic mistakes of tests/layers_zoo/ change a
number: batch > 1, no two dimensions equal where a transpose or a wrong axis could hide, both signs, no ties
(no ReLU input or SVM margin near 0, distinct values in every pooling window), stride > 1 with padding > 0,
several time steps from a non-zero h0, repeated word indices, a mask with zeros. Drawn from fixed seeds, so
every run sees the same numbers. Needs NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Layer:
    name: str
    forward: str                 # the forward function's name (the loss itself for a loss)
    backward: str | None         # None: a loss, whose function returns (loss, dx)
    inputs: tuple[str, ...]      # the forward's arguments, in order
    outputs: tuple[str, ...]     # what the forward returns before the cache (the loss for a loss)
    grads: tuple[str, ...]       # what the backward returns, in order
    wrt: tuple[str, ...]         # the input each gradient is of


LAYERS = {layer.name: layer for layer in [
    Layer("affine", "affine_forward", "affine_backward", ("x", "w", "b"), ("out",), ("dx", "dw", "db"),
          ("x", "w", "b")),
    Layer("relu", "relu_forward", "relu_backward", ("x",), ("out",), ("dx",), ("x",)),
    Layer("softmax_loss", "softmax_loss", None, ("x", "y"), ("loss",), ("dx",), ("x",)),
    Layer("svm_loss", "svm_loss", None, ("x", "y"), ("loss",), ("dx",), ("x",)),
    Layer("batchnorm", "batchnorm_forward", "batchnorm_backward", ("x", "gamma", "beta", "bn_param"),
          ("out",), ("dx", "dgamma", "dbeta"), ("x", "gamma", "beta")),
    Layer("batchnorm_alt", "batchnorm_forward", "batchnorm_backward_alt", ("x", "gamma", "beta", "bn_param"),
          ("out",), ("dx", "dgamma", "dbeta"), ("x", "gamma", "beta")),
    Layer("layernorm", "layernorm_forward", "layernorm_backward", ("x", "gamma", "beta", "ln_param"),
          ("out",), ("dx", "dgamma", "dbeta"), ("x", "gamma", "beta")),
    Layer("dropout", "dropout_forward", "dropout_backward", ("x", "dropout_param"), ("out",), ("dx",), ("x",)),
    Layer("conv", "conv_forward_naive", "conv_backward_naive", ("x", "w", "b", "conv_param"), ("out",),
          ("dx", "dw", "db"), ("x", "w", "b")),
    Layer("max_pool", "max_pool_forward_naive", "max_pool_backward_naive", ("x", "pool_param"), ("out",),
          ("dx",), ("x",)),
    Layer("spatial_batchnorm", "spatial_batchnorm_forward", "spatial_batchnorm_backward",
          ("x", "gamma", "beta", "bn_param"), ("out",), ("dx", "dgamma", "dbeta"), ("x", "gamma", "beta")),
    Layer("spatial_groupnorm", "spatial_groupnorm_forward", "spatial_groupnorm_backward",
          ("x", "gamma", "beta", "G", "gn_param"), ("out",), ("dx", "dgamma", "dbeta"), ("x", "gamma", "beta")),
    Layer("rnn_step", "rnn_step_forward", "rnn_step_backward", ("x", "prev_h", "Wx", "Wh", "b"), ("next_h",),
          ("dx", "dprev_h", "dWx", "dWh", "db"), ("x", "prev_h", "Wx", "Wh", "b")),
    Layer("rnn", "rnn_forward", "rnn_backward", ("x", "h0", "Wx", "Wh", "b"), ("h",),
          ("dx", "dh0", "dWx", "dWh", "db"), ("x", "h0", "Wx", "Wh", "b")),
    Layer("word_embedding", "word_embedding_forward", "word_embedding_backward", ("x", "W"), ("out",), ("dW",),
          ("W",)),
    Layer("temporal_affine", "temporal_affine_forward", "temporal_affine_backward", ("x", "w", "b"), ("out",),
          ("dx", "dw", "db"), ("x", "w", "b")),
    Layer("temporal_softmax_loss", "temporal_softmax_loss", None, ("x", "y", "mask"), ("loss",), ("dx",), ("x",)),
    Layer("lstm_step", "lstm_step_forward", "lstm_step_backward", ("x", "prev_h", "prev_c", "Wx", "Wh", "b"),
          ("next_h", "next_c"), ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"),
          ("x", "prev_h", "prev_c", "Wx", "Wh", "b")),
    Layer("lstm", "lstm_forward", "lstm_backward", ("x", "h0", "Wx", "Wh", "b"), ("h",),
          ("dx", "dh0", "dWx", "dWh", "db"), ("x", "h0", "Wx", "Wh", "b")),
]}

@dataclass(frozen=True)
class Case:
    id: str
    layer: str
    inputs: dict
    upstream: dict = field(default_factory=dict)


def _away_from_zero(rng, shape, gap=0.1):
    """Normal values of both signs, none closer than `gap` to 0 (no ReLU tie, no zero dropout input)."""
    z = rng.standard_normal(shape)
    return np.sign(z) * (gap + np.abs(z))


def _upstream(rng, shapes):
    """An upstream gradient for each output the forward returns, by name: dout, dnext_h, dh, ..."""
    return {name: rng.standard_normal(shape) for name, shape in shapes.items()}


def _svm_scores(rng, N, C):
    """Scores whose margins x_j - x_y + 1 are all at least 0.05 away from 0 (the hinge's kink)."""
    while True:
        x, y = rng.standard_normal((N, C)), rng.permutation(np.arange(N) % C)
        margins = x - x[np.arange(N), y][:, None] + 1
        margins[np.arange(N), y] = 1
        if np.abs(margins).min() > 0.05 and (margins > 0).sum() > N and (margins < 0).any():
            return x, y


def _cases() -> list[Case]:
    rng = np.random.default_rng(231)
    cases = []

    def add(id_, layer, inputs, shapes=None):
        cases.append(Case(id_, layer, inputs, _upstream(rng, shapes) if shapes else {}))

    x = rng.standard_normal((3, 2, 4))
    add("affine", "affine", {"x": x, "w": rng.standard_normal((8, 5)), "b": rng.standard_normal(5)},
        {"out": (3, 5)})
    add("relu", "relu", {"x": _away_from_zero(rng, (3, 4, 2))}, {"out": (3, 4, 2)})
    add("softmax_loss", "softmax_loss", {"x": rng.standard_normal((4, 5)), "y": np.array([1, 4, 1, 0])})
    add("softmax_loss-large-scores", "softmax_loss",
        {"x": rng.standard_normal((3, 4)) + np.array([[800.0], [-700.0], [0.0]]), "y": np.array([2, 0, 3])})
    xs, ys = _svm_scores(rng, 5, 4)
    add("svm_loss", "svm_loss", {"x": xs, "y": ys})
    for name in ("batchnorm", "batchnorm_alt"):
        for mode in ("train", "test"):
            bn = {"mode": mode, "eps": 1e-5, "momentum": 0.8, "running_mean": rng.standard_normal(3),
                  "running_var": 0.5 + rng.random(3)}
            add(f"{name}-{mode}", name, {"x": 2 * rng.standard_normal((4, 3)) + 1,
                                         "gamma": 1 + 0.5 * rng.standard_normal(3),
                                         "beta": rng.standard_normal(3), "bn_param": bn}, {"out": (4, 3)})
    add("batchnorm-defaults", "batchnorm", {"x": rng.standard_normal((5, 2)), "gamma": rng.standard_normal(2),
                                            "beta": rng.standard_normal(2), "bn_param": {"mode": "train"}},
        {"out": (5, 2)})
    add("layernorm", "layernorm", {"x": 2 * rng.standard_normal((4, 5)) - 1, "gamma": 1 + rng.standard_normal(5),
                                   "beta": rng.standard_normal(5), "ln_param": {"eps": 1e-5}}, {"out": (4, 5)})
    for mode in ("train", "test"):
        add(f"dropout-{mode}", "dropout",
            {"x": _away_from_zero(rng, (5, 6)), "dropout_param": {"mode": mode, "p": 0.6, "seed": 7}},
            {"out": (5, 6)})
    for stride, pad, x_shape, w_shape, out_shape in [(2, 1, (2, 3, 7, 6), (4, 3, 3, 2), (2, 4, 4, 4)),
                                                     (1, 0, (2, 2, 5, 4), (3, 2, 2, 3), (2, 3, 4, 2)),
                                                     (3, 2, (1, 2, 6, 5), (2, 2, 4, 3), (1, 2, 3, 3))]:
        add(f"conv-stride{stride}-pad{pad}", "conv",
            {"x": rng.standard_normal(x_shape), "w": rng.standard_normal(w_shape),
             "b": rng.standard_normal(w_shape[0]), "conv_param": {"stride": stride, "pad": pad}},
            {"out": out_shape})
    for ph, pw, stride, x_shape, out_shape in [(2, 3, 2, (2, 3, 6, 5), (2, 3, 3, 2)),
                                               (3, 3, 2, (2, 2, 7, 7), (2, 2, 3, 3))]:   # overlapping windows
        values = rng.permutation(np.prod(x_shape)).reshape(x_shape) - np.prod(x_shape) / 2   # distinct
        add(f"max_pool-{ph}x{pw}-stride{stride}", "max_pool",
            {"x": values / 7.0, "pool_param": {"pool_height": ph, "pool_width": pw, "stride": stride}},
            {"out": out_shape})
    for mode in ("train", "test"):
        add(f"spatial_batchnorm-{mode}", "spatial_batchnorm",
            {"x": 3 * rng.standard_normal((3, 2, 4, 5)) + 2, "gamma": 1 + rng.standard_normal(2),
             "beta": rng.standard_normal(2), "bn_param": {"mode": mode, "momentum": 0.7,
                                                          "running_mean": rng.standard_normal(2),
                                                          "running_var": 0.5 + rng.random(2)}},
            {"out": (3, 2, 4, 5)})
    for G in (2, 3):
        add(f"spatial_groupnorm-G{G}", "spatial_groupnorm",
            {"x": 2 * rng.standard_normal((2, 6, 3, 4)) + rng.standard_normal((1, 6, 1, 1)),
             "gamma": 1 + rng.standard_normal((1, 6, 1, 1)), "beta": rng.standard_normal((1, 6, 1, 1)),
             "G": G, "gn_param": {"eps": 1e-5}}, {"out": (2, 6, 3, 4)})
    N, T, D, H = 3, 4, 3, 5
    add("rnn_step", "rnn_step", {"x": rng.standard_normal((N, D)), "prev_h": 0.8 * rng.standard_normal((N, H)),
                                 "Wx": 0.5 * rng.standard_normal((D, H)), "Wh": 0.4 * rng.standard_normal((H, H)),
                                 "b": 0.3 * rng.standard_normal(H)}, {"next_h": (N, H)})
    add("rnn", "rnn", {"x": rng.standard_normal((N, T, D)), "h0": 0.8 * rng.standard_normal((N, H)),
                       "Wx": 0.5 * rng.standard_normal((D, H)), "Wh": 0.4 * rng.standard_normal((H, H)),
                       "b": 0.3 * rng.standard_normal(H)}, {"h": (N, T, H)})
    add("word_embedding", "word_embedding",
        {"x": np.array([[0, 3, 1, 3], [2, 0, 0, 4], [3, 1, 5, 3]]), "W": rng.standard_normal((6, 2))},
        {"out": (3, 4, 2)})
    add("temporal_affine", "temporal_affine", {"x": rng.standard_normal((2, 3, 4)), "w": rng.standard_normal((4, 5)),
                                               "b": rng.standard_normal(5)}, {"out": (2, 3, 5)})
    add("temporal_softmax_loss", "temporal_softmax_loss",
        {"x": 2 * rng.standard_normal((3, 4, 5)), "y": rng.integers(0, 5, (3, 4)),
         "mask": np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)})
    add("lstm_step", "lstm_step",
        {"x": rng.standard_normal((N, D)), "prev_h": 0.8 * rng.standard_normal((N, H)),
         "prev_c": rng.standard_normal((N, H)), "Wx": 0.5 * rng.standard_normal((D, 4 * H)),
         "Wh": 0.4 * rng.standard_normal((H, 4 * H)), "b": 0.3 * rng.standard_normal(4 * H)},
        {"next_h": (N, H), "next_c": (N, H)})
    add("lstm", "lstm", {"x": rng.standard_normal((N, T, D)), "h0": 0.8 * rng.standard_normal((N, H)),
                         "Wx": 0.5 * rng.standard_normal((D, 4 * H)), "Wh": 0.4 * rng.standard_normal((H, 4 * H)),
                         "b": 0.3 * rng.standard_normal(4 * H)}, {"h": (N, T, H)})
    return cases


CASES = _cases()


def cases_for(layer: str) -> list[Case]:
    return [c for c in CASES if c.layer == layer]
