"""Typed values read from an experiment document: numbers, integers, choices, booleans, strings and
matrices, each checked at the boundary with a one-line `ExperimentError` naming where, what was expected
and what was found. Shapes are checked here so that NumPy broadcasting never accepts a wrong one."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from compare.errors import ExperimentError


class Found(str):
    """A description of what was found ("shape 2x1"), printed without quotes."""


def fail(where: str, expected: str, found: Any) -> ExperimentError:
    """`found` is shown with repr(); a `Found` (a description, not a value) is shown as it is."""
    if isinstance(found, int) and not isinstance(found, bool) and found.bit_length() > 256:
        # repr() refuses integers of more than 4300 digits
        found = Found(f"an integer of about {int(found.bit_length() * math.log10(2)) + 1} digits")
    text = str(found) if isinstance(found, Found) else repr(found)
    if len(text) > 80:
        text = text[:77] + "..."
    return ExperimentError(f"{where}: expected {expected}, found {text}")


def number(value: Any, where: str, *, lo: float | None = None, lo_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(where, "a number", value)
    if isinstance(value, int) and value.bit_length() > 1000:   # float() would overflow
        raise fail(where, "a finite number", value)
    value = float(value)
    if not math.isfinite(value):
        raise fail(where, "a finite number", value)
    if lo is not None and (value <= lo if lo_open else value < lo):
        raise fail(where, f"a number {'>' if lo_open else '>='} {lo:g}", value)
    return value


def integer(value: Any, where: str, *, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(where, "an integer", value)
    if value < lo or (hi is not None and value > hi):
        raise fail(where, f"an integer in {lo}..{hi}" if hi is not None else f"an integer >= {lo}", value)
    return value


def choice(value: Any, where: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise fail(where, "one of " + ", ".join(f'"{c}"' for c in choices), value)
    return value


def boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise fail(where, "true or false", value)
    return value


def string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise fail(where, "a string", value)
    return value


def to_matrix(value: Any, where: str, shape: tuple[int | None, int | None]) -> np.ndarray:
    """A 2-D list (or array) of finite numbers of the given shape (None: any length) -> float64 array."""
    if isinstance(value, np.ndarray):
        if value.dtype == object or value.dtype.kind not in "iuf":
            raise fail(where, "an array of numbers", Found(f"dtype {value.dtype}"))
        array = value.astype(np.float64)
    else:
        if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
            raise fail(where, "a 2-D list (one list per row)", value)
        for i, row in enumerate(value):
            for j, x in enumerate(row):
                if isinstance(x, bool) or not isinstance(x, (int, float)):
                    raise fail(f"{where}[{i}][{j}]", "a number", x)
                if isinstance(x, int) and x.bit_length() > 1000:   # float() would overflow
                    raise fail(f"{where}[{i}][{j}]", "a finite number", x)
        lengths = {len(row) for row in value}
        if len(lengths) > 1:
            raise fail(where, "rows of equal length", Found(f"lengths {sorted(lengths)}"))
        array = np.array(value, dtype=np.float64).reshape(len(value), lengths.pop() if lengths else 0)
    want = "x".join("N" if n is None else str(n) for n in shape)
    if array.ndim != 2 or any(n is not None and n != m for n, m in zip(shape, array.shape)):
        raise fail(where, f"shape {want}", Found(f"shape {'x'.join(map(str, array.shape))}"))
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        i, j = bad[0]
        raise fail(f"{where}[{i}][{j}]", "a finite number", float(array[i, j]))
    array.setflags(write=False)
    return array


def to_bias(value: Any, where: str, width: int) -> np.ndarray:
    """A bias: 1-D list of length `width`, or (1, width); returned as (1, width)."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.reshape(1, -1)
    elif isinstance(value, list) and not any(isinstance(x, list) for x in value):
        value = [value]
    return to_matrix(value, where, (1, width))
