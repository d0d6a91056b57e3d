"""The report as a list of blocks, rendered twice with the same content: Markdown (figures beside it) and
one self-contained HTML page (figures embedded as data URIs, inline CSS from `style.py`, no script, no
network).

Inline text knows one markup only: `code` between backticks. `Contents()` marks where the table of
contents goes: a list of links to every level-2 heading (each has an anchor).
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from pathlib import Path

from compare.reporting.style import CSS


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    text: str
    note: bool = False                # a side remark, set smaller


@dataclass(frozen=True)
class Code:
    text: str
    kind: str = "program"             # "program" (a whole file) | "cmd" (one command: wraps between words)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()    # right-align these columns


@dataclass(frozen=True)
class Image:
    path: str                         # relative to the report folder
    alt: str


@dataclass(frozen=True)
class Figure:
    """One or more single-panel images side by side (stacked on a narrow screen), and a caption."""
    images: tuple[Image, ...]
    caption: str = ""


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Details:
    """Folded in the HTML (click to open); in the Markdown, written out in full."""
    summary: str
    blocks: tuple


@dataclass(frozen=True)
class Contents:
    title: str


Block = Heading | Para | Code | Table | Image | Figure | Bullets | Details | Contents


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _toc(blocks: list[Block]) -> list[Heading]:
    return [b for b in blocks if isinstance(b, Heading) and b.level == 2 and b.anchor]


def to_markdown(blocks: list[Block]) -> str:
    return "\n\n".join(_md(b, blocks) for b in blocks) + "\n"


def _md(b: Block, everything: list[Block]) -> str:
    if isinstance(b, Heading):
        anchor = f'<a id="{b.anchor}"></a>\n' if b.anchor else ""
        return anchor + "#" * b.level + " " + b.text
    if isinstance(b, Para):
        return b.text
    if isinstance(b, Code):
        return ("```python\n" if b.kind == "program" else "```\n") + b.text.rstrip("\n") + "\n```"
    if isinstance(b, Table):
        align = [("---:" if b.numeric and b.numeric[i] else "---") for i in range(len(b.header))]
        lines = ["| " + " | ".join(map(_md_cell, b.header)) + " |", "| " + " | ".join(align) + " |"]
        return "\n".join(lines + ["| " + " | ".join(map(_md_cell, row)) + " |" for row in b.rows])
    if isinstance(b, Image):
        return f"![{b.alt}]({b.path})"
    if isinstance(b, Figure):
        return "\n\n".join([_md(i, everything) for i in b.images] + ([f"*{b.caption}*"] if b.caption else []))
    if isinstance(b, Bullets):
        return "\n".join(f"- {item}" for item in b.items)
    if isinstance(b, Details):
        return "\n\n".join([f"**{b.summary}**"] + [_md(inner, everything) for inner in b.blocks])
    if isinstance(b, Contents):
        return f"**{b.title}**\n\n" + "\n".join(f"- [{h.text}](#{h.anchor})"
                                                 for h in _toc(everything))
    raise TypeError(f"unknown block {b!r}")


def _words(text: str) -> str:
    """Escaped text whose words never break inside (a command breaks only between its words)."""
    return " ".join(f'<span class="w">{html.escape(w)}</span>' if len(w) > 1 else html.escape(w)
                    for w in text.split(" "))


def _inline(text: str) -> str:
    """Escape, and turn `code` into <code>code</code> (breaking only at its spaces)."""
    parts = re.split(r"`([^`]*)`", text)
    return "".join(f"<code>{_words(p)}</code>" if i % 2 else html.escape(p) for i, p in enumerate(parts))


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _img(image: Image, folder: Path) -> str:
    return f'<img src="{_data_uri(folder / image.path)}" alt="{html.escape(image.alt)}">'


def _html(b: Block, folder: Path, everything: list[Block]) -> str:
    if isinstance(b, Heading):
        anchor = f' id="{html.escape(b.anchor)}"' if b.anchor else ""
        return f"<h{b.level}{anchor}>{_inline(b.text)}</h{b.level}>"
    if isinstance(b, Para):
        return f'<p class="note">{_inline(b.text)}</p>' if b.note else f"<p>{_inline(b.text)}</p>"
    if isinstance(b, Code):
        if b.kind == "cmd":
            return f'<pre class="cmd"><code>{_words(b.text)}</code></pre>'
        return f'<pre class="program"><code>{html.escape(b.text.rstrip(chr(10)))}</code></pre>'
    if isinstance(b, Table):
        head = "".join(f"<th>{_inline(h)}</th>" for h in b.header)
        rows = []
        for row in b.rows:
            cells = "".join(f'<td{" class=num" if b.numeric and b.numeric[i] else ""} '
                            f'data-label="{html.escape(b.header[i])}">{_inline(c)}</td>' for i, c in enumerate(row))
            rows.append(f"<tr>{cells}</tr>")
        # every table of words reflows into cards on a phone; one of numbers only (epoch, loss) fits as it is
        kind = " ".join((["reflow"] if not (b.numeric and all(b.numeric)) else [])
                        + (["short"] if len(b.rows) <= SHORT_TABLE else []))   # short: kept on one printed page
        return (f'<div class="scroll"><table class="{kind}"><thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table></div>")
    if isinstance(b, Image):
        return f"<figure>{_img(b, folder)}</figure>"
    if isinstance(b, Figure):
        caption = f"<figcaption>{_inline(b.caption)}</figcaption>" if b.caption else ""
        inner = "".join(_img(i, folder) for i in b.images)
        return f'<figure><div class="panels">{inner}</div>{caption}</figure>'
    if isinstance(b, Bullets):
        return "<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, Details):
        inner = "\n".join(_html(x, folder, everything) for x in b.blocks)
        return f"<details><summary>{_inline(b.summary)}</summary>\n{inner}\n</details>"
    if isinstance(b, Contents):
        items = "".join(f'<li><a href="#{html.escape(h.anchor)}">{_inline(h.text)}</a></li>'
                        for h in _toc(everything))
        return f'<nav class="toc" aria-label="{html.escape(b.title)}"><strong>{html.escape(b.title)}</strong>' \
               f"<ul>{items}</ul></nav>"
    raise TypeError(f"unknown block {b!r}")


SHORT_TABLE = 12        # rows: a table this short is kept whole on a printed page
SHORT_CODE = 25         # lines: a program this short, likewise


def _short(b: Block) -> bool:
    """Whether `b` may share an unbreakable printed box with its heading: a long program, table or folded
    block may not (kept whole, it would leave most of a page blank before it)."""
    if isinstance(b, Code):
        return b.kind == "cmd" or b.text.count("\n") <= SHORT_CODE
    if isinstance(b, Table):
        return len(b.rows) <= SHORT_TABLE
    return not isinstance(b, Details)


def to_html(blocks: list[Block], title: str, lang: str, folder: Path) -> str:
    """One page; the images are read from `folder` and embedded. A heading is kept on one printed page with
    the block that follows it when that block is short (they share a `keep` box); before a long one, the
    heading's own `break-after: avoid` keeps it with the block's first lines."""
    body: list[str] = []
    pending: list[str] = []                  # headings waiting for the block they introduce
    for b in blocks:
        piece = _html(b, folder, blocks)
        if isinstance(b, Heading):
            pending.append(piece)
            continue
        if pending:
            piece = ('<div class="keep">' if _short(b) else "<div>") + "\n".join(pending + [piece]) + "</div>"
            pending = []
        body.append(piece)
    body += pending
    return (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")
