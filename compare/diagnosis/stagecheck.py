"""The first disagreement between two records of one update, stage by stage.

Stages in the order a derivation goes: the forward pass (A1 ... AL, input side first: the first wrong
activation is where the forward breaks), then the gradients in the order backprop computes them (output
layer first: dWL, dbL, ..., dW1, db1; the first wrong one is where the derivation broke, the layers below are
wrong as a consequence), then the weights after the update. The record of the first wrong array names the
stage, layer, parameter, element, both values, the update, a few neighbours, and hints (`compare.diagnosis.hints`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from compare.diagnosis.alternatives import hard_coded_slope, right_for_another_setting
from compare.diagnosis.conventions import constant_term, convention_hints, l2_everywhere, l2_term
from compare.diagnosis.failure import Failure, neighbours
from compare.diagnosis.hints import (
    Reference,
    Setting,
    factor_hints,
    formula_hints,
    forward_hints,
    layer_hints,
    transposed_hint,
    zero_hint,
)
from compare.diagnosis.stages import Stages
from compare.experiment.definition import Experiment
from compare.running.optimizer_state import LABELS, SYMBOLS, per_parameter
from compare.running.tolerances import Tolerance, state_tolerance_for, tolerance_for


@dataclass(frozen=True)
class UpdateSite:
    """Which update: numbered from 1; epoch and batch from 0; the batch's sample indices."""

    update: int
    epoch: int
    batch: int
    samples: list[int]

    def describe(self) -> str:
        return f"update {self.update} (epoch {self.epoch}, batch {self.batch}, samples {self.samples})"


def violations(ours: np.ndarray, theirs: np.ndarray, tol: Tolerance) -> np.ndarray:
    """Boolean mask of the elements outside |ours - theirs| <= atol + rtol |theirs| (NaN counts as outside)."""
    if ours.shape != theirs.shape:
        return np.ones(theirs.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        return ~(np.abs(ours - theirs) <= tol.atol + tol.rtol * np.abs(theirs))


def _worst(mask: np.ndarray, ours: np.ndarray, theirs: np.ndarray) -> tuple[int, int]:
    diff = np.where(mask, np.abs(ours - theirs), -1.0)
    diff = np.where(mask & ~np.isfinite(diff), np.inf, diff)   # NaN or inf first
    return tuple(int(k) for k in np.unravel_index(int(np.argmax(diff)), diff.shape))  # type: ignore[return-value]


def _setting(e: Experiment, batch_size: int, ours: Stages) -> Setting:
    return Setting(batch_size=batch_size, n_outputs=e.sizes[-1], loss=e.loss, hidden_activation=e.hidden_activation,
                   output_activation=e.output_activation, leaky_slope=e.leaky_slope,
                   rtol=1e-6 if e.dtype == "float64" else 1e-3, reduction=e.reduction, bce_outputs=e.bce_outputs,
                   l2=e.l2, l2_biases=e.l2_biases, mse_scale=e.mse_scale, keywords=ours.keywords,
                   forward_keywords=ours.forward_keywords)


def first_disagreement(ours: Stages, theirs: Stages, before: tuple[list, list], experiment: Experiment,
                       tolerance: Tolerance, where: UpdateSite, *, labels: tuple[str, str] = ("numpy", "torch"),
                       title: str = "parity", drift: float = 0.0) -> Failure | None:
    """The failure record of the first stage where `ours` and `theirs` disagree, or None if every stage agrees.
    `before` holds the weights and biases both sides started this update from (the reference's); `drift` is
    how far apart (largest |difference|, within tolerance) the two sides' weights were at that point."""
    e = experiment
    L = e.n_layers
    B = len(where.samples)
    targets = np.asarray(e.targets, dtype=np.float64)[where.samples] if len(where.samples) else None
    ref = Reference(theirs.activations, theirs.Zs, theirs.dZ, before[0], before[1], theirs.dW, theirs.db, targets)
    setting = _setting(e, B, ours)

    # forward: input side first
    for l in range(1, L + 1):
        mask = violations(ours.activations[l], theirs.activations[l], tolerance)
        if mask.any():
            hints = forward_hints(l - 1, ours.activations[l], ref, setting)
            if l > 1:
                hints.append(f"A1 ... A{l - 1} agree: look at layer {l}'s forward formula")
            return _record(e, where, tolerance, drift, labels, title, "forward", l, f"A{l}", ours.activations[l],
                           theirs.activations[l], mask, [f"A{k}" for k in range(l, L + 1)
                                                         if violations(ours.activations[k], theirs.activations[k],
                                                                       tolerance).any()], hints,
                           f"the forward pass; A{l}'s rows are this batch's samples {where.samples}")

    # gradients: backprop order, output layer first
    wrong: list[tuple[int, str]] = []
    masks: dict[tuple[int, str], np.ndarray] = {}
    for l in range(L, 0, -1):
        for p, mine, ref_grad in (("W", ours.dW[l - 1], theirs.dW[l - 1]), ("b", ours.db[l - 1], theirs.db[l - 1])):
            mask = violations(mine, ref_grad, tolerance)
            if mask.any():
                wrong.append((l, p))
                masks[(l, p)] = mask
    if wrong:
        l, p = wrong[0]
        mine = (ours.dW if p == "W" else ours.db)[l - 1]
        ref_grad = (theirs.dW if p == "W" else theirs.db)[l - 1]
        name = f"d{p}{l}"
        hints = gradient_hints(ours, ref, setting, e, (l, p), wrong, before)
        if where.update > 1 and not _specific(hints):
            earlier = "update 1" if where.update == 2 else f"updates 1 to {where.update - 1}"
            hints.insert(0, f"{earlier} agreed: look for something carried from one call to "
                            "the next (a cached, accumulated or in-place-changed value), or something of this "
                            f"batch only (its {B} sample{'s' if B > 1 else ''}, its size)")
        forward = ("the forward pass agrees at every layer" if ours.has_forward else
                   "your file has no forward: ours was used, so your backward received torch's activations")
        return _record(e, where, tolerance, drift, labels, title, "gradient", l, f"{p}{l}", mine, ref_grad,
                       masks[(l, p)], [f"d{q}{k}" for k, q in wrong], hints,
                       f"{forward}; first wrong gradient in backprop order (output layer first): {name}",
                       array=name)

    # the update: the optimizer's step, same order
    for l in range(L, 0, -1):
        for p, mine, ref_after, start in (("W", ours.weights[l - 1], theirs.weights[l - 1], before[0][l - 1]),
                                          ("b", ours.biases[l - 1], theirs.biases[l - 1], before[1][l - 1])):
            mask = violations(mine, ref_after, tolerance)
            if mask.any():
                name = f"{p}{l}"
                hints = _nan_hint(mine, name)
                hints += [h.replace("yours", "your step", 1).replace("torch's", "torch's step", 1)
                          for h in factor_hints(mine - start, ref_after - start, setting, f"the step of {name}")[:1]]
                hints.append("the forward pass and every gradient agree: the optimizer's update differs "
                             f"({e.describe().split(', ', 4)[-1]})")
                return _record(e, where, tolerance, drift, labels, title, "update", l, name, mine, ref_after, mask,
                               [name], hints, "the weights after the optimizer step")
    return _state_disagreement(ours, theirs, e, tolerance, where, labels, title, drift)


def _state_disagreement(ours: Stages, theirs: Stages, e: Experiment, tolerance: Tolerance, where: UpdateSite,
                        labels: tuple[str, str], title: str, drift: float) -> Failure | None:
    """The first optimizer state quantity out of tolerance after the update (output layer first; the step
    counts exactly), when the weights themselves agree."""
    if ours.state is None or theirs.state is None:
        return None
    L = e.n_layers
    tolerance = state_tolerance_for(e.dtype) if tolerance == tolerance_for(e.dtype) else tolerance
    for name, flat in theirs.state.items():
        mine_flat = ours.state.get(name)
        if name == "step":
            per_param = [(f"{p}{l}", l, np.array([[mine_flat[2 * (l - 1) + k]]]), np.array([[flat[2 * (l - 1) + k]]]))
                         for l in range(L, 0, -1) for k, p in enumerate("Wb")]
        else:
            mine_w, mine_b = per_parameter(mine_flat, e.sizes)
            ref_w, ref_b = per_parameter(flat, e.sizes)
            per_param = [(f"{p}{l}", l, mine[l - 1], ref[l - 1]) for l in range(L, 0, -1)
                         for p, mine, ref in (("W", mine_w, ref_w), ("b", mine_b, ref_b))]
        for parameter, l, mine, ref in per_param:
            mask = mine != ref if name == "step" else violations(mine, ref, tolerance)
            if mask.any():
                array = f"{SYMBOLS[name]}_{parameter}"
                hints = ["the weights after this update agree: the state the optimizer carries to the next update "
                         f"differs ({LABELS[name]})"]
                return _record(e, where, tolerance, drift, labels, title, "optimizer state", l, parameter, mine, ref,
                               mask, [array], hints, f"the optimizer's state after the step: {LABELS[name]}",
                               array=array)
    return None


def gradient_hints(ours: Stages, ref: Reference, setting: Setting, e: Experiment, first: tuple[int, str],
                   wrong: list[tuple[int, str]], before: tuple[list, list]) -> list[str]:
    """The hints for the first wrong gradient, most specific first. An all-zero gradient explains everything
    on its own: then nothing else is said."""
    l, p = first
    L = e.n_layers
    name = f"d{p}{l}"
    mine = (ours.dW if p == "W" else ours.db)[l - 1]
    ref_grad = (ref.dW if p == "W" else ref.db)[l - 1]
    zeros = zero_hint(mine, ref_grad, name)
    if zeros:
        below = [f"d{q}{k}" for k, q in wrong if (k, q) != first]
        return zeros + ([f"also wrong: {', '.join(below)}"] if below else [])
    other = right_for_another_setting(ours.dW, ours.db, ref, setting) or hard_coded_slope(ours.dW, ours.db,
                                                                                          ref, setting)
    delta_right = e.bias and len({q for k, q in wrong if k == l}) == 1
    formulas = formula_hints(l - 1, p, mine, ref, setting)
    if any("is missing from delta" in h for h in formulas):   # "right for identity" says the same, less plainly
        other = [h for h in other if "activation identity" not in h]
    conventions = _without_l2(lambda o, t, s: convention_hints(o, t, s), ours.dW + ours.db, ref.dW + ref.db,
                              before[0] + [b if e.l2_biases else 0 * b for b in before[1]], setting)
    if conventions:     # one factor explains every gradient: the loss's convention, said with its flag
        other = []
    hints = _nan_hint(mine, name) + conventions
    names = [f"dW{k}" for k in range(1, L + 1)] + [f"db{k}" for k in range(1, L + 1)]
    everywhere = l2_everywhere(ours.dW + ours.db, ref.dW + ref.db, before[0] + before[1], names,
                               [f"d{q}{k}" for k, q in wrong], setting.rtol)
    param = (before[0] if p == "W" else before[1])[l - 1]
    if p == "W" or e.l2_biases or everywhere:
        hints += l2_term(mine, ref_grad, param, e, name, setting.rtol, biases_too=bool(everywhere and everywhere[1]))
    if everywhere and hints[-1:] and len(wrong) > 1:   # the term explains every wrong gradient: nothing else to find
        return hints + [f"the same term is in every wrong gradient ({', '.join(f'd{q}{k}' for k, q in wrong)}) and "
                        "is the whole difference: the deltas agree"]
    hints += constant_term(mine, ref_grad, param, name, setting.rtol)
    generic = not (formulas or hints or other)
    factors = _without_l2(lambda o, t, s: factor_hints(o[0], t[0], s, name, generic=generic, delta_right=delta_right),
                          [mine], [ref_grad], [param if p == "W" or e.l2_biases else 0 * param], setting)
    if not conventions or any("explanations fit" in h for h in factors):   # the convention says it, unless
        hints += factors                                                   # another factor fits as well
    hints += transposed_hint(mine, ref_grad, setting, name) + formulas + other
    return hints + layer_hints(first, wrong, L, e.bias)


def _without_l2(hint: Any, ours: list[np.ndarray], theirs: list[np.ndarray], params: list[np.ndarray],
                s: Setting) -> list[str]:
    """`hint(ours, theirs, s)`; with an L2 penalty, on the loss's part of the gradients (the penalty's l2 x W
    taken from both sides; it does not scale with the batch or the outputs), said as such."""
    if not s.l2:
        return hint(ours, theirs, s)
    found = hint([o - s.l2 * w for o, w in zip(ours, params)], [t - s.l2 * w for t, w in zip(theirs, params)],
                 replace(s, l2=0.0))
    return [f"apart from the L2 term (l2 x W, the same on both sides), {h}" for h in found]


def _specific(hints: list[str]) -> bool:
    """Whether a hint names a formula or a factor (not only where to look)."""
    where_only = ("the layers above", "also wrong", "only layer")
    return any(not (h.startswith(where_only) or " agrees, so delta" in h) for h in hints)   # "db3 agrees, so ..."


def _nan_hint(mine: np.ndarray, name: str) -> list[str]:
    if np.isfinite(mine).all():
        return []
    kind = "NaN" if np.isnan(mine).any() else "inf"
    return [f"yours has {kind} in {name}: look for a division by zero, a log of 0 or an overflowing exp"]


def _record(e: Experiment, where: UpdateSite, tol: Tolerance, drift: float, labels: tuple[str, str], title: str,
            stage: str,
            layer: int, parameter: str, mine: np.ndarray, ref: np.ndarray, mask: np.ndarray, wrong: list[str],
            hints: list[str], context: str, array: str | None = None) -> Failure:
    element = _worst(mask, mine, ref)
    a, b = float(mine[element]), float(ref[element])
    shown = array or parameter
    label = f"{shown}[{element[0]}, {element[1]}]"
    sample = f" (sample {where.samples[element[0]]})" if stage == "forward" else ""
    diff = abs(a - b)
    if 0 < drift and diff <= 1e-6 * max(abs(a), abs(b)):
        hints = hints + [f"the two sides started this update {drift:.2g} apart (within tolerance: rounding carried "
                         f"over from earlier updates); a relative difference of {diff / max(abs(a), abs(b)):.1g} is "
                         "that rounding grown, most likely, not a wrong formula: this run amplifies rounding (see "
                         "its parity curve, `--out DIR`)"]
    lines = [f"{title} FAILED at {where.describe()}, stage {stage}: layer {layer}, {label}{sample}: "
             f"{labels[0]} {a!r}, {labels[1]} {b!r}, |diff| {diff:.3g} > tolerance ({tol.describe()})",
             f"  {context}; wrong at this stage: {', '.join(wrong)}"]
    lines += [f"  hint: {h}" for h in hints]
    lines.append(neighbours(mine.reshape(mine.shape[0], -1), ref.reshape(ref.shape[0], -1), element,
                            labels[0], labels[1]))
    return Failure("\n".join(lines), where.update, where.epoch, where.batch, tuple(where.samples), stage, layer,
                   parameter, shown, (int(element[0]), int(element[1])), labels, a, b, tuple(wrong), tuple(hints),
                   drift)
