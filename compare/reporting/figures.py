"""The report's figures, as PNG files (matplotlib's Agg backend, written atomically).

Every function takes its words (title, axis labels, legend entries) from the caller, so one figure serves
both languages; `font` is the family to draw them in (a CJK font for Chinese labels, None for the default).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compare.experiment.definition import Experiment
from compare.files.atomic import atomic_write
from compare.reporting.plots import _pyplot

DPI = 110
GRID = 201          # decision maps: GRID x GRID points over [0, 1]^2
FLOOR = 1e-18       # an exact 0 on a log axis is drawn here


@dataclass(frozen=True)
class Series:
    label: str
    x: np.ndarray
    y: np.ndarray
    low: np.ndarray | None = None      # with `high`: a band (min..max over seeds) around `y`
    high: np.ndarray | None = None


@dataclass(frozen=True)
class Panel:
    """One trained network's output `output` over the input square."""

    title: str
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    output: int = 0


@dataclass(frozen=True)
class MapWords:
    x: str                    # first input (study score)
    y: str                    # second input (practice score)
    colour: str               # the network's output
    boundary: str             # output = 0.5
    classes: tuple[str, str]  # target 0, target 1
    names: tuple[str, ...]    # the candidates, in data order


@contextmanager
def _figure(path: Path, font: str | None, size: tuple[float, float] = (7.0, 4.2),
            ncols: int = 1, nrows: int = 1) -> Iterator[tuple]:
    plt = _pyplot()
    import matplotlib
    rc = {"axes.unicode_minus": False}
    if font:
        rc.update({"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"]})
    with matplotlib.rc_context(rc):
        fig, axes = plt.subplots(nrows, ncols, figsize=size, squeeze=False, layout="constrained")
        try:
            yield fig, axes.ravel()
            atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI))
        finally:
            plt.close(fig)


def _log_helps(values: Sequence[np.ndarray]) -> bool:
    """Log scale when every value is positive and they span more than a factor of 10."""
    if not all(len(v) and np.min(v) > 0 for v in values):
        return False
    return bool(max(np.max(v) for v in values) > 10 * min(np.min(v) for v in values))


def curves(path: Path, title: str, series: Sequence[Series], xlabel: str, ylabel: tuple[str, str],
           font: str | None = None) -> Path:
    """Loss curves (log scale where it helps), with min-max bands where given. `ylabel`: (linear, log)."""
    with _figure(path, font) as (fig, (ax,)):
        for s in series:
            line, = ax.plot(s.x, s.y, lw=1.6, label=s.label)
            if s.low is not None and s.high is not None:
                ax.fill_between(s.x, s.low, s.high, color=line.get_color(), alpha=0.18, lw=0)
        log = _log_helps([s.y for s in series] + [s.low for s in series if s.low is not None])
        if log:
            ax.set_yscale("log")
        ax.set(xlabel=xlabel, ylabel=ylabel[log], title=title)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    return path


def parity(path: Path, title: str, series: Sequence[Series], atol: float, xlabel: str, ylabel: str,
           tolerance_label: str, font: str | None = None) -> Path:
    """The largest |numpy - torch| after every update, one line per run, log scale, tolerance drawn in."""
    with _figure(path, font) as (fig, (ax,)):
        for s in series:
            ax.plot(s.x, np.maximum(s.y, FLOOR), lw=0.7, alpha=0.85, label=s.label)
        ax.axhline(atol, color="red", ls="--", lw=1, label=tolerance_label)
        ax.set_yscale("log")
        ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    return path


def decision_maps(path: Path, title: str, experiment: Experiment, panels: Sequence[Panel], words: MapWords,
                  font: str | None = None) -> Path:
    """Each trained network's output over [0, 1]^2, the 0.5 boundary, and the candidates by name and class."""
    from numpy_impl.network import forward
    ncols = min(2, len(panels))
    nrows = -(-len(panels) // ncols)
    u = np.linspace(0.0, 1.0, GRID)
    g1, g2 = np.meshgrid(u, u)                                   # (GRID, GRID)
    grid = np.column_stack([g1.ravel(), g2.ravel()])             # (GRID^2, 2)
    X, T = experiment.inputs, experiment.targets
    with _figure(path, font, size=(5.2 * ncols, 4.4 * nrows + 0.4), ncols=ncols, nrows=nrows) as (fig, axes):
        image = None
        for ax, panel in zip(axes, panels):
            _, activations = forward(panel.weights, panel.biases, grid,
                                     hidden_activation=experiment.hidden_activation,
                                     output_activation=experiment.output_activation,
                                     leaky_slope=experiment.leaky_slope)
            out = activations[-1][:, panel.output].reshape(GRID, GRID)
            image = ax.imshow(out, origin="lower", extent=(0, 1, 0, 1), vmin=0, vmax=1, cmap="RdBu_r",
                              aspect="equal")
            ax.contour(g1, g2, out, levels=[0.5], colors="k", linewidths=1.2)
            for cls, marker in ((0, "o"), (1, "^")):
                rows = np.flatnonzero(T[:, panel.output] >= 0.5) if cls else np.flatnonzero(T[:, panel.output] < 0.5)
                if rows.size:
                    ax.scatter(X[rows, 0], X[rows, 1], marker=marker, s=70, c="white", edgecolors="k",
                               zorder=3, label=words.classes[cls])
            for i, name in enumerate(words.names):
                right, top = X[i, 0] > 0.5, X[i, 1] > 0.5        # label towards the middle, inside the axes
                ax.annotate(name, (X[i, 0], X[i, 1]), xytext=(-9 if right else 9, -14 if top else 9),
                            textcoords="offset points", fontsize=9, ha="right" if right else "left",
                            bbox=dict(boxstyle="round,pad=0.2", fc="white", alpha=0.8, lw=0))
            ax.plot([], [], color="k", lw=1.2, label=words.boundary)
            ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), xlabel=words.x, ylabel=words.y, title=panel.title)
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False)
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        if image is not None:
            fig.colorbar(image, ax=list(axes[:len(panels)]), shrink=0.8, label=words.colour)
        fig.suptitle(title)
    return path
