"""Captions made from what a figure draws, so that no sentence claims what its figure lacks.

A map figure's caption is built sentence by sentence from each panel's `maps.MapFacts` and the shared
`maps.Scale`: the colour range (named as narrow when the output hardly moves, so that its colours are not read
as a strong gradient), that the panels share the scale, the contours when drawn, the decision boundary in
exactly the panels where it is drawn, and for the others on which side of 0.5 the output stays.
`tests/test_report_captions.py` parses every caption and checks it against the networks themselves.
"""

from __future__ import annotations

from typing import Any

NARROW = 0.2        # a colour range narrower than this is named as narrow: its colours exaggerate


def distinct(low: float, high: float, start: int = 3) -> tuple[str, str]:
    """`low` and `high` with as few significant digits (at least `start`) as tell them apart."""
    for p in range(start, 17):
        a, b = f"{low:.{p}g}", f"{high:.{p}g}"
        if a != b:
            return a, b
    return repr(low), repr(high)


def map_caption(t: dict[str, Any], labels: list[str], facts: list[Any], scale: Any) -> str:
    """The map figure's caption, sentence by sentence from what was drawn: the colour range (and that it is
    narrow, or shared), the contours, the boundary in exactly the panels where it is drawn, and for the
    others on which side of 0.5 the output stays."""
    low, high = distinct(scale.low, scale.high)
    sentences = [t["cap_map_narrow" if scale.high - scale.low < NARROW else "cap_map_range"].format(low=low, high=high)]
    if len(facts) > 1:
        sentences.append(t["cap_map_shared"])
    if any(fact.contours for fact in facts):
        sentences.append(t["cap_map_contours"])
    crossing = [label for label, fact in zip(labels, facts) if fact.boundary]
    if crossing:
        sentences.append(t["cap_map_boundary_all"] if len(crossing) == len(facts) else
                         t["cap_map_boundary"].format(panels=t["panel_sep"].join(crossing)))
    for side in ("above", "below"):
        flat = [label for label, fact in zip(labels, facts) if not fact.boundary
                and (fact.low > 0.5 if side == "above" else fact.high < 0.5)]
        if flat:
            key = f"cap_map_{side}_all" if len(flat) == len(facts) else f"cap_map_{side}"
            sentences.append(t[key].format(panels=t["panel_sep"].join(flat)))
    return t["space"].join(sentences)


def seeds_caption(t: dict[str, Any], labels: list[str], spreads: list[Any]) -> str:
    """The sentence on the seeds figures' lower panels, made from what they draw: per random mode the spread
    after the first epoch and after the last, and whether it shrank or grew over the run (a short run need
    not shrink it: the orders can still be driving the seeds apart)."""
    parts = []
    for label, spread in zip(labels, spreads):
        first, last = float(spread[0]), float(spread[-1])
        if last == 0:
            trend = t["spread_zero"]
        else:
            trend = t["spread_shrank" if last < first else "spread_grew" if last > first else "spread_same"]
        parts.append(t["spread_item"].format(label=label, first=f"{first:.2g}", last=f"{last:.2g}", trend=trend))
    return t["cap_seeds_below"].format(trends=t["item_sep"].join(parts))
