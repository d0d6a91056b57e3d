"""Gradients that are right, for another experiment: "your gradients are right for sigmoid; this experiment
uses tanh".

A backward that hard-codes one activation or one loss convention computes exactly the gradients the
derivation gives for that setting. Rebuilt here from the reference's own forward pass (the forward agrees
when the gradients are checked) with our backward (`numpy_impl.network.backward`) for every other setting
the experiment could have had, one change or two at a time; a setting whose every gradient equals the
user's, element for element, is named. Nothing is guessed: a partial match is never reported.
"""

from __future__ import annotations

import itertools

import numpy as np

from compare.diagnosis.deltas import HARD_CODED_SLOPES
from compare.diagnosis.setting import Reference, Setting, same
from numpy_impl.network import backward, forward

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
OUTPUT = HIDDEN + ("softmax",)
LOSSES = ("sum", "mean", "bce", "cross_entropy")
DEFAULT_SLOPE = 0.01


def _valid(loss: str, output: str) -> bool:
    return (output == "softmax") == (loss == "cross_entropy") and (loss != "bce" or output == "sigmoid")


def _describe(key: str, value: object) -> str:
    if key == "loss":
        return f"loss \"{value}\""
    if key in ("leaky_slope", "mse_scale"):
        return f"{key} {value:g}"  # type: ignore[str-format]
    return f"{key.replace('_', ' ')} {value}"


def right_for_another_setting(dW: list[np.ndarray], db: list[np.ndarray], ref: Reference,
                              s: Setting) -> list[str]:
    """One sentence per setting (differing from `s` in one or two of loss, hidden and output activation,
    leaky slope, the MSE losses' mse_scale) whose correct gradients all equal (dW, db); at most the first that fits."""
    if ref.targets is None:
        return []
    actual = {"loss": s.loss, "hidden_activation": s.hidden_activation, "output_activation": s.output_activation,
              "leaky_slope": s.leaky_slope, "mse_scale": s.mse_scale}
    choices = {"loss": LOSSES, "hidden_activation": HIDDEN, "output_activation": OUTPUT,
               "leaky_slope": (DEFAULT_SLOPE,) if s.leaky_slope != DEFAULT_SLOPE else (),
               "mse_scale": (0.5, 1.0)}
    uses_leaky = "leaky_relu" in (s.hidden_activation, s.output_activation)
    T = ref.targets
    candidates = []
    for count in (1, 2):
        for keys in itertools.combinations(actual, count):
            if "leaky_slope" in keys and not uses_leaky or not all(s.takes(k) for k in keys):
                continue   # a setting the file cannot be asked for: being right for it is no hint
            for values in itertools.product(*(choices[k] for k in keys)):
                setting = dict(actual, **dict(zip(keys, values)))
                if any(setting[k] == actual[k] for k in keys) or not _valid(setting["loss"],
                                                                           setting["output_activation"]):
                    continue
                if "mse_scale" in keys and setting["loss"] not in ("sum", "mean"):
                    continue   # mse_scale means nothing to the other losses
                candidates.append((keys, setting))
    for keys, setting in candidates:
        try:
            with np.errstate(all="ignore"):
                gW, gb = backward(ref.weights, ref.Zs, ref.activations, T, reduction=s.reduction, l2=s.l2,
                                  l2_biases=s.l2_biases, biases=ref.biases,
                                  bce_outputs=s.bce_outputs if setting["loss"] == "bce" else "mean", **setting)
        except (ValueError, FloatingPointError):
            continue
        if all(same(a, b, s.rtol) for a, b in zip(ref.dW + ref.db, gW + gb)):
            continue   # the same gradients as this experiment's (loss "mean", mse_scale 1, K = 2 is loss "sum")
        if all(same(a, b, s.rtol) for a, b in zip(dW + db, gW + gb)):
            yours = " and ".join(_describe(k, setting[k]) for k in keys)
            theirs = " and ".join(_describe(k, actual[k]) for k in keys)
            reads = " and ".join(f"`{k}`" for k in keys)
            return [f"your gradients are right for {yours}; this experiment uses {theirs}: does your backward "
                    f"read the keyword argument {reads} (and use it)?"]
    return []


def hard_coded_slope(dW: list[np.ndarray], db: list[np.ndarray], ref: Reference, s: Setting) -> list[str]:
    """A leaky ReLU whose slope is written into the code: every gradient equals the right ones for another
    common slope, with the backward alone at that slope (the forward given) or with a forward the file ran
    itself at that slope (an adapter that recomputes the forward from X). Said whether or not the file takes
    `leaky_slope`: a slope that ignores the keyword is the mistake either way."""
    if ref.targets is None or "leaky_relu" not in (s.hidden_activation, s.output_activation):
        return []
    setting = {"loss": s.loss, "hidden_activation": s.hidden_activation, "output_activation": s.output_activation}
    for slope in (x for x in HARD_CODED_SLOPES if x != s.leaky_slope):
        with np.errstate(all="ignore"):
            own = forward(ref.weights, ref.biases, ref.activations[0], leaky_slope=slope,
                          hidden_activation=s.hidden_activation, output_activation=s.output_activation)
        for Zs, activations, where in ((ref.Zs, ref.activations, "in its derivative"),
                                       (*own, "in the forward your backward recomputes and in its derivative")):
            try:
                with np.errstate(all="ignore"):
                    gW, gb = backward(ref.weights, [Z.copy() for Z in Zs], [A.copy() for A in activations],
                                      ref.targets, reduction=s.reduction, l2=s.l2, l2_biases=s.l2_biases,
                                      biases=ref.biases, bce_outputs=s.bce_outputs, mse_scale=s.mse_scale,
                                      leaky_slope=slope, **setting)
            except (ValueError, FloatingPointError):
                continue
            if all(same(a, b, s.rtol) for a, b in zip(dW + db, gW + gb)):
                ask = ("does your backward read the keyword argument `leaky_slope` (and use it)?"
                       if s.takes("leaky_slope") else
                       "your file takes no `leaky_slope`, so it can only be right for that one slope")
                return [f"your gradients are right for the leaky_relu slope {slope:g} ({where}) where this "
                        f"experiment uses leaky_slope {s.leaky_slope:g}: a slope hard-coded (ML-From-Scratch's "
                        f"LeakyReLU defaults to 0.2, torch's to 0.01)? {ask}"]
    return []
