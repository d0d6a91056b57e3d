"""What a wrong number's pattern suggests: pure functions from arrays to sentences.

Given the first wrong array (yours) and the reference (torch's), these recognise the classic mistakes of a
hand-derived backprop: the exact negative, a constant factor that is the batch size, the number of outputs
or 2, a transposed matrix, layers in reverse order, and, using the reference's own intermediate values
(`Reference`: the forward pass, autograd's dL/dZ and the weights before the update), a few mistaken formulas
rebuilt from the correct ingredients: the activation's derivative missing or taken at Z, delta propagated
through W instead of W.T, dW built from another layer's activations, the bias gradient from one row. When
several explanations fit the same numbers (a factor 2 with a batch of 2 and 2 outputs), all are named.

Nothing here reads files, prints or imports torch; every function returns a list of sentences (maybe empty).
"""

from __future__ import annotations

import numpy as np

from compare.diagnosis.deltas import HARD_CODED_SLOPES, mistaken_deltas, slope_text
from compare.diagnosis.mistakes import one_sample_dw
from compare.diagnosis.setting import Reference, Setting, same
from numpy_impl.activations import activate

__all__ = ["Reference", "Setting", "same", "factor_hints", "formula_hints", "forward_hints", "layer_hints",
           "transposed_hint", "zero_hint"]


def constant_factor(ours: np.ndarray, theirs: np.ndarray, rtol: float = 1e-6) -> float | None:
    """r when ours = r * theirs at every element (theirs not all zero), else None."""
    if ours.shape != theirs.shape or not np.isfinite(ours).all():
        return None
    big = np.abs(theirs) > 1e-3 * np.abs(theirs).max(initial=0.0)
    if not big.any():
        return None
    ratios = ours[big] / theirs[big]
    r = float(np.median(ratios))
    if r == 0.0 or not same(ours, r * theirs, rtol):
        return None
    return r


def _near(r: float, target: float, rtol: float) -> bool:
    return abs(r - target) <= max(rtol, 1e-9) * 10 * abs(target)


def factor_hints(ours: np.ndarray, theirs: np.ndarray, setting: Setting, name: str = "it", *,
                 generic: bool = True, delta_right: bool = False) -> list[str]:
    """Explanations of ours = r * theirs for the r that fits, naming every one that does. A single number is
    always some multiple of another, so for one element only the known factors are named; `generic` adds a
    sentence for a constant factor that none of them explains. `delta_right`: the other gradient of the same
    layer agrees (so delta is right and only this parameter's own formula can be wrong)."""
    r = constant_factor(ours, theirs, setting.rtol)
    if r is None or _near(r, 1.0, setting.rtol):
        return []
    single = int(np.count_nonzero(np.abs(theirs) > 1e-3 * np.abs(theirs).max(initial=0.0))) == 1
    B, K, loss, tol = setting.batch_size, setting.n_outputs, setting.loss, setting.rtol
    m = abs(r)
    found: list[tuple[str, bool]] = []   # (an explanation, whether it is in the loss's derivative): one there is
                                         # shared by every gradient, so ruled out where another one of the
                                         # layer agrees (`delta_right`)
    summed = setting.reduction == "sum"     # the loss is the batch sum: no average over the batch to miss
    if B > 1 and _near(m, B, tol):   # the batch average can be missing from one gradient's own formula
        found.append((f"a factor of the batch size B = {B}: multiplied by B where the loss is already the sum over "
                      "the batch" if summed else f"a factor of the batch size B = {B}: the average over the batch "
                      "is missing (the sums over the samples are used as they are)", False))
    if B > 1 and _near(m, 1 / B, tol):
        found.append((f"a factor 1/B, B = {B} the batch size: averaged over the batch where this experiment sums "
                      "the loss (reduction \"sum\")" if summed else
                      f"a factor 1/B, B = {B} the batch size: averaged over the batch twice", False))
    if K > 1 and _near(m, K, tol):
        found.append((f"a factor of the number of outputs K = {K}: the other loss convention: yours is the gradient "
                      f"of loss \"sum\" (per sample, the sum over outputs of (t - a)^2 / 2); the experiment uses "
                      f"loss \"{loss}\"" if loss == "mean" else
                      f"a factor of the number of outputs K = {K}: an extra factor K", loss == "mean"))
    if K > 1 and _near(m, 1 / K, tol):
        found.append((f"a factor 1/K, K = {K} outputs: the other loss convention: yours is the gradient of loss "
                      f"\"mean\" (also divided by the number of outputs); the experiment uses loss \"{loss}\""
                      if loss == "sum" else f"a factor 1/K, K = {K} outputs: divided by K once too often",
                      loss == "sum"))
    mse = loss in ("sum", "mean")
    whole = mse and setting.mse_scale == 1       # the experiment's loss is (t - a)^2, without the 1/2
    if _near(m, 2.0, tol):
        found.append(("a factor 2: the derivative of (t - a)^2 doubled once more (the loss is already (t - a)^2, "
                      "mse_scale 1)" if whole else
                      "a factor 2: MSE instead of MSE/2 (the derivative of (t - a)^2, where the loss is "
                      "(t - a)^2 / 2; torch's MSELoss and nnfs' mean squared error have no 1/2, the suite's "
                      "loss \"mean\" is MSELoss() / 2); if your loss is (t - a)^2 on purpose, check it with "
                      "--mse-scale 1" if mse else "a factor 2: an extra 2", mse))
    if _near(m, 0.5, tol):
        found.append(("a factor 1/2: MSE/2 where this experiment's loss is (t - a)^2 (mse_scale 1, torch's "
                      "MSELoss): yours is the derivative of (t - a)^2 / 2; drop --mse-scale 1 if your loss "
                      "halves" if whole else
                      "a factor 1/2: the derivative of (t - a)^2 / 2 halved once more" if mse
                      else "a factor 1/2: halved once too often", mse))
    n = round(1 / m) if m < 1 else 0
    if n > 1 and n != B and n != K and _near(m, 1 / n, tol):
        found.append((f"divided by {n} where this batch has B = {B} sample{'s' if B > 1 else ''}: a batch size "
                      "fixed in the code? (a last, partial batch is smaller)", False))
    negative = ("deltas built from T - A (the seed writes the update as W + lr * delta) returned as gradients: "
                "they point the other way from dL/dW")
    if delta_right:
        negative = "the sign in its own formula (the other gradient of this layer agrees, so delta is right)"
    explained = [text for text, of_the_loss in found if not (delta_right and of_the_loss)]
    if r < 0 and _near(m, 1.0, tol):
        return [f"yours is the exact negative of torch's at every element of {name}: {negative}"]
    if explained:
        lead = f"yours = torch's x {r:.6g} at every element of {name}"
        if r < 0:
            lead += f"; the sign is flipped ({negative}) and"
        if len(explained) > 1:
            lead += f"; {len(explained)} explanations fit this factor, check each"
        return [lead + ": " + "; OR ".join(explained)]
    if single or not generic:
        return []
    sign = "; the sign is flipped too" if r < 0 else ""
    return [f"yours = torch's x {r:.6g} at every element of {name}: a constant factor missing or extra "
            f"({_ruled_out(B, K)}){sign}"]


def _ruled_out(B: int, K: int) -> str:
    """The factors this hint has ruled out, each named once: "not the batch size 3, the number of outputs 2"
    (2 itself is the number of outputs there), "not the batch size 4 or 2"."""
    named = [f"the batch size {B}"] if B > 1 else []
    if K > 1:
        named.append(f"the number of outputs {K}")
    if 2 not in (B, K):
        named.append("2")
    return "not " + (", ".join(named[:-1]) + " or " + named[-1] if len(named) > 1 else named[0])


def transposed_hint(ours: np.ndarray, theirs: np.ndarray, setting: Setting, name: str) -> list[str]:
    if ours.ndim == 2 and ours.shape == theirs.T.shape and not same(theirs, theirs.T, setting.rtol) \
            and same(ours, theirs.T, setting.rtol):
        return [f"yours is torch's {name} transposed: (outputs, inputs) where W is (inputs, outputs) (on a square "
                "layer the shapes cannot tell them apart)"]
    return []


def formula_hints(i: int, parameter: str, ours: np.ndarray, ref: Reference, s: Setting) -> list[str]:
    """Mistaken formulas for layer i+1's gradient (parameter "W" or "b") that reproduce `ours` exactly."""
    hints = []
    layer = i + 1
    L = len(ref.weights)
    reference = ref.dW if parameter == "W" else ref.db
    for j in range(L):   # gradients returned in another layer order
        if j != i and reference[j].shape == ours.shape and same(ours, reference[j], s.rtol):
            hints.append(f"your d{parameter}{layer} equals torch's d{parameter}{j + 1}: the gradients come back in "
                         "the wrong layer order")
    if ref.dZ is None:
        return hints
    dZ = ref.dZ[i]                               # (B, n_{i+1}), divided by B when the loss is the batch mean
    B = dZ.shape[0]
    # the loss's L2 penalty adds l2 x the parameter to a gradient, whatever mistake its data term has
    penalised = s.l2 and (parameter == "W" or s.l2_biases)
    penalty = s.l2 * (ref.weights if parameter == "W" else ref.biases)[i] if penalised else 0.0
    ours = ours - penalty
    if parameter == "W":
        for j, A in enumerate(ref.activations):  # dW built from another layer's activations
            if j != i and A.shape[1] == ours.shape[0] and same(ours, A.T @ dZ, s.rtol):
                what = "X (the inputs)" if j == 0 else f"A{j}"
                hints.append(f"your dW{layer} is activations[{j}].T @ delta{layer}: built from {what} instead of "
                             f"activations[{i}] ({'X' if i == 0 else f'A{i}'}), the input of layer {layer}")
        for text, candidate in one_sample_dw(ref.activations[i], dZ, layer):
            if same(ours, candidate, s.rtol):
                hints.append(text)
    else:
        for r in range(B if B > 1 else 0):      # the bias gradient from one row instead of the sum over rows
            row = dZ[r:r + 1]
            scales = ((1.0, "divided by B"), (float(B), "")) if s.reduction == "mean" else ((1 / B, "divided by B"),
                                                                                          (1.0, ""))
            for scale, how in scales:
                if same(ours, row * scale, s.rtol):
                    hints.append(f"your db{layer} is row {r} of delta{layer}{' ' + how if how else ''}: the other "
                                 "rows of the batch are left out")
    for text, dZ_wrong in mistaken_deltas(i, ref, s):
        candidate = ref.activations[i].T @ dZ_wrong if parameter == "W" else dZ_wrong.sum(axis=0, keepdims=True)
        if same(ours, candidate, s.rtol) and text not in hints:
            hints.append(text)
    return hints


def layer_hints(first: tuple[int, str], wrong: list[tuple[int, str]], L: int, bias: bool = True) -> list[str]:
    """Where to look, from which parameters are wrong: `first` (layer from 1, "W"/"b") is the first wrong in
    backprop order, `wrong` all wrong ones. Each sentence is a deduction from which gradients agree, so no two
    of them can contradict each other: delta of a layer is called right exactly when one of its two gradients
    agrees, and a wrong layer below is called a consequence only when this layer's delta is wrong. Without
    biases (`bias` False) db is 0 on both sides and proves nothing about delta."""
    layer, parameter = first
    hints = []
    below = [f"d{p}{l}" for l, p in wrong if l < layer]
    same_layer = {p for l, p in wrong if l == layer} if bias else {"W", "b"}
    delta_right = len(same_layer) == 1
    if layer < L and not delta_right:
        hints.append(f"the layers above layer {layer} agree, so delta{layer + 1} is right: the mistake is in layer "
                     f"{layer}: in how delta goes down to it (through W{layer + 1} and the activation's derivative), "
                     f"or in dW{layer} and db{layer}'s own formulas")
    if same_layer == {"W"}:
        hints.append(f"db{layer} agrees, so delta{layer} is right: look at dW{layer}'s own formula")
    elif same_layer == {"b"}:
        hints.append(f"dW{layer} agrees, so delta{layer} is right: look at db{layer}'s own formula")
    wrong_layers = {l for l, _ in wrong}
    gap = next((k for k in range(layer - 1, 0, -1) if k not in wrong_layers), None)
    if below and delta_right:
        hints.append(f"also wrong below it: {', '.join(below)}; delta{layer} is right, so look at their own "
                     "formulas too")
    elif below and gap is not None and any(l < gap for l, _ in wrong):
        hints.append(f"also wrong below it: {', '.join(below)}; layer {gap} agrees in between, so the layers "
                     f"below it are wrong on their own, not through delta")
    elif below:
        hints.append(f"also wrong below it: {', '.join(below)}: a consequence of the wrong delta{layer} passed "
                     f"down, most likely; fix layer {layer} first")
    elif L > 1 and layer == L:
        hints.append(f"only layer {layer} is wrong while the others agree: look at layer {layer}'s formula")
    return hints


def zero_hint(ours: np.ndarray, theirs: np.ndarray, name: str) -> list[str]:
    """An all-zero gradient where the right one is not: the sentence that replaces every other hint."""
    if ours.size and not np.any(ours) and np.any(theirs):
        return [f"your {name} is all zeros where torch's is not: never computed? (a loop over the layers that "
                "stops one layer early, or a gradient created with zeros and never filled in)"]
    return []


def forward_hints(i: int, ours: np.ndarray, ref: Reference, s: Setting) -> list[str]:
    """Mistaken forward formulas for layer i+1's activation that reproduce `ours`."""
    layer = i + 1
    L = len(ref.weights)
    name = s.output_activation if i == L - 1 else s.hidden_activation
    A_prev, W, b = ref.activations[i], ref.weights[i], ref.biases[i]
    candidates = [(f"A{layer} is Z{layer}: the activation ({name}) is not applied", ref.Zs[i])]
    if name != "softmax":
        candidates.append((f"the bias b{layer} is missing from Z{layer}", activate(name, A_prev @ W, s.leaky_slope)))
        if W.shape[0] == W.shape[1]:
            candidates.append((f"Z{layer} uses W{layer}.T: in the seed's layout W is (inputs, outputs)",
                               activate(name, A_prev @ W.T + b, s.leaky_slope)))
    if name != "softmax":
        others = [a for a in ("sigmoid", "tanh", "relu", "leaky_relu", "identity") if a != name]
        key = f"{'output' if i == L - 1 else 'hidden'}_activation"
        question = f": does your forward read `{key}`?" if s.takes(key, forward=True) else ""
        for other in others + (["softmax"] if i == L - 1 and ours.shape[1] > 1 else []):
            candidates.append((f"A{layer} is {other}(Z{layer}); this experiment uses {name} for layer {layer}"
                               f"{question}", activate(other, ref.Zs[i], s.leaky_slope)))
        if name == "leaky_relu":   # a slope written into the code (torch's 0.01, ML-From-Scratch's 0.2, ...)
            candidates += [(slope_text(layer, s, True, slope), activate(name, ref.Zs[i], slope))
                           for slope in HARD_CODED_SLOPES if slope != s.leaky_slope]
    return [text for text, candidate in candidates if same(ours, candidate, s.rtol)]
