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


def templates() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The course's layer templates (examples/layers_template.py, layers_conv_template.py,
    layers_rnn_template.py) and the layers each asks for, in the table's order."""
    from compare.layers.table.conv import CONV_LAYERS
    from compare.layers.table.dense import DENSE_LAYERS
    from compare.layers.table.recurrent import RECURRENT_LAYERS
    return tuple((name, tuple(layer.name for layer in group)) for name, group in (
        ("layers_template.py", DENSE_LAYERS), ("layers_conv_template.py", CONV_LAYERS),
        ("layers_rnn_template.py", RECURRENT_LAYERS)))


def template_of(layer: str) -> tuple[str, tuple[str, ...]]:
    """The template asking for `layer`: (its file name, its layers)."""
    return next(t for t in templates() if layer in t[1])


def touched(defined: set[str]) -> list[str]:
    """The templates a file fills in: those it defines any function of (names as `defined_names` reads them)."""
    return [name for name, layers in templates()
            if any(fn in defined for layer in layers for fn in LAYERS[layer].functions)]


def default_layer_checks(entries: list[Any]) -> list[dict[str, Any]]:
    """The default rubric of a class of layer files: every layer of each template that any of the files
    (`entries`: their entry files) fills in, 1 point each, all or nothing; graded on a file only when it
    fills in that template (`optional`: else 0 of 0), so a file is graded on whole templates."""
    from compare.layers.discover import defined_names
    wanted = {name for path in entries for name in touched(defined_names(path))} or {t for t, _ in templates()}
    return [{"name": layer, "layer": layer, "optional": True} for name, layers in templates() if name in wanted
            for layer in layers]
