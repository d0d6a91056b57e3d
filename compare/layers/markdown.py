"""The table of layers as Markdown: docs/layers.md's generated section, from its marker line to the end (a
test holds the file to it). `python -m compare.layers.markdown --write` rewrites that section."""

from __future__ import annotations

import sys
from pathlib import Path

from compare.files.atomic import atomic_write
from compare.layers.table import LAYERS

DOC = Path(__file__).resolve().parents[2] / "docs" / "layers.md"
MARKER = "<!-- generated from compare/layers/table"

KIND_WORDS = {"recorded": "recorded with torch", "factor": "yours = torch's x {arg}", "transpose": "transposed",
              "reshape": "same numbers, another shape", "crop": "padding left on", "flip": "flipped kernel axes",
              "blocks": "gate blocks 3 and 4 swapped", "drawn": "from your mask",
              "gates": "an LSTM recomputed with the gates in another order"}


def tables() -> str:
    lines = [f"{MARKER} by compare.layers.markdown.tables(); do not edit -->", "",
             "### The layers", "",
             "| layer | forward | backward | shapes | torch reference |", "|---|---|---|---|---|"]
    for layer in LAYERS.values():
        shapes = "; ".join(f"`{k}` {v}" for k, v in layer.shapes.items())
        backward = (f"`{layer.backward_signature()} -> {layer.backward_returns()}`" if layer.backward else
                    "(none: returns the gradient itself)")
        lines.append(f"| {layer.name} | `{layer.forward_signature()} -> {layer.returns()}` | {backward} | "
                     f"{shapes} | {layer.reference} |")
    lines += ["", "### The designed inputs", "", "| layer | case | shapes | parameters | designed to expose |",
              "|---|---|---|---|---|"]
    for layer in LAYERS.values():
        for case in layer.cases:
            shapes = ", ".join(f"`{k}` {v}" for k, v in case.shapes.items())
            params = ", ".join(f"`{k}` {v}" for k, v in case.params.items())
            lines.append(f"| {layer.name} | {case.name} | {shapes} | {params} | {case.pins} |")
    lines += ["", "### Mistake x layer x the input that exposes it", "",
              "| layer | mistake | changes | recognised as | exposed by | hint |", "|---|---|---|---|---|---|"]
    for layer in LAYERS.values():
        for m in layer.mistakes:
            items = ", ".join(i for i in m.items if i in layer.items)
            how = KIND_WORDS[m.kind].format(arg=m.arg)
            lines.append(f"| {layer.name} | {m.id} | {items} | {how} | {m.case or 'every case'} | {m.hint} |")
    return "\n".join(lines) + "\n"


def write(doc: Path = DOC) -> None:
    text = doc.read_text(encoding="utf-8")
    new = text[:text.index(MARKER)] + tables()
    atomic_write(doc, lambda tmp: Path(tmp).write_text(new, encoding="utf-8"))


if __name__ == "__main__":
    USAGE = "usage: python -m compare.layers.markdown [--write]   (without --write: print the tables)"
    if sys.argv[1:] == ["--write"]:
        write()
    elif sys.argv[1:] in (["-h"], ["--help"]):
        print(USAGE)
    elif sys.argv[1:]:
        print(f"error: unrecognized arguments: {' '.join(sys.argv[1:])}; {USAGE}", file=sys.stderr)
        sys.exit(2)
    else:
        print(tables(), end="")
