"""A font with Chinese glyphs for the plot labels, found through matplotlib's font manager.

Without one, matplotlib draws empty boxes ("tofu") for every Chinese character. So the zh report asks
here first; when nothing installed covers the glyphs, the caller labels the plots in English and says so
once on stderr (the HTML and Markdown text stay Chinese: the browser brings its own fonts).

Which face: a Simplified-Chinese sans-serif one first (Noto Sans CJK SC, Source Han Sans SC, WenQuanYi), to
match the page's sans-serif text and the mainland glyph forms; any other face with the glyphs only after
those, sans-serif before serif (a font collection's first face is often its Japanese or serif one).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# Preferred families, simplified Chinese first; any other installed font that has the glyphs also does.
PREFERRED = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Hiragino Sans GB",
             "Noto Serif CJK SC", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback")
# File names worth opening when the font list is stale (a font installed after matplotlib cached it).
FILE_HINTS = ("cjk", "han", "wqy", "wenquanyi", "droidsansfallback", "simhei", "yahei", "msyh", "pingfang",
              "heiti", "uming", "ukai", "notosanssc", "notoserifsc")
PROBE = "损失训练轮数张三"   # loss, epoch, Zhang San: characters every label uses


def _covers(path: str) -> bool:
    from matplotlib.ft2font import FT2Font
    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in PROBE)


def preference(name: str) -> tuple[bool, bool]:
    """Sort key, best first: sans-serif before serif, then Simplified Chinese before other CJK faces."""
    lowered = name.lower()
    serif = any(w in lowered for w in ("serif", "ming", "kai", "song", "mincho"))
    simplified = any(tag in name.split() for tag in ("SC", "CN", "GB")) or any(
        w in lowered for w in ("wenquanyi", "yahei", "simhei", "hans", "hei sc", "sans sc"))
    return serif, not simplified


def _from_list(names: tuple[str, ...] = PREFERRED) -> str | None:
    from matplotlib import font_manager
    entries = font_manager.fontManager.ttflist
    by_name: dict[str, list[str]] = {}
    for entry in entries:
        by_name.setdefault(entry.name, []).append(entry.fname)
    for name in names:
        if any(_covers(path) for path in by_name.get(name, ())):
            return name
    # not a family we know, but a file that looks like one and has the glyphs: the best-looking name first
    for name in sorted(by_name, key=preference):
        if any(any(h in Path(path).name.lower() for h in FILE_HINTS) and _covers(path) for path in by_name[name]):
            return name
    return None


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed font that draws Chinese, or None."""
    from matplotlib import font_manager
    found = _from_list()
    if found:
        return found
    # matplotlib caches its font list; a font installed since is on disk but not in the list yet
    added = []
    for path in font_manager.findSystemFonts():
        if any(h in Path(path).name.lower() for h in FILE_HINTS) and _covers(path):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
            added.append(font_manager.FontProperties(fname=path).get_name())
    return _from_list(PREFERRED + tuple(sorted(dict.fromkeys(added), key=preference))) if added else None
