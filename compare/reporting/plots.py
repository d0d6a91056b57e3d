"""PNG plots (matplotlib, Agg backend: no display needed, no window ever opened), written atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compare.files.atomic import atomic_write


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")  # no window, ever: tests and CI run this
    import matplotlib.pyplot as plt
    return plt


def loss_curves(path: Path, title: str, curves: dict[str, list[tuple[int, float]]]) -> Path:
    """Loss per reported epoch, one line per implementation, log scale when all values are positive."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    styles = [dict(lw=2.5, alpha=0.6), dict(lw=1.2, ls="--", marker="o", ms=3)]
    for (label, log), style in zip(curves.items(), styles * len(curves)):
        if log:
            epochs, losses = zip(*log)
            ax.plot(epochs, losses, label=label, **style)
    values = [v for log in curves.values() for _, v in log]
    if values and min(values) > 0:
        ax.set_yscale("log")
    return _save(plt, fig, ax, path, title, "epoch", "loss")


def parity_curve(path: Path, title: str, per_update: np.ndarray, atol: float) -> Path:
    """Largest |numpy - torch| after every update, log scale, with the tolerance drawn in."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    updates = np.arange(1, len(per_update) + 1)
    floor = 1e-18  # exact agreement (0) drawn at the bottom of the log axis
    ax.plot(updates, np.maximum(per_update, floor), lw=0.8, label="max |numpy - torch| over all parameters")
    ax.axhline(atol, color="red", ls="--", lw=1, label=f"tolerance atol {atol:g}")
    ax.set_yscale("log")
    return _save(plt, fig, ax, path, title, "update", "largest absolute difference")


def _save(plt, fig, ax, path: Path, title: str, xlabel: str, ylabel: str) -> Path:
    """Labels, grid and legend, then the PNG written atomically; the figure closed whatever happens."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    finally:
        plt.close(fig)
