"""The report and the handout in a real browser (headless Chromium over the DevTools protocol,
`tests/browser.py`), in both languages, on a 390 px phone and a 1280 px desktop: the page never scrolls
sideways, every image decodes, every in-page link lands on an element, and the table of contents links every
section. Without a browser these tests skip (CI installs Debian's `chromium`: see .ci/run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import Browser, find_browser

from compare.cli import cmd_report

pytestmark = pytest.mark.skipif(find_browser() is None,
                                reason="no Chromium on PATH (apt-get install chromium); .ci/run installs it")

PROBE = """(async () => {
  const images = [...document.images];
  const decoded = await Promise.all(images.map(i => i.decode().then(() => i.naturalWidth > 0, () => false)));
  const links = [...document.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href'));
  const width = document.documentElement.clientWidth;
  const sticking_out = [...document.body.querySelectorAll('*')]
    .filter(e => !e.closest('.scroll, pre') && (e.getBoundingClientRect().right > width + 0.5
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
    found = browser.open(page, width).evaluate(PROBE)
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
