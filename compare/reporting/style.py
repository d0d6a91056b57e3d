"""The report's stylesheet: one column that fits a 390 px phone without sideways scrolling, the same page on
a desktop, and a print layout for the browser's "print to PDF".

How the narrow screen is met, with nothing hidden in a box that scrolls sideways: commands wrap between
words (each word an unbreakable span, broken inside only when it alone is wider than the screen), programs
wrap their long lines; every table becomes one card per row below 40rem (each cell labelled with its
column), and a cell breaks a long word rather than widen the page; figures are single panels that stack into
one column. In print: headings stay with what follows them (a short block shares a `keep` box with its
heading), figures, short tables and commands are not split, a long program breaks across pages, folded
details stay folded, links are plain text.

Fonts: the page names the CJK families readers' systems carry (Noto Sans CJK SC and Source Han Sans SC on
Linux, PingFang SC and Hiragino Sans GB on macOS and iOS, Microsoft YaHei on Windows, WenQuanYi on older
Linux), so that Chinese text never falls back to empty boxes where one of them is installed.
"""

CSS = """
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC",
       "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans SC", sans-serif;
       max-width: 62rem; margin: 0 auto;
       padding: 1rem; line-height: 1.55; color: #1d1d1f; overflow-wrap: break-word; }
h1 { font-size: 1.6rem; line-height: 1.25; } h2 { font-size: 1.3rem; margin-top: 2.2rem;
  border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; } h3 { font-size: 1.1rem; } h4 { font-size: 1rem; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Noto Sans Mono CJK SC", monospace;
            font-size: 0.88em; }
code { background: #f3f3f3; border-radius: 3px; padding: 0 0.2em; }
.w { white-space: nowrap; }
pre { background: #f6f6f6; border: 1px solid #e2e2e2; border-radius: 4px; padding: 0.6em 0.8em;
      max-width: 100%; white-space: break-spaces; overflow-wrap: anywhere; }
pre code { background: none; padding: 0; font-size: 0.85rem; }
pre.cmd .w { white-space: normal; overflow-wrap: anywhere; display: inline-block; max-width: 100%; }
pre.program code { font-size: 0.78rem; }
.scroll { max-width: 100%; margin: 0.6em 0; }
table { border-collapse: collapse; font-size: 0.9em; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.55em; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 24rem), 1fr)); gap: 0.6rem;
          align-items: start; }
img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3rem; }
nav.toc { background: #f7f7f9; border: 1px solid #e2e2e8; border-radius: 4px; padding: 0.4rem 1rem; }
nav.toc ul { margin: 0.3rem 0; padding-left: 0.2rem; list-style: none; } nav.toc li { margin: 0.15rem 0; }
details { border: 1px solid #e2e2e2; border-radius: 4px; padding: 0.3rem 0.8rem; margin: 0.8rem 0; }
summary { cursor: pointer; font-weight: 600; }
.note { color: #555; font-size: 0.92em; }
@media (max-width: 40rem) {
  body { padding: 0.75rem; }
  h1 { font-size: 1.35rem; }
  table.reflow, table.reflow tbody, table.reflow tr, table.reflow td { display: block; width: 100%; }
  table.reflow thead { display: none; }
  table.reflow tr { border: 1px solid #ccc; border-radius: 4px; margin-bottom: 0.5rem; padding: 0.2rem 0; }
  table.reflow td { border: none; padding: 0.1rem 0.6rem; text-align: left; }
  table.reflow td::before { content: attr(data-label) ": "; font-weight: 600; color: #555; }
}
@page { size: A4; margin: 14mm 13mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; line-height: 1.4; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  h2 { margin-top: 1.2rem; }
  .keep, figure, img, table.short, tr, pre.cmd, nav.toc, li { break-inside: avoid; page-break-inside: avoid; }
  pre.program { break-inside: auto; page-break-inside: auto; }
  p { orphans: 3; widows: 3; }
  img { max-height: 8.5cm; width: auto; }
  .panels { grid-template-columns: repeat(2, 1fr); }
  a { color: inherit; text-decoration: none; }
  details { border: none; padding: 0; }
}
"""
