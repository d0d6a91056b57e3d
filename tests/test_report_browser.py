"""The report and the handout in a real browser (headless Chromium over the DevTools protocol,
`tests/browser.py`), in both languages, on a 390 px phone and a 1280 px desktop: the page never scrolls
sideways, no element is wider than the screen or hides part of itself in a box that scrolls, every image
decodes, every in-page link lands on an element, and the table of contents links every section. Printed to
PDF, no page of the handout, and no page but the last of the report, is under a quarter full
(`tests/pdf_fill.py` reads the PDF). Without a browser these tests skip (CI installs Debian's `chromium`:
see .ci/run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import Browser, find_browser
from pdf_fill import page_fills

from compare.cli import cmd_report

pytestmark = pytest.mark.skipif(find_browser() is None,
                                reason="no Chromium on PATH (apt-get install chromium); .ci/run installs it")

PROBE = """(async () => {
  const images = [...document.images];
  const decoded = await Promise.all(images.map(i => i.decode().then(() => i.naturalWidth > 0, () => false)));
  const links = [...document.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href'));
  const width = document.documentElement.clientWidth;
  const sticking_out = [...document.body.querySelectorAll('*')]
    .filter(e => !e.closest('details:not([open])') && (e.getBoundingClientRect().right > width + 0.5
                                                        || e.scrollWidth > e.clientWidth + 1))
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')).slice(0, 5);
  return {scrollWidth: document.documentElement.scrollWidth, width, innerWidth,
          images: decoded.length, undecoded: decoded.filter(d => !d).length,
          links, broken: links.filter(h => !document.getElementById(decodeURIComponent(h.slice(1)))),
          sections: [...document.querySelectorAll('h2[id]')].map(h => h.id), sticking_out};
})()"""


@pytest.fixture(scope="module")
def browser():
    with Browser() as b:
        yield b


@pytest.fixture(scope="module")
def handouts(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for lang in ("en", "zh"):
        folder = tmp_path_factory.mktemp(f"handout_{lang}") / "handout"
        assert cmd_report.main(["--handout", "--lang", lang, "--out", str(folder)]) == 0
        out[lang] = folder / "index.html"
    return out


def check_page(browser: Browser, page: Path, width: int, images: int) -> dict:
    tab = browser.open(page, width)
    tab.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")   # what a reader unfolds
    found = tab.evaluate(PROBE)
    assert found["innerWidth"] == width
    assert found["scrollWidth"] <= found["width"], f"sideways scrolling at {width} px: {found['sticking_out']}"
    assert not found["sticking_out"], found["sticking_out"]
    assert found["images"] == images and found["undecoded"] == 0
    assert found["links"] and not found["broken"], found["broken"]
    assert sorted(h[1:] for h in found["links"]) == sorted(found["sections"])   # the contents: every section
    return found


@pytest.mark.parametrize("width", [390, 1280])
def test_report_en(browser, en_report, width):
    found = check_page(browser, en_report / "index.html", width, images=20)
    assert len(found["sections"]) == 7


@pytest.mark.parametrize("width", [390, 1280])
def test_report_zh(browser, zh_report, width):
    check_page(browser, zh_report[0] / "index.html", width, images=20)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [390, 1280])
def test_handout(browser, handouts, lang, width):
    found = check_page(browser, handouts[lang], width, images=0)
    assert found["sections"] == ["hiring", "exercise1", "exercise2", "exercise3", "template", "check"]


def test_a_page_too_wide_for_a_phone_is_caught(browser, tmp_path):
    """The check can fail: a wide unbreakable line outside any scrolling box is reported."""
    page = tmp_path / "wide.html"
    page.write_text('<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, '
                    'initial-scale=1"></head><body><h2 id="a">a</h2><a href="#a">a</a><a href="#b">b</a>'
                    f'<p style="white-space: nowrap">{"x" * 200}</p></body></html>', encoding="utf-8")
    found = browser.open(page, 390).evaluate(PROBE)
    assert found["scrollWidth"] > found["width"] and found["sticking_out"] == ["p"] and found["broken"] == ["#b"]


def test_a_table_hidden_in_a_scroll_box_is_caught(browser, tmp_path):
    """A box that scrolls sideways hides what does not fit: it counts as too wide, as the issue found it."""
    page = tmp_path / "box.html"
    cells = "".join(f"<td style='white-space: nowrap'>{'long words here ' * 3}</td>" for _ in range(6))
    page.write_text('<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, '
                    'initial-scale=1"></head><body><h2 id="a">a</h2><a href="#a">a</a>'
                    f'<div style="overflow-x: auto"><table><tr>{cells}</tr></table></div></body></html>',
                    encoding="utf-8")
    found = browser.open(page, 390).evaluate(PROBE)
    assert found["scrollWidth"] <= found["width"] and found["sticking_out"][0] == "div"


def test_printed_report_keeps_headings_with_their_text_and_figures_whole(browser, en_report, tmp_path):
    """Printed as the browser's print-to-PDF would (A4, the print styles): headings stay with what follows,
    figures and tables are not split, the folded seed rows stay folded."""
    page = browser.open(en_report / "index.html", 1280)
    pages = page.pdf_pages(tmp_path / "report.pdf")
    assert 8 <= pages <= 30, pages
    browser.send("Emulation.setEmulatedMedia", page.session, media="print")
    styles = page.evaluate("""[...document.querySelectorAll('.keep, figure, table, h2, h3')].map(e => {
        const s = getComputedStyle(e); return [e.tagName.toLowerCase(), s.breakInside, s.breakAfter]; })""")
    assert {(tag, inside) for tag, inside, _ in styles if tag in ("div", "figure", "table")} == \
        {("div", "avoid"), ("figure", "avoid"), ("table", "avoid")}
    assert {after for tag, _, after in styles if tag in ("h2", "h3")} == {"avoid"}
    assert page.evaluate("[...document.querySelectorAll('details')].every(d => !d.open)")


QUARTER = 0.25


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_printed_handout_page_is_nearly_empty(browser, handouts, tmp_path, lang):
    """A long template breaks across pages instead of leaving most of one blank before it."""
    pdf = tmp_path / "handout.pdf"
    browser.open(handouts[lang], 1280).pdf_pages(pdf)
    fills = page_fills(pdf.read_bytes())
    assert len(fills) >= 2 and min(fills) >= QUARTER, [f"{f:.0%}" for f in fills]


def test_no_printed_report_page_but_the_last_is_nearly_empty(browser, en_report, tmp_path):
    pdf = tmp_path / "report.pdf"
    browser.open(en_report / "index.html", 1280).pdf_pages(pdf)
    fills = page_fills(pdf.read_bytes())
    assert len(fills) >= 8 and min(fills[:-1]) >= QUARTER, [f"{f:.0%}" for f in fills]


def test_a_nearly_empty_page_is_caught(browser, tmp_path):
    """The measure can fail: a block kept whole that does not fit leaves the page before it nearly blank."""
    page = tmp_path / "gap.html"
    page.write_text("<!DOCTYPE html><html><body><p>one line</p><div style='height: 400px'></div>"
                    "<pre style='break-inside: avoid'>"
                    + "line\n" * 50 + "</pre></body></html>", encoding="utf-8")
    pdf = tmp_path / "gap.pdf"
    browser.open(page, 1280).pdf_pages(pdf)
    fills = page_fills(pdf.read_bytes())
    assert len(fills) == 2 and fills[0] < 0.05 and fills[1] > 0.5, fills
