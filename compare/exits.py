"""The one place that maps what happened to an exit status, and our own signals turned into exceptions.

    0    done
    1    a disagreement (`ParityError`): the message names the update, stage, layer, parameter, element
    2    bad input or usage (`ExperimentError`, a user's file that raises anything or returns something
         unusable, a malformed file, a command that needs torch where it is not installed, and, so that no
         traceback ever reaches the user, anything we did not foresee: a `MemoryError`, a bug of ours;
         `COMPARE_TRACEBACK=1` prints that traceback)
    3    the training diverged (`DivergenceError`)
    130  our process received SIGINT (Ctrl-C); 143: SIGTERM; 129: SIGHUP (its terminal went away); wherever
         it lands, inside a user's code too, and with worker processes (`--jobs`) every one ends with us
    141  the reader of our stdout went away (`| head`)

Our SIGINT, SIGTERM and SIGHUP raise `compare.errors.Interrupted`, not `KeyboardInterrupt`: a user's file that
raises `KeyboardInterrupt` (or `SystemExit`, `GeneratorExit`) itself is a user's error (exit 2), never taken for
ours. The handler also notes the signal, so that a user's `except BaseException: pass` cannot swallow it:
`raise_pending` raises it again once the user's call returns, and a second signal while the user's code
still runs ends the process at once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, NoReturn

from compare.errors import NEEDS_TORCH, DivergenceError, ExperimentError, Interrupted, ParityError, UserStop
from compare.files.text import one_line, printable

# SIGHUP: a closed terminal or an ended ssh session, which would otherwise kill us without a word
SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)
WORDS = {signal.SIGINT: "interrupted (SIGINT)", signal.SIGTERM: "terminated (SIGTERM)"}
if hasattr(signal, "SIGHUP"):
    WORDS[signal.SIGHUP] = "hung up (SIGHUP)"  # not on Windows


class _State:
    """Whether our handlers are installed, and a signal that arrived (kept until the command ends)."""

    active = False
    pending: int | None = None
    in_user_code = 0


def _on_signal(signum: int, frame: Any) -> None:
    if _State.pending is not None and _State.in_user_code:
        # the first one was swallowed by a user's code that runs on: end now (nothing of ours is being written)
        os.write(2, f"{WORDS.get(signum, 'signal')}: nothing half-written was left behind\n".encode())
        os._exit(128 + signum)
    _State.pending = signum
    raise Interrupted(signum)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def signals_as_exceptions() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise `Interrupted` (exit 130 / 143 / 129)."""
    if not _main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    was_active, _State.active, _State.pending = _State.active, True, None
    for s in SIGNALS:
        signal.signal(s, _on_signal)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _State.active = was_active


@contextmanager
def user_code() -> Iterator[None]:
    """Marks a call into a user's code: should it swallow our signal and run on, a second one ends the
    process at once."""
    _State.in_user_code += 1
    try:
        yield
    finally:
        _State.in_user_code -= 1


def ours_active() -> bool:
    """True inside `signals_as_exceptions` (a command); False for the Python API, where Ctrl-C is Python's
    own `KeyboardInterrupt`."""
    return _State.active


def raise_pending() -> None:
    """Raise `Interrupted` again if one of our signals arrived and was swallowed (by a user's code)."""
    if _State.active and _State.pending is not None:
        raise Interrupted(_State.pending)


def is_ours(exc: BaseException) -> bool:
    """An interruption that is ours to act on, not a user's error: our signal, or Ctrl-C outside a command."""
    return isinstance(exc, Interrupted) or (isinstance(exc, KeyboardInterrupt) and not _State.active)


@contextmanager
def deferred_signals() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP arriving within the block are held and delivered when it ends: for a few
    renames that must happen all together or not at all."""
    if not _main_thread():
        yield
        return
    held: list[int] = []
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if held:
            signal.raise_signal(held[0])    # to whatever handler was there before: ours raises Interrupted


def exit_status(exc: BaseException) -> tuple[int, str]:
    """The exit status for an exception that ended a command, and what to print on stderr."""
    if isinstance(exc, ParityError):
        return 1, "\n".join(printable(line) for line in str(exc).split("\n"))
    if isinstance(exc, ExperimentError):
        return 2, f"error: {one_line(str(exc))}"
    if isinstance(exc, DivergenceError):
        return 3, f"error: {one_line(str(exc))}"
    if isinstance(exc, UserStop):
        return 2, f"error: {one_line(str(exc))}"
    if isinstance(exc, Interrupted) or isinstance(exc, KeyboardInterrupt):
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        return 128 + signum, f"{WORDS.get(signum, f'signal {signum}')}: nothing half-written was left behind"
    if isinstance(exc, BrokenPipeError):
        return 141, ""
    if isinstance(exc, BrokenProcessPool):
        return 2, ("error: a worker process (--jobs) ended before its job was done (killed from outside, or out "
                   "of memory); nothing was written; --jobs 1 runs every job in this process")
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] == "torch":
        return 2, f"error: {NEEDS_TORCH}"
    if isinstance(exc, MemoryError):
        return 2, "error: out of memory (the input asks for more than this machine gives; nothing was written)"
    if isinstance(exc, RecursionError):
        return 2, "error: nested too deeply (nothing was written)"
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    place = f" at {os.path.basename(where[0].filename)}:{where[0].lineno}" if where else ""
    return 2, (f"error: unexpected {type(exc).__name__}{place}: {one_line(str(exc))[:200]} (a bug in compare, "
               "not in your input: please report it; COMPARE_TRACEBACK=1 shows the traceback)")


def leave(code: int) -> NoReturn:
    """`sys.exit(code)` for a command run as a program (its `__main__`). After our own signal (129, 130, 143)
    at once, without the interpreter's teardown: everything of ours is already closed, renamed or removed by
    then, and unloading torch alone takes a second or two on a busy machine, which a signal should not wait
    for. Never from the Python API (it would end the caller's process)."""
    if code in {128 + s for s in SIGNALS}:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):   # a closed or broken stream: nothing more to say on it
                pass
        os._exit(code)
    sys.exit(code)


def report(exc: BaseException) -> int:
    """Print what `exit_status` says about `exc` on stderr and return the status."""
    code, message = exit_status(exc)
    if code == 141:
        # `python -m compare | head`: the reader left; say nothing more (Python's documented recipe)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return code
    if code == 2 and os.environ.get("COMPARE_TRACEBACK") and not isinstance(exc, ExperimentError):
        traceback.print_exception(exc, file=sys.stderr)
    print(message, file=sys.stderr)
    return code
