"""What a layer check says: one line per layer (the OK line names the largest relative difference seen),
each disagreement or problem explained with its hints, and the JSON object."""

from __future__ import annotations

from typing import Any

from compare.layers.elements import TOLERANCE
from compare.layers.results import LayerResult

WORDS = {"ok": "OK", "failed": "FAILED", "error": "ERROR", "not checked": "not checked"}


def table(results: list[LayerResult]) -> str:
    width = max(len(r.layer) for r in results)
    lines = []
    for r in results:
        if r.status == "ok":
            what = f"largest relative difference {r.max_rel_diff:.2g} ({', '.join(i.name for i in r.items)})"
        elif r.failure is not None and r.status == "failed":
            what = f"{r.failure.function}: {r.failure.item} disagrees"
        else:
            what = r.failure.message if r.failure is not None else ""
        lines.append(f"  {r.layer:<{width}}  {WORDS[r.status]:<11}  {what}")
        lines += [f"  {'':<{width}}  {'':<11}  note: {note}" for note in r.notes]
    return "\n".join(lines)


def explanation(r: LayerResult) -> str:
    """The failure's line and its hints (for stderr)."""
    if r.failure is None:
        return ""
    lines = [f"{r.layer}: {r.failure.message}"]
    others = [i.name for i in r.items if not i.ok and i.name != r.failure.item]
    if others and r.status == "failed":
        lines.append(f"  also outside the tolerance: {', '.join(others)}")
    lines += [f"  hint: {h}" for h in r.failure.hints]
    return "\n".join(lines)


def summary(results: list[LayerResult], file: str) -> str:
    checked = [r for r in results if r.status == "ok"]
    skipped = [r.layer for r in results if r.status == "not checked"]
    worst = max((r.max_rel_diff for r in checked), default=0.0)
    agree = "layer agrees" if len(checked) == 1 else "layers agree"
    text = (f"layer check OK: {file}: {len(checked)} {agree} with torch, every output and gradient element "
            f"within {TOLERANCE.describe()} (largest relative difference {worst:.2g})")
    return text + (f"; not checked: {', '.join(skipped)}" if skipped else "")


def to_json(results: list[LayerResult], file: str) -> dict[str, Any]:
    layers = []
    for r in results:
        failure = None
        if r.failure is not None:
            f = r.failure
            failure = {"function": f.function or None, "item": f.item or None, "case": f.case or None,
                       "message": f.message, "hints": list(f.hints), "index": f.index or None,
                       "yours": f.yours, "torch": f.torch}
        layers.append({"layer": r.layer, "status": r.status,
                       "gradients": [{"name": i.name, "max_abs_diff": i.max_abs_diff, "max_rel_diff": i.max_rel_diff,
                                      "ok": i.ok} for i in r.items],
                       "failure": failure, "notes": list(r.notes)})
    return {"file": file, "tolerance": {"atol": TOLERANCE.atol, "rtol": TOLERANCE.rtol}, "layers": layers}
