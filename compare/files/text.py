"""Text that crosses our boundary: names printed to a terminal, and numbers read from a file.

A name (an experiment's, a file's) is free text: printed raw, an ESC, CR or BEL in it would drive the
user's terminal. `printable` shows such characters as escapes (`\\x1b`), everything else as it is.
A number in a file is ASCII: Python's `float()` also takes `١` (Arabic-Indic one), `１` (full-width one)
and `1_0` (ten), which no spreadsheet means; `ascii_float` refuses them.
"""

from __future__ import annotations

import re
import unicodedata

# what a CSV cell holding a number looks like: optional sign, digits with an optional point, an optional
# exponent; or inf / nan spelt out (refused later as not finite, with a clearer message)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity|nan)",
                     re.IGNORECASE | re.ASCII)
# format characters that reorder or hide text on a terminal (bidirectional overrides, zero-width marks)
_HIDING = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}


def printable(text: str) -> str:
    """`text` with control and invisible formatting characters shown as escapes (`\\x1b`, `\\u202e`)."""
    if text.isprintable():
        return text
    return "".join(c if c == " " or unicodedata.category(c) not in _HIDING else
                   (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}" if ord(c) < 0x10000
                    else f"\\U{ord(c):08x}") for c in text)


def one_line(text: str) -> str:
    """A message as one printable line, whatever a file name or key in it contains."""
    return printable(" ".join(text.replace("\r\n", "\n").split("\n")))


def ascii_float(cell: str) -> float | None:
    """The number an ASCII cell spells (surrounding spaces allowed), or None when it spells none."""
    text = cell.strip(" \t")
    if not _NUMBER.fullmatch(text):
        return None
    return float(text)
