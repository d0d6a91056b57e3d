"""The one strict gate for values a user's code returns to us.

What comes back from a user's function is read without trusting it: a list or tuple is copied through the
built-in type's own slot (`list.__getitem__(value, slice(None))`), so a subclass's `__len__`, `__iter__` or
`__getitem__` is never called; an array must be a real `numpy.ndarray` of a float dtype, is viewed as a plain
`ndarray` (a subclass's `shape` property, `__array__` or `__array_finalize__` never run) and copied with
`np.asarray` into the run's dtype, and its shape must be exactly the one expected. Whatever is wrong is one
`UserCodeError` line (exit 2) naming the value, what was expected and what was found.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from compare.errors import ExperimentError


class UserCodeError(ExperimentError):
    """The user's file cannot be used (exit 2). `str(exc)` is one line; `user_traceback` (possibly empty)
    is the traceback of the user's own exception, their frames only, to print before that line."""

    def __init__(self, message: str, user_traceback: str = ""):
        super().__init__(message)
        self.user_traceback = user_traceback


def type_name(value: Any) -> str:
    """`a NumPy array`, `a dict`, `an int`: the type of what was found, never its (user-defined) repr."""
    noun = type(value).__name__
    if isinstance(value, np.ndarray):
        return "a NumPy array" if type(value) is np.ndarray else f"a NumPy array subclass ({noun})"
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def sequence(value: Any, what: str, count: int, expected: str) -> list[Any]:
    """A plain list of the `count` items of a user's list or tuple, read through the built-in type."""
    if isinstance(value, list):
        items = list.__getitem__(value, slice(None))
    elif isinstance(value, tuple):
        items = list(tuple.__getitem__(value, slice(None)))
    else:
        raise UserCodeError(f"{what} is {type_name(value)}; expected a list or tuple of {count}: {expected}")
    if len(items) != count:
        raise UserCodeError(f"{what} has {len(items)} items; expected {count}: {expected}")
    return items


def array(value: Any, what: str, shape: tuple[int, ...], dtype: np.dtype, *,
          also: tuple[int, ...] | None = None) -> tuple[np.ndarray | None, tuple[int, ...]]:
    """(a fresh plain float array of `dtype` and `shape`, its found shape), or (None, found shape) when the
    shape differs (the caller words that message, with hints). `also`: a second shape accepted and reshaped
    to `shape` (a bias gradient (n,) for (1, n))."""
    if not isinstance(value, np.ndarray):
        raise UserCodeError(f"{what} is {type_name(value)}; expected a NumPy array of shape {shape}")
    plain = np.ndarray.view(value, np.ndarray)          # C-level: no property or hook of a subclass runs
    if plain.dtype.kind != "f":
        raise UserCodeError(f"{what} has dtype {plain.dtype}; expected floats (e.g. float64)")
    found = tuple(plain.shape)
    if also is not None and found == also:
        plain = plain.reshape(shape)
    elif found != shape:
        return None, found
    return np.asarray(plain.copy(), dtype=dtype), found
