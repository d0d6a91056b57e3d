"""What your numbers match, when they are not torch's: the table's mistakes (`Layer.mistakes`), each tried
on the item it changes, and named only when your numbers equal what that mistake computes (to rounding).
Right or silent: a hint is never a guess.

    hints_for(layer, case, recorded, "dx", yours) -> ["dx lacks the term through the mean: ...", ...]
"""

from __future__ import annotations

import numpy as np

from compare.diagnosis.hints import same
from compare.layers.gates import read_in_another_order
from compare.layers.recorded import Recorded
from compare.layers.table.types import Case, Layer, Mistake

RTOL = 1e-7     # how exactly a mistake's numbers must fit yours (float64; the rounding is ~1e-15)


def hints_for(layer: Layer, case: Case, rec: Recorded, item: str, yours: np.ndarray,
              ref: np.ndarray | None = None) -> list[str]:
    """The sentences of every mistake of `layer` whose numbers for `item` equal `yours`. `ref`: torch's
    numbers for it (default: the recording's; dropout passes the ones derived from your mask)."""
    ref = rec.ref.get(item) if ref is None else ref
    if ref is None:
        return []
    found = [m.hint for m in layer.mistakes
             if item in m.items and m.kind != "drawn" and (not m.case or m.case == case.name)
             and _fits(m, rec, item, yours, ref)]
    if not found and yours.shape == ref.shape and np.abs(ref).max(initial=0.0) > 0 and same(yours, -ref, RTOL):
        found.append(f"{item} has the opposite sign of torch's at every element")
    if not found and (shape := _shape_only(yours, ref)):
        found.append(shape)
    if not found and yours.size == 0 and ref.size and rec.numbers.get("pad") == 0:
        found.append(f"{item} is empty: with pad = 0, a crop written [pad:-pad] keeps nothing (-0 is 0); "
                     "[pad:pad + H] works for every pad")
    return found


def _shape_only(yours: np.ndarray, ref: np.ndarray) -> str:
    """The sentence for the right numbers in another shape ((1, D) for (D,): a sum or mean with keepdims)."""
    if yours.shape == ref.shape or yours.size != ref.size or not np.isfinite(yours).all():
        return ""
    if not same(yours.reshape(ref.shape), ref, RTOL):
        return ""
    kept = tuple(n for n in yours.shape if n != 1) == tuple(n for n in ref.shape if n != 1)
    extra = yours.ndim - ref.ndim
    if extra > 1 and yours.shape[extra:] == ref.shape and set(yours.shape[:extra]) == {1}:   # 1: keepdims, likelier
        return (f"the numbers are right, the shape is not: {yours.shape} where the interface has {ref.shape}: "
                f"{extra} extra leading axes of size 1, which NumPy's broadcasting adds "
                "when an operand has more axes (a parameter of shape (1, C, 1, 1) indexed as if it were (C,), "
                "gamma[None, :, None, None]?)")
    return (f"the numbers are right, the shape is not: {yours.shape} where the interface has {ref.shape}"
            + (": the summed axis kept as a 1 (a sum or mean with keepdims=True)" if kept else ""))


def nonfinite_hints(layer: Layer, case: Case, rec: Recorded, item: str, yours: np.ndarray) -> list[str]:
    """For NaN or inf in yours: the recorded mistakes of this case that also give non-finite numbers there."""
    bad = ~np.isfinite(yours)
    return [m.hint for m in layer.mistakes
            if m.kind == "recorded" and item in m.items and (not m.case or m.case == case.name)
            and (alt := rec.alts.get(m.id, {}).get(item)) is not None and alt.shape == yours.shape
            and (~np.isfinite(alt) == bad).all()]


def _fits(m: Mistake, rec: Recorded, item: str, yours: np.ndarray, ref: np.ndarray) -> bool:
    if not np.isfinite(yours).all():
        return False
    if m.kind == "recorded":
        alt = rec.alts.get(m.id, {}).get(item)
        return alt is not None and np.isfinite(alt).all() and same(yours, alt, RTOL)
    if m.kind == "factor":
        k = rec.numbers.get(m.arg)
        return k is not None and k != 1 and same(yours, k * ref, RTOL)
    if m.kind == "transpose":
        return ref.ndim == 2 and not same(ref, ref.T, RTOL) and same(yours, ref.T, RTOL)
    if m.kind == "reshape":
        return yours.shape != ref.shape and yours.size == ref.size and same(yours.reshape(ref.shape), ref, RTOL)
    if m.kind == "crop":
        p = int(rec.numbers.get(m.arg, 0))
        grown = ref.shape[:-2] + (ref.shape[-2] + 2 * p, ref.shape[-1] + 2 * p)
        return p > 0 and yours.shape == grown and same(yours[..., p:-p, p:-p], ref, RTOL)
    if m.kind == "flip":
        if ref.ndim < 2:          # a kernel has two spatial axes at least: a 1-D item has none to flip
            return False
        flipped = ref[..., ::-1, ::-1]
        return not same(ref, flipped, RTOL) and same(yours, flipped, RTOL)
    if m.kind == "gates":
        return read_in_another_order(rec.inputs, item, yours, lambda a, b: same(a, b, RTOL))
    if m.kind == "blocks":
        return _swapped_blocks(ref) is not None and same(yours, _swapped_blocks(ref), RTOL)
    return False


def _swapped_blocks(ref: np.ndarray) -> np.ndarray | None:
    """`ref` with the third and fourth blocks of its last axis swapped (LSTM gates o and g)."""
    if ref.shape[-1] % 4:
        return None
    H = ref.shape[-1] // 4
    swapped = ref.copy()
    swapped[..., 2 * H:3 * H], swapped[..., 3 * H:] = ref[..., 3 * H:], ref[..., 2 * H:3 * H]
    return None if same(swapped, ref, RTOL) else swapped
