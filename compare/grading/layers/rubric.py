"""A rubric's `[[check]]` table naming a layer (`layer = "conv"`), read and validated."""

from __future__ import annotations

from typing import Any

from compare.errors import ExperimentError
from compare.layers.table import LAYERS, layer_named

POINTS_PER = ("layer", "gradient")
LAYER_KEYS = {"name", "layer", "points", "points_per", "fresh", "seed", "feedback", "visibility"}


def layer_check(table: dict[str, Any], at: str, feedback: str, feedbacks: tuple[str, ...],
                visibilities: tuple[str, ...]) -> dict[str, Any]:
    """The `Check` fields of a layer check's table (ExperimentError, one line, for anything wrong)."""
    unknown = sorted(set(table) - LAYER_KEYS)
    if unknown:
        raise ExperimentError(f"{at}: {unknown[0]!r} does not apply to a layer check (its keys: "
                              f"{', '.join(sorted(LAYER_KEYS))})")
    layer = layer_named(table["layer"]) if isinstance(table["layer"], str) else None
    if layer is None:
        raise ExperimentError(f"{at}: layer: unknown layer {table['layer']!r}; the layers are {', '.join(LAYERS)}")
    points = table.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
        raise ExperimentError(f"{at}: points: expected a number >= 0, found {points!r}")
    seed = table.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ExperimentError(f"{at}: seed: expected a whole number >= 0, found {seed!r}")
    fresh = table.get("fresh", True)
    if not isinstance(fresh, bool):
        raise ExperimentError(f"{at}: fresh: expected true or false, found {fresh!r}")
    choices = {"points_per": POINTS_PER, "feedback": feedbacks, "visibility": visibilities}
    given = {"points_per": table.get("points_per", "layer"), "feedback": table.get("feedback", feedback),
             "visibility": table.get("visibility", "visible")}
    for key, value in given.items():
        if value not in choices[key]:
            raise ExperimentError(f"{at}: {key}: expected one of {', '.join(choices[key])}; found {value!r}")
    return {"name": table["name"], "points": float(points), "fresh": fresh, "seed": seed,
            "feedback": given["feedback"], "visibility": given["visibility"], "layer": layer.name,
            "points_per": given["points_per"]}
