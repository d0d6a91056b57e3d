"""What a layer function returns, read without trusting it (`compare.usercode.gate`'s rules): the count of
items, each a plain float64 NumPy array (a loss: a number), finite. Whatever is wrong is one `Problem` line
naming the function and the item."""

from __future__ import annotations

from typing import Any

import numpy as np

from compare.usercode.gate import UserCodeError, type_name


class Problem(UserCodeError):
    """A layer's function cannot be used as it is (one line); `item` and `hints` name what and why."""

    def __init__(self, message: str, function: str = "", item: str = "", hints: list[str] | None = None,
                 user_traceback: str = "", not_implemented: bool = False):
        super().__init__(message, user_traceback)
        self.function, self.item, self.hints = function, item, hints or []
        self.not_implemented = not_implemented     # it raised NotImplementedError: a template's body


def items(value: Any, function: str, names: tuple[str, ...]) -> list[Any]:
    """The returned items, in `names`' order: a tuple or list of that many (one item may come bare)."""
    expected = names[0] if len(names) == 1 else "(" + ", ".join(names) + ")"
    if isinstance(value, (tuple, list)):
        got = list(tuple.__getitem__(value, slice(None)) if isinstance(value, tuple) else
                    list.__getitem__(value, slice(None)))
        if len(names) == 1 and len(got) != 1 and isinstance(value, list):
            raise Problem(f"{function} returned a list of {len(got)}; expected {expected}", function, names[0])
        if len(got) != len(names):
            raise Problem(f"{function} returned {len(got)} item{'s' if len(got) != 1 else ''}; expected "
                          f"{len(names)}: {expected}", function, names[0])
        return got
    if len(names) == 1:
        return [value]
    raise Problem(f"{function} returned {type_name(value)}; expected a tuple {expected}", function, names[0])


def array(value: Any, function: str, name: str) -> np.ndarray:
    """A plain float64 copy of a returned array (shape and finiteness are checked by the caller)."""
    if not isinstance(value, np.ndarray):
        never = (f" (never assigned? the template starts with {name} = None)" if value is None or
                 isinstance(value, Opaque) and value.type_name == "NoneType" else "")
        raise Problem(f"{function}: {name} is {described(value)}; expected a NumPy array"
                      f"{_of_interface(value)}{never}", function, name)
    plain = np.ndarray.view(value, np.ndarray)
    if plain.dtype != np.float64:
        raise Problem(f"{function}: {name} has dtype {plain.dtype}; expected float64 (the inputs' dtype)",
                      function, name)
    return np.array(plain, dtype=np.float64, copy=True)


def number(value: Any, function: str, name: str) -> np.ndarray:
    """A returned loss: a Python or NumPy number, or an array of one float; as a 0-d float64 array."""
    if isinstance(value, np.ndarray):
        plain = np.ndarray.view(value, np.ndarray)
        if plain.size != 1 or plain.dtype.kind != "f":
            raise Problem(f"{function}: {name} is an array of {plain.size} {plain.dtype}; expected one number",
                          function, name)
        return np.array(float(plain.reshape(-1)[0]))
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise Problem(f"{function}: {name} is {described(value)}; expected a number", function, name)
    return np.array(float(value))


class Opaque:
    """A cache held elsewhere (in a submission's own process, `compare.grading`): that side tells whether its
    backward changed it in place (`changed_where`, e.g. "cache[2]"), since its arrays are not here, and what
    it is (`type_name`: "NoneType", "NumPy array of shape (1, 1, 6, 2, 6, 3, 4)"), for a message."""

    changed_where: str | None = None
    type_name: str = ""


def described(value: Any) -> str:
    """`a NoneType`, `a NumPy array`: what a returned item is, also when it stayed in the submission's process."""
    if isinstance(value, Opaque) and value.type_name:
        noun = value.type_name
        return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"
    return type_name(value)


def _of_interface(value: Any) -> str:
    return " of the interface's shape" if isinstance(value, Opaque) and value.type_name.startswith("NumPy") else ""


def snapshot(cache: Any, depth: int = 0) -> Any:
    """A copy of every array inside a cache (tuples, lists and dicts walked, 4 levels deep), to tell later
    whether the cache was changed in place."""
    if isinstance(cache, np.ndarray) and type(cache) is np.ndarray:
        return cache.copy()
    if depth < 4 and type(cache) in (tuple, list):
        return [snapshot(v, depth + 1) for v in cache]
    if depth < 4 and type(cache) is dict:
        return {k: snapshot(v, depth + 1) for k, v in dict.items(cache)}
    return None


def changed(cache: Any, before: Any, where: str = "cache") -> str | None:
    """Where an array of `cache` differs from its `snapshot` ("cache[2]", "cache[0]['x']"), else None."""
    if isinstance(cache, Opaque):
        return cache.changed_where
    if isinstance(before, np.ndarray):
        same = (isinstance(cache, np.ndarray) and cache.shape == before.shape
                and np.array_equal(cache, before, equal_nan=True))
        return None if same else where
    if isinstance(before, list) and type(cache) in (tuple, list) and len(cache) == len(before):
        for k, (now, then) in enumerate(zip(cache, before)):
            if (found := changed(now, then, f"{where}[{k}]")) is not None:
                return found
    if isinstance(before, dict) and type(cache) is dict:
        for k, then in before.items():
            if (found := changed(dict.get(cache, k), then, f"{where}[{k!r}]")) is not None:
                return found
    return None
