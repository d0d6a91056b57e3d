"""The report's line figures, as PNG files (matplotlib's Agg backend, written atomically): loss curves,
the seeds' spread, numpy-versus-torch per update. Decision maps: `maps.py`.

Every function takes its words (title, axis labels, legend entries) from the caller, so one figure serves
both languages; `font` is the family to draw them in (a CJK font for Chinese labels, None for the default).
Each image is one panel (or one column of panels), sized so that its text stays legible when a phone
shows it 358 px wide; the page sets several side by side where there is room.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compare.files.atomic import atomic_write
from compare.reporting.plots import _pyplot

DPI = 120
FLOOR = 1e-18       # an exact 0 on a log axis is drawn here
# Curves that coincide must still all be seen: each series its own dash pattern, marker, width and place in
# the drawing order (the first, widest, at the back).
STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v")
SIZES = {"font.size": 11, "axes.titlesize": 11.5, "axes.labelsize": 11, "legend.fontsize": 9.5,
         "xtick.labelsize": 10, "ytick.labelsize": 10}


@dataclass(frozen=True)
class Series:
    label: str
    x: np.ndarray
    y: np.ndarray


@contextmanager
def figure(path: Path, font: str | None, size: tuple[float, float] = (6.0, 4.0), nrows: int = 1,
           ncols: int = 1, **kwargs) -> Iterator[tuple]:
    plt = _pyplot()
    import matplotlib
    rc = {"axes.unicode_minus": False, **SIZES}
    if font:
        rc.update({"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"]})
    with matplotlib.rc_context(rc):
        fig, axes = plt.subplots(nrows, ncols, figsize=size, squeeze=False, layout="constrained", **kwargs)
        try:
            yield fig, axes.ravel()
            fit_titles(fig)
            atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI))
        finally:
            plt.close(fig)


def _titles(fig) -> list:
    suptitle = getattr(fig, "_suptitle", None)       # matplotlib keeps the figure's title here
    texts = [ax.title for ax in fig.axes] + ([suptitle] if suptitle is not None else [])
    return [t for t in texts if t.get_text()]


def _hidden_ticks(fig) -> set[int]:
    """The tick labels matplotlib keeps for ticks outside the view, which it does not draw."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            span = (high - low) * 1e-9
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - span <= tick.get_loc() <= high + span:
                    hidden |= {id(tick.label1), id(tick.label2)}
    return hidden


def overflowing(fig) -> list[str]:
    """The texts of `fig` (titles, labels, tick labels, legend entries) that reach outside the figure."""
    from matplotlib.text import Text
    fig.canvas.draw()
    hidden = _hidden_ticks(fig)
    return [text.get_text() for text in fig.findobj(Text)
            if text.get_visible() and text.get_text().strip() and id(text) not in hidden
            and not _inside(text.get_window_extent(), fig.bbox)]


def _inside(extent, box, margin: float = 1.0) -> bool:
    return (extent.x0 >= box.x0 - margin and extent.x1 <= box.x1 + margin and extent.y0 >= box.y0 - margin
            and extent.y1 <= box.y1 + margin)


def fit_titles(fig, margin: float = 0.02) -> None:
    """Wrap every title that reaches outside the figure (less a margin) onto more lines, measured as drawn:
    a long title in a long language is never cut off at the image's edge."""
    import textwrap

    from matplotlib.transforms import Bbox
    fig.canvas.draw()
    pad = fig.bbox.width * margin
    box = Bbox.from_extents(fig.bbox.x0 + pad, fig.bbox.y0, fig.bbox.x1 - pad, fig.bbox.y1)
    for title in _titles(fig):
        text = " ".join(title.get_text().split("\n"))
        cjk = any(ord(c) > 0x2E80 for c in text)
        extent = title.get_window_extent()
        centre = (extent.x0 + extent.x1) / 2
        room = 2 * max(1.0, min(centre - box.x0, box.x1 - centre))     # a title is centred where it stands
        chars = len(text) if extent.width <= room else max(7, int(len(text) * room / extent.width) + 1)
        while not _inside(title.get_window_extent(), box, 0.0) and chars > 6:
            chars -= max(1, chars // 12)
            lines = textwrap.wrap(text, chars) if not cjk else [text[i:i + chars] for i in range(0, len(text), chars)]
            title.set_text("\n".join(lines))
            fig.canvas.draw()


def log_helps(values: Sequence[np.ndarray]) -> bool:
    """Log scale when every value is positive and they span more than a factor of 10."""
    if not all(len(v) and np.min(v) > 0 for v in values):
        return False
    return bool(max(np.max(v) for v in values) > 10 * min(np.min(v) for v in values))


def draw_series(ax, series: Sequence[Series], lw: float = 2.4) -> None:
    """Each series in its own style; markers at staggered points so that coinciding curves show each one (a
    lone curve has none: there is nothing to tell apart, and a marker would read as a logged point)."""
    n = len(series)
    for i, s in enumerate(series):
        every = max(1, len(s.x) // 7)
        ax.plot(s.x, s.y, ls=STYLES[i % len(STYLES)], marker=MARKERS[i % len(MARKERS)] if n > 1 else None,
                markevery=(min(len(s.x) - 1, i * every // max(1, n)), every), ms=6, lw=max(1.2, lw - 0.4 * i),
                mfc="white" if i % 2 else None, label=s.label, zorder=2 + i)


def _legend(fig, ax, count: int) -> None:
    if count > 2:       # many or long labels: below the plot, where they cover no curve
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=1, frameon=False)
    else:
        ax.legend(loc="best")


def curves(path: Path, title: str, panels: Sequence[tuple[str, str, Sequence[Series]]], ylabel: tuple[str, str],
           font: str | None = None) -> Path:
    """Loss curves (log scale where it helps), one panel per (x label, panel title, series) stacked in one
    column; the legend once, under the last panel. `ylabel`: (linear, log)."""
    count = len(panels[0][2])
    height = 3.3 * len(panels) + (0.35 * count if count > 2 else 0) + 0.4
    with figure(path, font, size=(5.4, height), nrows=len(panels)) as (fig, axes):
        for ax, (xlabel, subtitle, series) in zip(axes, panels):
            draw_series(ax, series)
            log = log_helps([s.y for s in series])
            if log:
                ax.set_yscale("log")
            ax.set(xlabel=xlabel, ylabel=ylabel[log], title=subtitle)
            ax.grid(True, alpha=0.3)
        _legend(fig, axes[-1], count)
        fig.suptitle(title)
    return path


def spread_of(losses: np.ndarray) -> np.ndarray:
    """The seeds' spread at each point, (max - min) / mean over the seeds; `losses`: (seeds, points)."""
    return (losses.max(axis=0) - losses.min(axis=0)) / losses.mean(axis=0)        # (points,)


def band_of(first: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(lowest, mean, highest) over the seeds at each point of `first`: (seeds, points); None for one seed
    (no band: its one line is drawn alone)."""
    if first.shape[0] < 2:
        return None
    return first.min(axis=0), first.mean(axis=0), first.max(axis=0)               # (points,) each


def spread_drawn(spread: np.ndarray) -> tuple[np.ndarray, bool]:
    """The spread as its panel draws it: an exact 0 at FLOOR, on a log scale unless every point is 0."""
    return np.maximum(spread, FLOOR), bool(np.max(spread) > 0)


def zeros_at(y: np.ndarray, floor: float) -> np.ndarray:
    """`y` with every exact 0 (and nothing else) at `floor`, where a log axis can draw it."""
    return np.where(y > 0, y, floor)


def seed_spread(path: Path, title: str, first: np.ndarray, x: np.ndarray, losses: np.ndarray,
                words: tuple[str, ...], font: str | None = None) -> bool:
    """One random mode over its seeds. Above, the loss after every update of the first epochs
    (`first`: (seeds, 1 + updates)): where the orders differ, as a band from the lowest to the highest seed
    with the seeds' mean as a line (one line alone for one seed; never a tangle of one line per seed). Below,
    against the update number over the whole run (`x`, `losses`: (seeds, points)), the seeds' spread
    (max - min) / mean on a log scale, so that it shows at every size, tens of per cent early or a millionth at
    the end (only with two seeds or more). `words`: (x label, top title, loss label (linear, log), spread
    label, band label, mean label). Returns whether a band was drawn."""
    xlabel, top_title, loss_labels, spread_label, band_label, mean_label = words
    shown = band_of(first)
    band = shown is not None
    with figure(path, font, size=(5.4, 6.0 if band else 3.6), nrows=2 if band else 1) as (fig, axes):
        top = axes[0]
        steps = np.arange(first.shape[1])
        if shown is not None:
            top.fill_between(steps, shown[0], shown[2], color="tab:blue", alpha=0.25, lw=0, label=band_label)
        top.plot(steps, first[0] if shown is None else shown[1], color="tab:blue", lw=1.3, label=mean_label)
        if band:
            top.legend(loc="best")
        log = log_helps([first.ravel()])
        if log:
            top.set_yscale("log")
        top.set(xlabel=xlabel, ylabel=loss_labels[log], title=top_title)
        if band:
            bottom = axes[1]
            spread, spread_log = spread_drawn(spread_of(losses))                         # (points,)
            bottom.plot(x, spread, color="tab:purple", lw=1.4)
            if spread_log:
                bottom.set_yscale("log")
            bottom.set(xlabel=xlabel, ylabel=spread_label)
        for ax in axes:
            ax.grid(True, alpha=0.3)
        fig.suptitle(title)
    return band


def parity_floor(series: Sequence[Series], atol: float) -> float:
    """Where a log scale draws an exact 0: a decade below the smallest difference drawn (or the tolerance), so
    that every non-zero difference keeps its true height, however small (1e-20 is not raised to a floor)."""
    smallest = min([atol] + [float(np.min(s.y[s.y > 0])) for s in series if np.any(s.y > 0)])
    return float(10.0 ** (np.floor(np.log10(smallest)) - 1))


def parity(path: Path, title: str, series: Sequence[Series], atol: float, xlabel: str, ylabel: str,
           tolerance_label: str, font: str | None = None) -> Path:
    """The largest |numpy - torch| after every update, one line per run, log scale, tolerance drawn in; an
    exact 0 at `parity_floor`, the bottom edge (the report's text says so when there is one)."""
    floor = parity_floor(series, atol)
    with figure(path, font, size=(5.4, 4.2 + (0.35 * len(series) if len(series) > 1 else 0))) as (fig, (ax,)):
        for i, s in enumerate(series):
            ax.plot(s.x, zeros_at(s.y, floor), lw=0.8, ls=STYLES[i % len(STYLES)], alpha=0.85, label=s.label)
        ax.axhline(atol, color="red", ls="--", lw=1.2, label=tolerance_label)
        ax.set_yscale("log")
        ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
        ax.grid(True, alpha=0.3)
        _legend(fig, ax, len(series) + 1)
    return path
