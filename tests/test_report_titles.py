"""Every text of every report figure fits inside the image, measured as matplotlib draws it: long titles wrap
(in English and, with a CJK font, in Chinese) instead of running off the edge. The measurement itself can
fail: without wrapping, the same long title is caught."""

from __future__ import annotations

import numpy as np
import pytest

import compare
from compare.reporting import figures, fonts, maps
from compare.reporting.text_en import TEXT as EN
from compare.reporting.text_zh import TEXT as ZH

LONG = {"en": "per update: the same runs against the number of updates made, every seed, every mode, all of them",
        "zh": "按更新次数：同样的运行，横轴为已做的更新次数，每个种子、每种模式、全部的运行都画在这里"}


@pytest.fixture
def measured(monkeypatch):
    """The texts that reach outside each figure, as saved (after the titles were fitted)."""
    found: list[list[str]] = []
    fit = figures.fit_titles

    def fit_and_measure(fig, *args, **kwargs):
        fit(fig, *args, **kwargs)
        found.append(figures.overflowing(fig))
    monkeypatch.setattr(figures, "fit_titles", fit_and_measure)
    return found


def draw_all(tmp_path, text: dict, font: str | None, title: str) -> None:
    x = np.arange(50)
    series = [figures.Series(label, x, np.exp(-x / (10 + i))) for i, label in
              enumerate(text["variant_short"].values())]
    figures.curves(tmp_path / "loss.png", title, [(text["fig_epoch"], title, series),
                                                  (text["fig_update"], text["fig_per_update"], series)],
                   text["fig_loss"], font)
    first = np.random.default_rng(0).random((3, 40)) + 1
    figures.seed_spread(tmp_path / "seeds.png", title, first, x + 1, np.vstack([np.exp(-x / 9), np.exp(-x / 10)]),
                        (text["fig_update"], title, text["fig_loss"], text["fig_spread"], text["fig_band"],
                         text["fig_mean"]), font)
    figures.parity(tmp_path / "parity.png", title, series[:2], 1e-12, text["fig_update"], text["fig_dev"],
                   text["fig_tol"].format(atol=1e-12), font)
    experiment = compare.load_experiment("exercise3")
    W = [np.array([[0.8, 0.2], [0.2, 0.8]]), np.array([[0.5, 0.0], [0.5, 1.0]]), np.array([[9.0], [-9.0]])]
    b = [np.array([[-1.0, 0.3]]), np.array([[0.1, -0.1]]), np.array([[0.0]])]
    words = maps.MapWords(text["map_x"], text["map_y"], text["map_colour"], text["map_boundary"],
                          text["map_classes"], tuple(text["names"].values()))
    maps.decision_map(tmp_path / "map.png", experiment, maps.Panel(title, W, b), words, font)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_text_fits_inside_its_figure(tmp_path, measured, lang):
    font = fonts.cjk_font() if lang == "zh" else None
    if lang == "zh" and font is None:
        pytest.skip("no CJK font installed (fonts-noto-cjk)")
    draw_all(tmp_path, EN if lang == "en" else ZH, font, LONG[lang])
    assert len(measured) == 4
    assert all(not outside for outside in measured), measured


def test_an_unwrapped_long_title_is_caught(tmp_path, measured, monkeypatch):
    monkeypatch.setattr(figures, "fit_titles", lambda fig, *a, **k: measured.append(figures.overflowing(fig)))
    x = np.arange(10)
    figures.curves(tmp_path / "loss.png", LONG["en"] * 2, [("epoch", LONG["en"], [figures.Series("a", x, x + 1.0)])],
                   ("loss", "loss (log scale)"))
    assert measured and LONG["en"] in measured[0]
