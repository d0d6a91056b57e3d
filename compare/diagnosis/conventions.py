"""Hints about the loss's conventions: the gradients of a loss summed over the batch where the experiment
averages it (or the other way round), BCE summed over the outputs where the experiment averages them, and an
L2 penalty's term (lambda * W) counted twice, missing, or there where the experiment has none, told apart from
the optimizer's `weight_decay`. Each names the flag that checks the file's own convention.

Pure functions from arrays to sentences, like `compare.diagnosis.hints`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from compare.diagnosis.setting import Setting, same


def _every_gradient_times(ours: list[np.ndarray], theirs: list[np.ndarray], r: float, rtol: float) -> bool:
    return all(same(a, r * b, rtol) for a, b in zip(ours, theirs)) and any(np.any(b) for b in theirs)


def convention_hints(ours: list[np.ndarray], theirs: list[np.ndarray], s: Setting) -> list[str]:
    """Every gradient of every layer the same factor off: the batch reduction (B) or BCE's over the outputs
    (K). `ours`, `theirs`: dW1 ... dWL, db1 ... dbL."""
    B, K = s.batch_size, s.n_outputs
    if s.l2:          # the penalty's term does not scale with the batch: no factor fits every gradient
        return []
    hints = []
    if B > 1 and _every_gradient_times(ours, theirs, B if s.reduction == "mean" else 1 / B, s.rtol):
        if s.reduction == "mean":
            hints.append(f"every gradient of every layer is torch's x {B}, a factor of the batch size B = {B}: the "
                         "average over the batch is missing, i.e. the loss summed over the batch "
                         "(torch's reduction=\"sum\": gradients not divided by the batch size) where this experiment "
                         "averages it; if your code sums on purpose, check it with --reduction sum")
        else:
            hints.append(f"every gradient of every layer is 1/B = 1/{B} of torch's: the loss averaged over the batch "
                         "where this experiment sums it (reduction \"sum\"); drop --reduction sum if yours averages")
    if s.loss == "bce" and K > 1 and _every_gradient_times(ours, theirs, K if s.bce_outputs == "mean" else 1 / K,
                                                           s.rtol):
        if s.bce_outputs == "mean":
            hints.append(f"every gradient of every layer is torch's x {K}, a factor of the number of outputs K = {K}: "
                         f"BCE summed over the {K} outputs "
                         "(-sum(t log a + (1 - t) log(1 - a)) per sample) where this experiment averages them "
                         "(torch's BCELoss); if your code sums on purpose, check it with --bce-outputs sum")
        else:
            hints.append(f"every gradient of every layer is 1/K = 1/{K} of torch's: BCE averaged over the outputs "
                         "where this experiment sums them (bce_outputs \"sum\")")
    return hints


def l2_lambda(ours: np.ndarray, theirs: np.ndarray, W: np.ndarray, rtol: float) -> float | None:
    """The lam != 0 with `ours = theirs + lam * W` at every element, or None."""
    extra = ours - theirs
    big = np.abs(W) > 1e-3 * np.abs(W).max(initial=0.0)
    if not big.any() or not np.isfinite(extra).all():
        return None
    lam = float(np.median(extra[big] / W[big]))
    scale = max(float(np.abs(ours).max()), float(np.abs(theirs).max()), 1e-300)
    if lam == 0 or not np.all(np.abs(extra - lam * W) <= rtol * 10 * scale):
        return None
    return lam


def l2_everywhere(ours: list[np.ndarray], theirs: list[np.ndarray], params: list[np.ndarray], names: list[str],
                  wrong: list[str], rtol: float) -> tuple[float, bool] | None:
    """(lam, whether the biases have it too) when every wrong gradient (`wrong`, among `names`) is the right
    one plus the same lam x its parameter: then that term is the whole difference, in every layer."""
    lams = [l2_lambda(ours[k], theirs[k], params[k], rtol) for k, n in enumerate(names) if n in wrong]
    if not lams or any(x is None or abs(x - lams[0]) > 1e-6 * abs(lams[0]) for x in lams):
        return None
    return lams[0], any(n.startswith("db") for n in wrong)  # type: ignore[return-value]


def constant_term(ours: np.ndarray, theirs: np.ndarray, W: np.ndarray, name: str, rtol: float) -> list[str]:
    """`ours = theirs + c` with one number c at every element: a scalar added where an array was meant (cs231n's
    `reg * np.sum(W)` for `reg * W`)."""
    extra = ours - theirs
    if extra.size < 2 or not np.isfinite(extra).all():
        return []
    c = float(np.median(extra))
    scale = max(float(np.abs(ours).max()), float(np.abs(theirs).max()), 1e-300)
    if abs(c) <= rtol * 10 * scale or not np.all(np.abs(extra - c) <= rtol * 10 * scale):
        return []
    total = float(W.sum())
    symbol = name[1:]
    per = (f" (= {c / total:.6g} x sum({symbol})): a sum where an array was meant, as reg * np.sum({symbol[0]}) "
           f"in place of reg * {symbol[0]}?" if abs(total) > 1e-12 else ": a scalar where an array was meant?")
    return [f"yours = torch's {'+' if c > 0 else '-'} {abs(c):.6g} at every element of {name}, the same number "
            f"added to each{per}"]


def l2_term(ours: np.ndarray, theirs: np.ndarray, W: np.ndarray, e: Any, name: str, rtol: float,
            biases_too: bool = False) -> list[str]:
    """`ours = theirs + lam * W` for one lam != 0: an L2 term added where the experiment has none, counted
    twice, or missing where the experiment has one. `W` is the parameter (weights or biases) before the
    update; `e` the experiment (its `l2`, `l2_biases`, `weight_decay`); `biases_too`: the biases' gradients
    have the same term (the flag then says --l2-biases)."""
    lam = l2_lambda(ours, theirs, W, rtol)
    if lam is None:
        return []
    bias = name.startswith("db")
    penalised = e.l2 and (e.l2_biases or not bias)
    decay = (f"; weight_decay = {e.weight_decay:g} is the optimizer's, applied by us to what your backward returns, "
             "so it is not in your gradient" if e.weight_decay else "")
    symbol = "b" if bias else "W"
    lead = f"yours = torch's {'+' if lam > 0 else '-'} {abs(lam):.6g} x {symbol} at every element of {name}"
    if penalised and abs(lam + e.l2) <= 1e-6 * e.l2:
        return [f"{lead}: the L2 term is missing: this experiment's loss has l2 = {e.l2:g} (l2/2 x the sum of squared "
                f"{'weights and biases' if e.l2_biases else 'weights'}), whose gradient adds {e.l2:g} x "
                f"{'b' if bias else 'W'}; add it to your gradient{decay}"]
    if penalised and abs(lam - e.l2) <= 1e-6 * e.l2:
        return [f"{lead}: the L2 term counted twice: this experiment's l2 = {e.l2:g} is in torch's gradient once, "
                f"yours adds it again (in two places, or the 2 of cs231n's 2 * reg * W with a loss of 0.5 * reg * "
                f"sum(W*W)?){decay}"]
    if lam < 0:
        return []
    if e.l2 and bias and not e.l2_biases and abs(lam - e.l2) <= 1e-6 * e.l2:
        return [f"{lead}: the L2 term on the biases too: this experiment's l2 = {e.l2:g} penalises the weights only; "
                "if your loss penalises the biases on purpose, check it with --l2-biases as well"]
    if e.weight_decay:
        why = (f"this experiment's weight_decay = {e.weight_decay:g} is applied by the optimizer already, so your "
               "backward must return the gradient of the loss alone")
    else:
        why = "this experiment has no regularisation (weight_decay = 0, l2 = 0): return the gradient of the loss alone"
    flag = "" if e.l2 else (f"; if your loss has an L2 penalty on purpose (cs231n's reg * sum(W*W) with reg = "
                            f"{lam / 2:.6g}, or 0.5 * reg * sum(W*W) with reg = {lam:.6g}), check it with "
                            f"--l2 {lam:.6g}"
                            + (" --l2-biases" if bias or biases_too else ""))
    term = "lambda * W, and lambda * b in the biases' gradients" if biases_too and not bias else "lambda * W"
    return [f"{lead}: an L2 term ({term}) in your gradient; {why}{flag}"]
