"""A layer's disagreement at a rubric's `feedback = "location"`: the function, the output or gradient, the
designed input and the element, the others out of tolerance, and the kind of mistake (an axis, a factor, a
missing term, ...), read off the hints the layer check found; no hint sentence, no value, no shape formula.
`"hints"` gives the layer check's whole explanation; `"verdict"` pass or fail only.

Pure: a `LayerResult` and its layer in, one line out.
"""

from __future__ import annotations

import re

from compare.layers.results import LayerResult
from compare.layers.table.types import Layer

# every mistake of the layer table (`Layer.mistakes`, by id): the kind it is, in words that name no fix
KINDS = {
    "a transpose": ("transposed", "transposed-wx", "transposed-kernel"),
    "the axis a sum or a mean runs over": ("db-axis", "dgamma-axis", "dgamma-all-axes", "over-batch",
                                           "over-batch-only", "per-pixel", "per-channel"),
    "which channels form a group": ("interleaved-groups", "group-count-swapped"),
    "a factor (an average, a count or a scale)": (
        "average", "db-mean", "dgamma-mean", "divided-by-NT", "divided-by-mask", "loss-sum", "not-scaled",
        "scaled-by-p", "variance-n-1", "unbiased-variance", "unbiased-running-var", "dx-no-mean", "count-n"),
    "a missing term (a path the gradient also flows through)": (
        "no-mean-term", "no-variance-term", "no-cell-next-step", "no-dnext-c", "no-next-step", "stats-constant"),
    "an extra term": ("svm-correct-class",),
    "a gradient overwritten where it adds up": ("overwritten", "dw-overwritten", "dx-overwritten",
                                                "window-assigned"),
    "the kernel's orientation": ("flipped-kernel", "dw-flipped"),
    "the padding or the stride": ("pad-not-cropped", "stride-ignored"),
    "a derivative taken at the wrong value": ("tanh-derivative", "tanh-of-output", "uncentred"),
    "the derivative where the input is exactly 0": ("relu-at-zero",),
    "the mask": ("mask-ignored", "unmasked"),
    "test mode": ("test-batch-stats", "test-no-affine", "test-masked"),
    "what a hyperparameter means (p, momentum) or how running statistics update": (
        "drop-probability", "torch-momentum", "torch-running-var", "running-var-eps"),
    "the order of the gates": ("gate-blocks-swapped", "torch-gate-order", "gates-permuted"),
    "where epsilon goes": ("eps-outside-sqrt", "test-eps-outside-sqrt"),
    "which element of a window gets the gradient": ("all-ties", "last-tie", "whole-window", "split-ties"),
    "numerical stability (an overflow)": ("overflow",),
    "a shape": ("dx-not-reshaped", "dgamma-shape"),
}
KIND_OF = {mistake: kind for kind, ids in KINDS.items() for mistake in ids}
GENERIC = (("opposite sign", "a sign"), ("the shape is not", "a shape (an axis kept as a 1)"),
           ("-0 is 0", "the padding or the stride"), ("changed in test mode", "test mode"),
           ("is unchanged, the array passed in", "how running statistics update"),
           ("nothing is dropped", "the mask"))
_SHAPE_RULE = re.compile(r"(expected \([^)]*\)) = .*?( \(case )")


def kinds(layer: Layer, hints: tuple[str, ...]) -> list[str]:
    """The kinds of mistake the hints point at, each once, in the hints' order."""
    by_hint = {m.hint: KIND_OF.get(m.id, "") for m in layer.mistakes}
    found: list[str] = []
    for hint in hints:
        kind = by_hint.get(hint) or next((k for words, k in GENERIC if words in hint), "")
        if kind and kind not in found:
            found.append(kind)
    return found


def layer_location(layer: Layer, result: LayerResult) -> str:
    """One line: where `result`'s failure is and the kind of mistake; no formula, no value."""
    f = result.failure
    if f is None:
        return ""
    if result.status == "failed":
        where = f"{f.function}: {f.item} disagrees with torch (case \"{f.case}\")"
        where += f" at {f.index}" if f.index else ""          # dropout's share of kept units has no element
        others = [i.name for i in result.items if not i.ok and i.name != f.item]
        if others:
            where += f" (also out of tolerance: {', '.join(others)})"
    else:        # the function could not be used as it is: the problem's line, its shape rule left out
        where = _SHAPE_RULE.sub(r"\1\2", f.message)
    found = kinds(layer, f.hints)
    if not found:
        return where + ("; the pattern of the wrong numbers matches no mistake we know"
                        if result.status == "failed" else "")
    return where + "; the kind of mistake: " + " or ".join(found)
