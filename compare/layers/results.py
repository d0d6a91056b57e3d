"""What checking one layer found: per item (output, state or gradient) how close yours came over every case,
the first disagreement with its hints, or why the layer could not be checked."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from compare.layers.elements import TOLERANCE, Difference, difference, first_nonfinite, index_text
from compare.layers.hints import hints_for, nonfinite_hints
from compare.layers.recorded import Recorded
from compare.layers.returns import Problem
from compare.layers.table.types import Case, Layer

STATUSES = ("ok", "failed", "error", "not checked")


@dataclass
class ItemResult:
    name: str
    max_abs_diff: float = 0.0
    max_rel_diff: float = 0.0
    ok: bool = True


@dataclass(frozen=True)
class Failure:
    """The first disagreement (or the problem that stopped the layer): the function, the item, the case,
    the element and both values where there are numbers, one line, and the hints."""

    function: str
    item: str
    case: str
    message: str
    hints: tuple[str, ...] = ()
    index: str = ""
    yours: float | None = None
    torch: float | None = None


@dataclass
class LayerResult:
    layer: str
    status: str
    items: list[ItemResult] = field(default_factory=list)
    failure: Failure | None = None
    user_traceback: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def max_rel_diff(self) -> float:
        return max((i.max_rel_diff for i in self.items), default=0.0)


class Tally:
    """Comparisons of one layer, case after case: the worst difference per item and the first failure."""

    def __init__(self, layer: Layer):
        self.layer = layer
        self.items: dict[str, ItemResult] = {}
        self.failure: Failure | None = None
        self.mutated: Failure | None = None
        self.notes: list[str] = []

    def compare(self, case: Case, rec: Recorded, function: str, item: str, yours: np.ndarray,
                ref: np.ndarray) -> Difference | None:
        """Yours against torch's for one item; a wrong shape or a NaN is a `Problem`."""
        where = f"(case \"{case.name}\")"
        if yours.shape != ref.shape:
            shape = self.layer.shapes.get(self._shape_of(item), "")
            raise Problem(f"{function}: {item} has shape {yours.shape}; expected {ref.shape}"
                          f"{' = ' + shape if shape else ''} {where}", function, item,
                          hints_for(self.layer, case, rec, item, yours, ref))
        bad = first_nonfinite(yours)
        if bad is not None:
            what = "NaN" if np.isnan(yours[bad]) else "an infinity"
            raise Problem(f"{function}: {item} has {what} at {index_text(item, bad)} {where}", function, item,
                          nonfinite_hints(self.layer, case, rec, item, yours))
        d = difference(yours, ref)
        if not d.ok and case.convention:
            rules = [m.hint for m in self.layer.mistakes if m.case == case.name and item in m.items and
                     m.hint in hints_for(self.layer, case, rec, item, yours, ref)]
            if rules:          # another rule at ties, named: a note, not a disagreement
                self.notes.append(f"{function}: {item} at ties (case \"{case.name}\"): {rules[0]}")
                return d
        result = self.items.setdefault(item, ItemResult(item))
        result.max_abs_diff = max(result.max_abs_diff, d.max_abs)
        result.max_rel_diff = max(result.max_rel_diff, d.max_rel)
        result.ok = result.ok and d.ok
        if not d.ok and self.failure is None:
            shape = self.layer.shapes.get(self._shape_of(item), "")
            at = index_text(item, d.index)
            self.failure = Failure(
                function, item, case.name,
                f"{function}: {item} disagrees with torch {where} at {at}"
                f"{' (' + item + ': ' + shape + ')' if shape and d.index else ''}: yours {d.yours:.17g}, torch "
                f"{d.torch:.17g}, |difference| {abs(d.yours - d.torch):.3g} (tolerance "
                f"{TOLERANCE.describe()}); {d.failing} of {d.size} element{'s' if d.size != 1 else ''} outside",
                tuple(hints_for(self.layer, case, rec, item, yours, ref)), at, d.yours, d.torch)
        return d

    def _shape_of(self, item: str) -> str:
        if item in self.layer.gradients:
            return self.layer.grad_of[self.layer.gradients.index(item)]
        return item

    def result(self) -> LayerResult:
        items = [self.items[name] for name in self.layer.items if name in self.items]
        if self.failure is not None:
            return LayerResult(self.layer.name, "failed", items, self.failure, notes=self.notes)
        if self.mutated is not None:
            return LayerResult(self.layer.name, "error", items, self.mutated, notes=self.notes)
        return LayerResult(self.layer.name, "ok", items, notes=self.notes)


def problem_result(layer: Layer, tally: Tally, problem: Problem, case: str) -> LayerResult:
    items = [tally.items[name] for name in layer.items if name in tally.items]
    failure = Failure(problem.function, problem.item, case, str(problem), tuple(problem.hints))
    return LayerResult(layer.name, "error", items, failure, problem.user_traceback)
