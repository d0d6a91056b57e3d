"""The designed inputs of a case, drawn from its seed and shaped by its `design` (NumPy only)."""

from __future__ import annotations

import numpy as np

from compare.layers.table.types import Case, Layer

INTEGER = {"y", "mask"}


def case_inputs(layer: Layer, case: Case) -> dict[str, np.ndarray]:
    """Every array of the case (arguments, `bn_param.running_*`, upstream gradients), by name."""
    rng = np.random.default_rng(case.seed)
    arrays: dict[str, np.ndarray] = {}
    for name, shape in case.shapes.items():
        if name == "x" and layer.name == "word_embedding":
            arrays[name] = _indices(rng, shape, case.shapes["W"][0])
        elif name == "y":
            arrays[name] = rng.integers(0, case.shapes["x"][-1], size=shape).astype(np.int64)
        elif name == "mask":
            arrays[name] = _mask(rng, shape)
        else:
            arrays[name] = _floats(rng, name, shape, layer, case)
    return arrays


def _floats(rng: np.random.Generator, name: str, shape: tuple[int, ...], layer: Layer, case: Case) -> np.ndarray:
    z = rng.standard_normal(shape)
    if name == "gamma":
        return 1.0 + 0.5 * z                                 # around 1, no zero
    if name.endswith("running_var"):
        return rng.uniform(0.5, 2.0, size=shape)
    if name in ("Wx", "Wh") or (name == "w" and layer.name.startswith("lstm")):
        return 0.4 * z                                       # recurrent weights: tanh and sigmoid not saturated
    if name != "x":
        return z
    if case.design == "offset":                              # every feature (channel) its own mean and scale
        feature = shape[1:2] + (1,) * (len(shape) - 2)
        return (1.0 + 2.0 * rng.uniform(size=feature)) * z + 5.0 * rng.standard_normal(feature)
    if case.design == "zeros":                               # a third exactly 0 (torch's rule there)
        z[rng.uniform(size=shape) < 1 / 3] = 0.0
        return z
    if case.design == "large":                               # exp(x) overflows in float64 beyond ~709
        return 1000.0 + 5.0 * z
    if case.design == "shared":                              # a maximum shared by two overlapping windows
        z[:, :, 0, 2] = 10.0 + rng.uniform(size=shape[:2])
        return z
    if case.design == "ties":                                # small integers: tied maxima in many windows
        return rng.integers(-2, 2, size=shape).astype(np.float64)
    return z


def _indices(rng: np.random.Generator, shape: tuple[int, ...], vocabulary: int) -> np.ndarray:
    """Indices with repeats (their gradients add up) that leave the last word unused."""
    x = rng.integers(0, vocabulary - 1, size=shape).astype(np.int64)
    x.flat[-1] = x.flat[0]                                   # at least one repeat, whatever the draw
    return x


def _mask(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Booleans with a third of the steps off (at least one off and one on in every sequence)."""
    mask = np.ones(shape, dtype=bool)
    for row in mask:
        off = rng.choice(shape[1], size=max(1, shape[1] // 3), replace=False)
        row[off] = False
    return mask


def case_numbers(layer: Layer, case: Case, arrays: dict[str, np.ndarray]) -> dict[str, float]:
    """The named numbers a factor hint may be (N, 1/N, T, 1/T, p, pad, the mask's sum)."""
    x = arrays.get("x", arrays.get("W"))
    n = float(x.shape[0])
    numbers = {"N": n, "1/N": 1 / n}
    if x.ndim >= 3 and layer.name in ("rnn", "lstm", "temporal_affine", "temporal_softmax_loss", "word_embedding"):
        numbers.update({"T": float(x.shape[1]), "1/T": 1 / x.shape[1]})
    if "mask" in arrays:
        numbers.update({"mask_sum": float(arrays["mask"].sum()), "N/mask_sum": n / arrays["mask"].sum()})
    if "conv_param" in case.params:
        numbers["pad"] = float(case.params["conv_param"]["pad"])
    return numbers
