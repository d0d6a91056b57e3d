"""The three ways a command can end badly, each with its exit status.

`ExperimentError` (exit 2): bad input or usage, one line, nothing written.
`ParityError` (exit 1): the implementations (or a user's file) disagree. It subclasses
`AssertionError` so that pytest prints it well when a user's own test calls `compare.check`.
`DivergenceError` (exit 3): NaN or inf on both sides alike: the run diverged, nobody is wrong.
`Interrupted` (exit 130 / 143 / 129): our own SIGINT, SIGTERM or SIGHUP arrived (`compare.exits` raises it). It is a
`BaseException` of its own, so that a `KeyboardInterrupt` a user's file raises is never mistaken for ours.

`compare.exits` is the one place that maps what happened to an exit status.
"""

from __future__ import annotations

from typing import Any


class ExperimentError(ValueError):
    """Bad input: an experiment file, a flag, a user's file. Exit 2."""

    exit_code = 2


# The one line a command that needs torch prints (exit 2) where torch is not installed.
NEEDS_TORCH = ("this command needs PyTorch, which is not installed here: `pip install torch` (the CPU build, much "
               "smaller on Linux: `pip install torch --index-url https://download.pytorch.org/whl/cpu`); "
               "`python -m numpy_impl`, `check FILE.py --against TRACE.npz` and `gradcheck` work without it")


class ParityError(AssertionError):
    """Two implementations disagree. Exit 1. `failure` (when set) is the record of the first disagreement
    (`compare.diagnosis.failure.Failure`); `report` (when set) is the run's report up to the failure."""

    exit_code = 1

    def __init__(self, message: str, failure: Any = None, report: Any = None):
        super().__init__(message)
        self.failure = failure
        self.report = report


class DivergenceError(ArithmeticError):
    """NaN or inf appeared in the training itself (both sides alike). Exit 3."""

    exit_code = 3

    def __init__(self, message: str, update: int | None = None, report: Any = None):
        super().__init__(message)
        self.update = update
        self.report = report


class UserStop(BaseException):
    """Our own machinery stopping a user's code (its time is up, it called sys.exit): it crosses the user-code
    boundary unchanged (it is not the user's exception) and, should it reach the top, is exit 2, one line."""

    exit_code = 2


class Interrupted(BaseException):
    """Our process received SIGINT (exit 130) or SIGTERM (exit 143); raised by our signal handler."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum
