"""`check --timeout` and `check --isolate`: a user's file under a time limit, in this process or in its own.

    with limited_user_code("mine.py", timeout=600, isolate=False) as code:
        check_with_torch(code, experiment)

The limit counts the wall-clock time spent in the file's own code (its import and every call of its
functions), not ours. In this process a call that runs past it is interrupted by SIGALRM; a file that
swallows that (or hangs inside C code) is ended by a watchdog a few seconds later, which prints one line
and exits with status 2. With `isolate` the file runs as `grade` runs it (`compare.grading.isolate`).
Either way a file that runs too long, calls sys.exit, or dies is a UserCodeError: one line, exit 2.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from compare.errors import UserStop
from compare.usercode.load import UserCode, UserCodeError, load_user_code

DEFAULT_TIMEOUT = 600.0   # seconds of the file's own code: ample for long runs, and a hung file still ends
MAX_TIMEOUT = 7 * 86400.0  # a week: what the timers of every platform can hold
GRACE = 3.0               # after the limit, before the watchdog ends the process


class UserStopped(UserStop):
    """The user's code cannot go on: it called sys.exit, or (`CheckTimeout`) its time is up. A BaseException,
    so that `except Exception` in the check machinery lets it through to `limited_user_code`."""


class CheckTimeout(UserStopped):
    """Raised inside the user's code when its time is up."""


class Budget:
    """The seconds left to one file's code, spent call by call."""

    def __init__(self, seconds: float, name: str):
        self.left = seconds
        self.seconds = seconds
        self.name = name

    @contextmanager
    def running(self, what: str) -> Iterator[None]:
        message = f"{self.name}: ran past its time limit (--timeout {self.seconds:g} s) {what}"

        def on_alarm(signum: int, frame: Any) -> None:
            raise CheckTimeout(message)

        def watchdog() -> None:
            print(f"error: {message}; it did not stop when interrupted, so the check ends here", file=sys.stderr,
                  flush=True)
            os._exit(2)

        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGALRM, on_alarm) if main else None
        dog = threading.Timer(max(self.left, 0.0) + GRACE, watchdog)
        dog.daemon = True
        started = time.monotonic()
        try:   # armed inside: an alarm due at once (little time left) still cancels the watchdog on its way out
            dog.start()
            if main:
                signal.setitimer(signal.ITIMER_REAL, max(self.left, 1e-3))
            yield
        finally:
            dog.cancel()
            if main:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            self.left -= time.monotonic() - started

    def wrap(self, fn: Callable[..., Any] | None, what: str) -> Callable[..., Any] | None:
        if fn is None:
            return None

        def call(*args: Any, **kwargs: Any) -> Any:
            with self.running(f"in {what}"):
                try:
                    return fn(*args, **kwargs)
                except SystemExit as exc:   # in-process, sys.exit(0) would end the check with status 0
                    raise UserStopped(f"{self.name}: called sys.exit({exc.code}) in {what}") from None
        return call


@contextmanager
def limited_user_code(path: str, *, timeout: float = DEFAULT_TIMEOUT, isolate: bool = False,
                      sandbox: str = "none") -> Iterator[UserCode]:
    """The user's file as a `UserCode` whose code runs under `timeout` (in this process, or isolated, in
    `sandbox` ("bwrap" or "none"): then its output, captured, is printed on stderr at the end)."""
    if isolate:
        from compare.grading.isolate import Isolated
        from compare.grading.limits import Limits, SubmissionEnded

        child = None
        try:
            with Isolated(path, Limits(timeout=timeout, output_bytes=64_000, sandbox=sandbox)) as child:
                yield child.load()
        except SubmissionEnded as exc:
            raise UserCodeError(f"{path}: {exc.reason}") from None
        finally:
            if child is not None and child.output:
                print(f"output of {path} (its own process):\n{child.output.rstrip()}", file=sys.stderr)
        return
    budget = Budget(timeout, path)
    try:
        with budget.running("while importing"):
            code = load_user_code(path)
        yield dataclasses.replace(code, backward=budget.wrap(code.backward, "backward"),
                                  forward=budget.wrap(code.forward, "forward"))
    except UserStopped as exc:
        raise UserCodeError(str(exc)) from None
