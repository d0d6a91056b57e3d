"""How full each page of a PDF is: the height its painted content spans, as a fraction of the page's height.

Enough of a PDF reader for what Chromium's printer (Skia) writes: page objects, their Flate-compressed
content streams, and in those the operators that place marks: paths that are painted (a clipping path, ended
by `n`, paints nothing), text shown (Tj, TJ, ' and "), images (Do), under the transformation that `cm`, `q` and
`Q` keep and the text matrix that `Tm`, `Td`, `TD` and `T*` move. No package beyond the standard library.

    python tests/pdf_fill.py FILE.pdf        # one line per page: its fill
"""

from __future__ import annotations

import re
import sys
import zlib
from pathlib import Path

PAINT = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"}
TEXT = {"Tj", "TJ", "'", '"'}
TOKEN = re.compile(rb"<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\)|\[|\]|/[^\s/\[\]()<>]+"
                   rb"|[-+]?(?:\d+\.?\d*|\.\d+)|[A-Za-z'\"*]+")


def _mul(a: tuple, b: tuple) -> tuple:
    """The matrix a x b, both [a b c d e f] as PDF writes them."""
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


def _apply(m: tuple, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def painted_heights(content: bytes) -> tuple[float, float] | None:
    """(lowest, highest) y in page space of everything the content stream paints; None for a blank page."""
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    ctm, stack, path, operands = identity, [], [], []
    tm = tlm = identity
    leading = 0.0
    ys: list[float] = []
    for raw in TOKEN.findall(content):
        token = raw.decode("latin-1")
        if re.fullmatch(r"[-+]?(?:\d+\.?\d*|\.\d+)", token):
            operands.append(float(token))
            continue
        if token[0] in "<(/[]":
            operands.append(token)
            continue
        nums = [v for v in operands if isinstance(v, float)]
        if token == "q":
            stack.append(ctm)
        elif token == "Q" and stack:
            ctm = stack.pop()
        elif token == "cm" and len(nums) >= 6:
            ctm = _mul(tuple(nums[-6:]), ctm)
        elif token in ("m", "l") and len(nums) >= 2:
            path.append(_apply(ctm, *nums[-2:]))
        elif token in ("c", "v", "y") and len(nums) >= 4:
            path += [_apply(ctm, *nums[i:i + 2]) for i in range(len(nums) - 2 * (len(nums) // 2), len(nums), 2)]
        elif token == "re" and len(nums) >= 4:
            x, y, w, h = nums[-4:]
            path += [_apply(ctm, x, y), _apply(ctm, x + w, y + h)]
        elif token in PAINT:
            ys += [p[1] for p in path]
            path = []
        elif token == "n":
            path = []
        elif token == "BT":
            tm = tlm = identity
        elif token == "Tm" and len(nums) >= 6:
            tm = tlm = tuple(nums[-6:])
        elif token in ("Td", "TD") and len(nums) >= 2:
            if token == "TD":
                leading = -nums[-1]
            tm = tlm = _mul((1, 0, 0, 1, nums[-2], nums[-1]), tlm)
        elif token == "TL" and nums:
            leading = nums[-1]
        elif token == "T*":
            tm = tlm = _mul((1, 0, 0, 1, 0, -leading), tlm)
        elif token in TEXT:
            ys.append(_apply(_mul(tm, ctm), 0, 0)[1])
        elif token == "Do":
            ys += [_apply(ctm, 0, 0)[1], _apply(ctm, 0, 1)[1]]
        operands = []
    return (min(ys), max(ys)) if ys else None


def page_fills(pdf: bytes) -> list[float]:
    """Per page, in order: the height its painted content spans / the page's height (0 for a blank page)."""
    objects = {int(n): body for n, body in re.findall(rb"(?:^|\n)(\d+) 0 obj\n(.*?)\nendobj", pdf, re.S)}

    def stream(number: int) -> bytes:
        body = objects[number]
        head, data = body.split(b"stream", 1)
        length = int(re.search(rb"/Length (\d+)", head).group(1))
        data = data.lstrip(b"\r\n")[:length]
        return zlib.decompress(data) if b"/FlateDecode" in head else data

    def kids(number: int) -> list[int]:
        body = objects[number]
        if re.search(rb"/Type /Page\b(?!s)", body):
            return [number]
        found = re.search(rb"/Kids \[([^\]]*)\]", body)
        return [k for ref in re.findall(rb"(\d+) 0 R", found.group(1)) for k in kids(int(ref))] if found else []

    root = next(n for n, body in objects.items() if re.search(rb"/Type /Pages\b", body)
                and not re.search(rb"/Parent ", body))
    fills = []
    for page in kids(root):
        body = objects[page]
        box = [float(v) for v in re.search(rb"/MediaBox \[([^\]]*)\]", body).group(1).split()]
        refs = re.search(rb"/Contents (?:\[([^\]]*)\]|(\d+) 0 R)", body)
        numbers = [int(r) for r in re.findall(rb"(\d+) 0 R", refs.group(1))] if refs.group(1) else [int(refs.group(2))]
        span = painted_heights(b"\n".join(stream(n) for n in numbers))
        fills.append(0.0 if span is None else (span[1] - span[0]) / (box[3] - box[1]))
    return fills


if __name__ == "__main__":
    for i, fill in enumerate(page_fills(Path(sys.argv[1]).read_bytes()), 1):
        print(f"page {i}: {fill:.0%}")
