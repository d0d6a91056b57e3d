"""Which functions of a layer file are still the course's template: every `YOUR CODE` block of the function
empty (comments, blank lines or `pass` between the block's start marker and its `END OF YOUR CODE`), read
from the file's text, never run. cs231n's templates return `None` there (`out = None ... return out,
cache`) instead of raising NotImplementedError; such a function leaves its layer "not checked", as a raise
of NotImplementedError does, when it then fails (a `None` returned, or a raise on one).

    unwritten_functions("layers.py") -> {"batchnorm_forward", "batchnorm_backward", ...}
"""

from __future__ import annotations

import ast
from pathlib import Path

from compare.errors import ExperimentError
from compare.files.bounded import read_bytes

SOURCE_BYTES = 16 << 20
# the line that opens a block: 2019+ templates `*****START OF YOUR CODE ...*****`, older ones the `TODO:` box
STARTS = ("START OF YOUR CODE", "TODO")
END = "END OF YOUR CODE"


def unwritten_functions(path: str | Path) -> frozenset[str]:
    """The top-level functions of `path` whose every YOUR CODE block is empty (none for a file that is not
    readable Python: the import says why)."""
    file = Path(path)
    try:
        text = read_bytes(file, str(file), SOURCE_BYTES).decode("utf-8")
        tree = ast.parse(text, filename=str(file))
    except (ExperimentError, ValueError, SyntaxError, RecursionError, MemoryError, OSError):
        return frozenset()
    lines = text.splitlines()
    return frozenset(node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and node.end_lineno is not None and _all_blocks_empty(lines[node.lineno - 1:node.end_lineno]))


def _all_blocks_empty(body: list[str]) -> bool:
    blocks: list[list[str]] = []
    start: int | None = None
    for k, line in enumerate(body):
        if END in line:
            if start is not None:
                blocks.append(body[start + 1:k])
            start = None
        elif any(marker in line for marker in STARTS) and line.lstrip().startswith("#"):
            start = k
    return bool(blocks) and all(_empty(block) for block in blocks)


def _empty(block: list[str]) -> bool:
    code = [line.strip() for line in block if line.strip() and not line.strip().startswith("#")]
    return all(line == "pass" for line in code)
