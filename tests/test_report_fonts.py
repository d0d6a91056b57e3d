"""The zh plots' font: a Simplified-Chinese sans-serif face when one is installed (not the first face of a
collection, which is often Japanese or serif), another face with the glyphs only after it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from compare.reporting import fonts


def fake_list(monkeypatch, names: list[str]) -> None:
    from matplotlib import font_manager
    entries = [SimpleNamespace(name=n, fname=f"/fonts/{n.replace(' ', '')}-cjk.ttc") for n in names]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries)
    monkeypatch.setattr(fonts, "_covers", lambda path: True)


@pytest.mark.parametrize("installed, chosen", [
    (["Noto Serif CJK JP", "Noto Serif CJK SC", "Noto Sans CJK JP", "Noto Sans CJK SC"], "Noto Sans CJK SC"),
    (["AR PL UMing CN", "WenQuanYi Zen Hei"], "WenQuanYi Zen Hei"),
    (["Noto Serif CJK SC", "Source Han Sans SC"], "Source Han Sans SC"),
    # families we do not list: sans before serif, simplified before other CJK faces
    (["Foo Serif CJK SC", "Foo Sans CJK JP", "Foo Sans CJK SC"], "Foo Sans CJK SC"),
    (["Foo Serif CJK SC", "Foo Sans CJK JP"], "Foo Sans CJK JP"),
])
def test_a_simplified_chinese_sans_serif_face_is_preferred(monkeypatch, installed, chosen):
    fake_list(monkeypatch, installed)
    assert fonts._from_list() == chosen


def test_no_cjk_font_means_none(monkeypatch):
    fake_list(monkeypatch, ["DejaVu Sans"])
    monkeypatch.setattr(fonts, "_covers", lambda path: False)
    assert fonts._from_list() is None
