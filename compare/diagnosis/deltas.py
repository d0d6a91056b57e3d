"""Mistaken deltas: for one layer, the dL/dZ that each classic mistake of a hand-derived backprop computes,
rebuilt from the correct side's own ingredients (`compare.diagnosis.hints.formula_hints` names a mistake only
when its gradient equals the user's at every element): the activation's derivative missing, taken at Z
instead of A or at A instead of Z, a hard-coded leaky slope, delta through W instead of W.T, the batch's
deltas summed, the wrong targets (`compare.diagnosis.mistakes`)."""

from __future__ import annotations

import numpy as np

from compare.diagnosis.mistakes import batch_sum_mistakes, target_mistakes
from compare.diagnosis.setting import Reference, Setting
from numpy_impl.activations import activate, derivative

DEFAULT_SLOPE = 0.01           # leaky_relu's, torch's: the slope a file hard-codes
# slopes code hard-codes: torch's default, ML-From-Scratch's LeakyReLU and tf.nn.leaky_relu (0.2), Keras (0.3)
HARD_CODED_SLOPES = (0.01, 0.1, 0.2, 0.3)

def _fprime(name: str, Z: np.ndarray, A: np.ndarray, slope: float) -> np.ndarray | None:
    if name == "softmax":
        return None
    return derivative(name, Z, A, slope)


def mistaken_deltas(i: int, ref: Reference, s: Setting) -> list[tuple[str, np.ndarray]]:
    """(description, the dL/dZ of layer i+1 that a classic mistake computes), from correct ingredients."""
    L = len(ref.weights)
    assert ref.dZ is not None
    Z, A = ref.Zs[i], ref.activations[i + 1]
    name = s.output_activation if i == L - 1 else s.hidden_activation
    fprime = _fprime(name, Z, A, s.leaky_slope)
    if fprime is None:
        if i == L - 1 and ref.targets is not None:
            return target_mistakes(ref.dZ[i], ref.targets, s.loss, None, i + 1, s.reduction, s.bce_outputs,
                                   s.mse_scale)
        return []
    if i == L - 1:   # dL/dA_L, recovered from autograd's dL/dZ_L where f' is not zero
        with np.errstate(divide="ignore", invalid="ignore"):
            upstream = np.where(fprime != 0, ref.dZ[i] / fprime, 0.0)
    else:
        upstream = ref.dZ[i + 1] @ ref.weights[i + 1].T
    layer = i + 1
    out = [(f"the derivative of layer {layer}'s activation ({name}) is missing from delta{layer}", upstream)]
    if name == "sigmoid":
        out.append((f"the sigmoid's derivative in delta{layer} is taken at Z (Z (1 - Z)), not at the layer's "
                    "activation", upstream * Z * (1 - Z)))
    if name == "tanh":
        out.append((f"the tanh's derivative in delta{layer} is taken at Z (1 - Z^2), not at the layer's "
                    "activation", upstream * (1 - Z * Z)))
    if name in ("relu", "leaky_relu"):
        out.append((f"the {name}'s mask in delta{layer} is inverted: the gradient passes where Z{layer} <= 0 and is "
                    f"stopped where Z{layer} > 0 (the comparison reversed, dZ[Z > 0] = 0)",
                    upstream * np.where(Z > 0, 0.0 if name == "relu" else s.leaky_slope, 1.0)))
    if name in ("sigmoid", "tanh"):
        with np.errstate(all="ignore"):
            at_a = derivative(name, A, activate(name, A, s.leaky_slope), s.leaky_slope)
        out.append((f"the {name}'s derivative in delta{layer} is taken at A{layer} instead of at Z{layer}: the "
                    "activation is treated as the pre-activation", upstream * at_a))
    if name == "leaky_relu" and s.leaky_slope != DEFAULT_SLOPE:
        out.append((slope_text(layer, s), upstream * derivative(name, Z, A, DEFAULT_SLOPE)))
    if i < L - 1 and ref.weights[i + 1].shape[0] == ref.weights[i + 1].shape[1]:
        out.append((f"delta{layer} is propagated through W{layer + 1} instead of W{layer + 1}.T (on a square W the "
                    "shapes still fit)", (ref.dZ[i + 1] @ ref.weights[i + 1]) * fprime))
    if i < L - 1:
        out += batch_sum_mistakes(ref.dZ[i + 1], ref.weights[i + 1], fprime, layer)
    elif ref.targets is not None:
        out += target_mistakes(ref.dZ[i], ref.targets, s.loss, fprime, layer, s.reduction, s.bce_outputs,
                                   s.mse_scale)
    return out



def slope_text(layer: int, s: Setting, forward: bool = False, slope: float = DEFAULT_SLOPE) -> str:
    where = f"A{layer}" if forward else f"the derivative in delta{layer}"
    ask = (" (read the keyword argument `leaky_slope`)" if s.takes("leaky_slope", forward)
           else f" (your file takes no `leaky_slope`, so it can only be right for {slope:g})")
    default = "the default, hard-coded?" if slope == DEFAULT_SLOPE else "hard-coded?"
    return (f"{where} uses the leaky_relu slope {slope:g} ({default}) where this experiment uses "
            f"leaky_slope {s.leaky_slope:g}{ask}")
