"""Decision maps: one trained network's output over the input square, one PNG per panel.

The panels of one figure share one colour scale (`Scale`), spanning their outputs' range, so that the
same colour means the same output in every panel and a network that is sure everywhere (0.97 to 0.99)
still shows its structure; the caption names the range (`MapFacts`), so that a narrow one is not read as a
strong gradient, and labelled contour lines give the values. Where an output crosses 0.5 the scale is
diverging around 0.5 and the 0.5 line (the decision boundary) is drawn thick and named in the legend; where
it does not cross 0.5 there is no such line, and no legend entry for it. The axes reach a little beyond
[0, 1] so that a candidate on the square's edge is drawn whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compare.experiment.definition import Experiment
from compare.reporting.figures import figure

GRID = 201          # GRID x GRID points
PAD = 0.09          # the axes reach from -PAD to 1 + PAD


@dataclass(frozen=True)
class Panel:
    """One trained network's output `output` over the input square."""

    title: str
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    output: int = 0


@dataclass(frozen=True)
class Scale:
    """The colour scale shared by a figure's panels."""

    low: float
    high: float
    diverging: bool           # around 0.5: some panel's output crosses it

    @staticmethod
    def of(outputs: list[np.ndarray]) -> Scale:
        low, high = min(float(o.min()) for o in outputs), max(float(o.max()) for o in outputs)
        return Scale(low, high, any(crosses_half(o) for o in outputs))


@dataclass(frozen=True)
class MapFacts:
    """What one drawn panel shows, for its caption: the output's range and whether the boundary is drawn."""

    low: float
    high: float
    boundary: bool            # the thick 0.5 line is drawn
    contours: bool = True     # thin labelled contour lines are drawn


@dataclass(frozen=True)
class MapWords:
    x: str                    # first input (study score)
    y: str                    # second input (practice score)
    colour: str               # the network's output
    boundary: str             # output = 0.5
    classes: tuple[str, str]  # target 0, target 1
    names: tuple[str, ...]    # the candidates, in data order


def output_grid(experiment: Experiment, panel: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(g1, g2, out): the grid's two inputs and the chosen output there, each (GRID, GRID)."""
    from numpy_impl.network import forward
    u = np.linspace(-PAD, 1.0 + PAD, GRID)
    g1, g2 = np.meshgrid(u, u)                                   # (GRID, GRID)
    grid = np.column_stack([g1.ravel(), g2.ravel()])             # (GRID^2, 2)
    _, activations = forward(panel.weights, panel.biases, grid, hidden_activation=experiment.hidden_activation,
                             output_activation=experiment.output_activation, leaky_slope=experiment.leaky_slope)
    return g1, g2, activations[-1][:, panel.output].reshape(GRID, GRID)


def crosses_half(out: np.ndarray) -> bool:
    return bool(out.min() < 0.5 < out.max())


def colour_range(scale: Scale) -> tuple[float, float, bool]:
    """(low, high, diverging): what the colour bar spans, the scale's range (widened by 1e-6 each way where
    the outputs are one value: a colour scale needs a width), diverging around 0.5 only where 0.5 is inside."""
    low, high = scale.low, scale.high
    if high - low < 1e-12:
        low, high = low - 1e-6, high + 1e-6
    return low, high, scale.diverging and low < 0.5 < high


def contour_levels(out: np.ndarray) -> list[float]:
    """The labelled contour lines' values: round numbers strictly inside the output's own range, 0.5 left to
    the boundary line."""
    from matplotlib import ticker
    own_low, own_high = float(out.min()), float(out.max())
    return [v for v in ticker.MaxNLocator(7).tick_values(own_low, own_high)
            if own_low < v < own_high and abs(v - 0.5) > 1e-9]


def classes_of(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The candidates (rows) of class 0 (target < 0.5) and of class 1 (target >= 0.5)."""
    return np.flatnonzero(column < 0.5), np.flatnonzero(column >= 0.5)


def decision_map(path: Path, experiment: Experiment, panel: Panel, words: MapWords,
                 font: str | None = None, scale: Scale | None = None) -> tuple[list[str], MapFacts]:
    """The output of `panel`'s network over the square, the candidates by name and class, drawn into `path`
    on `scale` (default: the panel's own range); returns the legend's entries and what the panel shows."""
    from matplotlib import colors, ticker
    g1, g2, out = output_grid(experiment, panel)
    boundary = crosses_half(out)
    low, high, diverging = colour_range(scale or Scale.of([out]))
    norm = colors.TwoSlopeNorm(0.5, low, high) if diverging else colors.Normalize(low, high)
    X, T = experiment.inputs, experiment.targets
    with figure(path, font, size=(5.0, 5.3)) as (fig, (ax,)):
        image = ax.imshow(out, origin="lower", extent=(-PAD, 1 + PAD, -PAD, 1 + PAD), norm=norm, aspect="equal",
                          cmap="RdBu_r" if diverging else "viridis")
        levels = contour_levels(out)
        if levels:
            lines = ax.contour(g1, g2, out, levels=levels, colors="k", linewidths=0.5, alpha=0.55)
            ax.clabel(lines, fontsize=8, fmt=lambda v: f"{v:.6g}")
        if boundary:
            ax.contour(g1, g2, out, levels=[0.5], colors="k", linewidths=2.0)
            ax.plot([], [], color="k", lw=2.0, label=words.boundary)
        for cls, marker, rows in zip((0, 1), ("o", "^"), classes_of(T[:, panel.output])):
            if rows.size:
                ax.scatter(X[rows, 0], X[rows, 1], marker=marker, s=80, c="white", edgecolors="k", linewidths=1.2,
                           zorder=3, clip_on=False, label=words.classes[cls])
        for i, name in enumerate(words.names):
            right, top = X[i, 0] > 0.5, X[i, 1] > 0.5        # label towards the middle, inside the axes
            ax.annotate(name, (X[i, 0], X[i, 1]), xytext=(-10 if right else 10, -16 if top else 10),
                        textcoords="offset points", fontsize=10, ha="right" if right else "left",
                        bbox=dict(boxstyle="round,pad=0.2", fc="white", alpha=0.85, lw=0), zorder=4)
        ax.set(xlim=(-PAD, 1 + PAD), ylim=(-PAD, 1 + PAD), xlabel=words.x, ylabel=words.y, title=panel.title)
        legend = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False, fontsize=9.5,
                           columnspacing=1.0, handletextpad=0.4)
        bar = fig.colorbar(image, ax=ax, shrink=0.72, aspect=25, label=words.colour)
        bar.formatter = ticker.FuncFormatter(lambda v, _: f"{v:.6g}")
        bar.update_ticks()
        return [text.get_text() for text in legend.get_texts()], MapFacts(float(out.min()), float(out.max()), boundary,
                                                                     bool(levels))
