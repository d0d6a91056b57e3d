"""Feedback at the "location" level: where the first disagreement is, and what kind of mistake makes that
pattern, without the formula that fixes it.

A rubric's `feedback = "location"` gives a student the update, the stage, the layer, the parameter (and the
other parameters out of tolerance) and the kind of mistake (a factor, a transpose, a sign, a missing
derivative, ...), read off the hints that `compare.diagnosis.hints` found, but none of the hints' sentences,
no value and no neighbour: what to look at, not what to write. `"hints"` gives everything; `"verdict"` pass or
fail only.

Pure: a failure's JSON object in, one line out.
"""

from __future__ import annotations

import re
from typing import Any

# (kind, patterns in a hint that name it), the more specific first; a hint names one kind, the first found
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("a gradient that is never computed (all zeros)", (r"all zeros",)),
    ("the gradients' layer order", (r"wrong layer order",)),
    ("a sign", (r"exact negative", r"sign is flipped", r"the sign in its own formula")),
    ("a transpose", (r"transposed", r"instead of W\d+\.T", r"reshape where a transpose", r"uses W\d+\.T")),
    ("a missing derivative", (r"derivative of layer \d+'s activation .* is missing",)),
    ("a derivative taken at the wrong value", (r"derivative in delta\d+ is taken at",)),
    ("the wrong targets", (r"MEAN target", r"paired with the wrong targets")),
    ("the batch's samples combined too early or too few of them", (
        r"summed over the batch's samples", r"averaged over the batch's samples", r"sample of the batch only",
        r"row \d+ of delta", r"summed over the \d+ outputs")),
    ("a layer's input", (r"built from .* instead of",)),
    ("an extra term in the gradient (an L2 penalty)", (r"L2 term",)),
    ("the activation in the forward pass", (r"activation .* is not applied", r"is \w+\(Z\d+\); this experiment",
                                             r"right for hidden activation", r"right for output activation")),
    ("a missing bias in the forward pass", (r"bias b\d+ is missing",)),
    ("a factor", (r"factor", r"divided by \d+ where", r"averaged over the batch twice",
                  r"average over the batch is missing")),
    ("the loss", (r"loss convention", r"right for loss", r"MSE instead of MSE/2")),
)


def kinds_of(hints: list[str]) -> list[str]:
    """The kinds of mistake the hints point at, each once, in the hints' order."""
    found: list[str] = []
    for hint in hints:
        for kind, patterns in KINDS:
            if any(re.search(p, hint) for p in patterns):
                if kind not in found:
                    found.append(kind)
                break
    return found


def kind_text(failure: dict[str, Any]) -> str:
    """The kind of mistake alone, for the one-cell summaries (the class table, CSV, JSON's `failure.hint`):
    "the kind of mistake: a sign", or "" when the pattern matches none; never a hint's sentence."""
    kinds = kinds_of(list(failure.get("hints") or []))
    return "the kind of mistake: " + " or ".join(kinds) if kinds else ""


def location_text(failure: dict[str, Any], reference: str = "the reference") -> str:
    """One line: where `failure` (a `Failure.as_json()` object) is, and the kind of mistake, no formula."""
    where = (f"disagrees with {reference} at update {failure.get('update')}, stage {failure.get('stage')}, "
             f"layer {failure.get('layer')}, {failure.get('array') or failure.get('parameter')}")
    others = [w for w in failure.get("wrong") or [] if w not in (failure.get("parameter"), failure.get("array"))]
    if others:
        where += f" (also out of tolerance: {', '.join(others)})"
    kinds = kinds_of(list(failure.get("hints") or []))
    if not kinds:
        return where + "; the pattern of the wrong numbers matches no mistake we know"
    return where + "; the kind of mistake: " + " or ".join(kinds)
