"""`--sandbox auto|bwrap|none`: which level a grading runs at, and what the weaker one does not protect.

    bwrap  each submission in a bubblewrap sandbox (see `compare.sandbox.policy`); as root also a user id
           and a control group of its own
    none   today's isolation only: its own process and session, rlimits, a pids control group where one
           can be made, an empty temporary folder, capabilities dropped; it sees the file system as the
           grader's user does
    auto   bwrap where it works here, else none (with one line saying so)

Asking for `bwrap` where it does not work is an `ExperimentError` (exit 2) saying why and what to install.
"""

from __future__ import annotations

import sys

from compare.errors import ExperimentError

CHOICES = ("auto", "bwrap", "none")

NONE_WARNING = ("warning: no sandbox (--sandbox none): each submission runs in its own process with limits, "
                "but sees the file system as this user does and runs as this user: as root it can change files "
                "the grader or later submissions use, read the rubric, signal other processes, and import "
                "any installed module (the rubric's imports are only checked, not enforced)")


def resolve(choice: str, *, quiet: bool = False) -> str:
    """The level to use: "bwrap" or "none". Prints the warning for "none" once (unless `quiet`)."""
    from compare.sandbox.bwrap import problem
    from compare.sandbox.policy import interpreter

    if choice not in CHOICES:
        raise ExperimentError(f"--sandbox: expected one of {', '.join(CHOICES)}; found {choice!r}")
    if choice == "none":
        level = "none"
    else:
        why = problem(interpreter()) if sys.platform.startswith("linux") else "bubblewrap runs on Linux only"
        if why and choice == "bwrap":
            raise ExperimentError(f"--sandbox bwrap: {why}")
        level = "none" if why else "bwrap"
        if why and not quiet:
            print(f"note: --sandbox auto: no sandbox available ({why})", file=sys.stderr)
    if level == "none" and not quiet:
        print(NONE_WARNING, file=sys.stderr)
    return level
