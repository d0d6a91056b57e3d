"""The Chinese report and handout are Chinese throughout: mode lines, table headings, image alt texts and
captions (the words a command takes, `batch_size`, stay as typed); the page names the CJK font families of
every common system and tells a reader without one, in words they can read, how to install one; the plots
use a CJK font when one is installed (no missing glyph)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from compare.cli import cmd_report
from compare.reporting.style import CSS
from compare.reporting.text_zh import TEXT as ZH

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_MODES = re.compile(r"\b(stochastic|minibatch|shuffle|sequential|replacement)\b")


class Alts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.alts.append(dict(attrs)["alt"])


def test_mode_lines_alt_texts_and_captions_are_chinese(zh_report):
    out, caught = zh_report
    md = (out / "solutions.md").read_text(encoding="utf-8")
    page = (out / "index.html").read_text(encoding="utf-8")
    modes = re.findall(r"^模式：(.*)$", md, flags=re.M)
    assert len(modes) == 8 and all(CJK.search(m) and not ENGLISH_MODES.search(m) for m in modes), modes
    assert "模式：随机 / 每周期重新打乱，随机种子 0。" in md and "模式：批量。" in md
    parser = Alts()
    parser.feed(page)
    assert len(parser.alts) == 20
    for alt in parser.alts:
        assert CJK.search(alt) and not re.search(r"\b(loss|trained|updates|epoch|seed|batch)\b", alt), alt
        assert ": " not in alt, alt                      # the Chinese colon
    captions = re.findall(r"^\*([^*\n]+)\*$", md, flags=re.M)
    assert len(captions) >= 9 and all(CJK.search(c) for c in captions)
    words = [re.sub(r"--[\w-]+", "", c) for c in captions]             # a flag stays as typed
    assert not [c for c in words if re.search(r"\b(the|colours|line|band|seeds?)\b", c)]
    assert not [m for m in caught if "Glyph" in m and "missing" in m]


def test_the_page_names_cjk_fonts_and_how_to_get_one(zh_report, tmp_path):
    for family in ("Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei"):
        assert f'"{family}"' in CSS
    page = (zh_report[0] / "index.html").read_text(encoding="utf-8")
    assert "fonts-noto-cjk" in page and "Chinese font" in page      # readable without a CJK font: ASCII
    assert cmd_report.main(["--handout", "--lang", "zh", "--out", str(tmp_path / "sheet")]) == 0
    assert ZH["font_help"].split("(")[0] in (tmp_path / "sheet" / "handout.md").read_text(encoding="utf-8")
