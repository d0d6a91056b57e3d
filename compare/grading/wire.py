"""Our own framing for the pipe between the grader and a submission's process: JSON headers and raw array
bytes, never pickle.

One message is

    b"BPG1"  u32 (big-endian) header length  header (UTF-8 JSON object)  raw bytes of each array, in order

where `header["arrays"]` lists each array as `[dtype, shape]` (`numpy.dtype.str`, e.g. "<f8", and a list of
non-negative ints). The reader checks the magic, the sizes against hard limits, each dtype against a short
list of plain numeric types, and the byte counts; an array is rebuilt with `numpy.frombuffer` (a plain,
writable `ndarray`, never a subclass, never an object array). Anything else is a `ProtocolError`.

This module imports only the standard library and NumPy: the submission's process loads it by path (it
cannot count on our package being importable there).
"""

from __future__ import annotations

import json
import math
import os
import select
import struct
import time
from collections.abc import Callable
from typing import Any

import numpy as np

MAGIC = b"BPG1"
MAX_HEADER = 1 << 20          # bytes of JSON: a value tree of a few hundred arrays fits many times
MAX_ARRAYS = 512
MAX_NDIM = 4
# plain numbers only: what a gradient can be (the receiver still checks the dtype it wants)
DTYPES = frozenset(np.dtype(t).str for t in (
    "float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint64", "uint32", "uint16", "uint8",
    "bool", "complex128", "complex64"))


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed message of ours."""


class Closed(Exception):
    """The other side closed the pipe (its process ended) before a whole message arrived."""


class TimedOut(Exception):
    """No whole message arrived before the deadline."""


def write_message(fd: int, header: dict[str, Any], arrays: list[np.ndarray] = (),  # type: ignore[assignment]
                  deadline: float | None = None, tick: Callable[[], None] | None = None) -> None:
    """Send `header` and `arrays` (plain numeric ndarrays) as one message. On a non-blocking `fd` whose
    reader stops reading (it shrank the pipe, it sleeps), wait as `read_message` waits: until `deadline`
    (TimedOut), calling `tick` meanwhile."""
    plain = [np.ascontiguousarray(a) for a in arrays]
    header = dict(header, arrays=[[a.dtype.str, list(a.shape)] for a in plain])
    text = json.dumps(header, allow_nan=False).encode("utf-8")
    parts = [MAGIC + struct.pack(">I", len(text)) + text] + [a.tobytes() for a in plain]
    for part in parts:
        view = memoryview(part)
        while view:
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                _wait(fd, deadline, tick, write=True)
                continue
            view = view[written:]


TICK_S = 0.1   # how often `tick` is called while waiting


def _wait(fd: int, deadline: float | None, tick: Callable[[], None] | None, write: bool = False) -> None:
    """Until `fd` can be read (written): TimedOut past `deadline`, `tick` called every TICK_S meanwhile."""
    while True:
        left = math.inf if deadline is None else deadline - time.monotonic()
        if left <= 0:
            raise TimedOut()
        wait = min(left, TICK_S) if tick is not None else None if left == math.inf else left
        ready = select.select([] if write else [fd], [fd] if write else [], [], wait)
        if ready[0] or ready[1]:
            return
        if tick is None:
            raise TimedOut()
        tick()


def _read_exact(fd: int, n: int, deadline: float | None, tick: Callable[[], None] | None = None) -> bytearray:
    buf = bytearray()
    while len(buf) < n:
        if deadline is not None or tick is not None:
            _wait(fd, deadline, tick)
        chunk = os.read(fd, min(n - len(buf), 1 << 20))
        if not chunk:
            raise Closed()
        buf += chunk
    return buf


def read_message(fd: int, deadline: float | None = None, max_bytes: int = 1 << 28,
                 tick: Callable[[], None] | None = None) -> tuple[dict[str, Any], list[np.ndarray]]:
    """(header, arrays) of the next message; `deadline` is a `time.monotonic()` value (None: wait forever).
    `max_bytes` bounds the array bytes a single message may carry. `tick`, when given, is called every
    `TICK_S` seconds while nothing arrives (it may raise: a limit the caller watches)."""
    head = _read_exact(fd, 8, deadline, tick)
    if bytes(head[:4]) != MAGIC:
        raise ProtocolError(f"bad magic {bytes(head[:4])!r}")
    (length,) = struct.unpack(">I", head[4:])
    if length > MAX_HEADER:
        raise ProtocolError(f"header of {length} bytes (at most {MAX_HEADER})")
    try:
        header = json.loads(_read_exact(fd, length, deadline, tick).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:   # RecursionError: nesting too deep
        raise ProtocolError(f"header is not JSON ({str(exc)[:100]})") from None
    if not isinstance(header, dict):
        raise ProtocolError("header is not a JSON object")
    specs = header.get("arrays", [])
    if not isinstance(specs, list) or len(specs) > MAX_ARRAYS:
        raise ProtocolError("bad array list")
    shapes: list[tuple[np.dtype, tuple[int, ...]]] = []
    total = 0
    for spec in specs:
        if not (isinstance(spec, list) and len(spec) == 2 and isinstance(spec[0], str) and spec[0] in DTYPES
                and isinstance(spec[1], list) and len(spec[1]) <= MAX_NDIM
                and all(type(n) is int and 0 <= n < 1 << 31 for n in spec[1])):
            raise ProtocolError(f"bad array description {str(spec)[:80]}")
        dtype, shape = np.dtype(spec[0]), tuple(spec[1])
        # Python integers: a product of huge dimensions is exact, never wrapped around (NumPy's int64 would)
        total += math.prod(shape) * dtype.itemsize
        if total > max_bytes:
            raise ProtocolError(f"arrays of more than {max_bytes} bytes")
        shapes.append((dtype, shape))
    arrays = []
    for dtype, shape in shapes:
        raw = _read_exact(fd, math.prod(shape) * dtype.itemsize, deadline, tick)
        arrays.append(np.frombuffer(raw, dtype=dtype).reshape(shape))
    return header, arrays
