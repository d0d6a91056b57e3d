"""A progress bar for long runs: tqdm on stderr, with the run (mode) and the current loss.

It shows only when stderr is a terminal and the user did not ask for `--quiet`, and only once a run has
taken about a second (tqdm's `delay`), so short runs, `--json` pipelines, CI logs and tests see nothing.
Disabled, it is a no-op object: the training loop calls it the same way either way.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, TextIO

DELAY_S = 1.0   # "any run longer than about a second"


def wanted(quiet: bool, stream: TextIO | None = None) -> bool:
    """A bar is drawn only on a terminal, and never with --quiet."""
    stream = sys.stderr if stream is None else stream
    if quiet:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):   # a closed or odd stream: no bar
        return False


class Progress:
    """`with Progress(total, desc, enabled=...) as bar: bar.advance(loss=...)`, one `advance` per epoch."""

    def __init__(self, total: int, desc: str = "", *, enabled: bool, stream: TextIO | None = None,
                 unit: str = "epoch"):
        self.enabled = enabled
        self._bar: Any = None
        if enabled:
            from tqdm import tqdm
            self._bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr if stream is None else stream,
                             delay=DELAY_S, leave=False, dynamic_ncols=True, mininterval=0.2)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def advance(self, n: int = 1, loss: float | None = None) -> None:
        """`n` more epochs done; `loss`, when logged this epoch, goes into the bar's postfix."""
        if self._bar is None:
            return
        if loss is not None:
            self._bar.set_postfix_str(f"loss {loss:.3e}", refresh=False)
        self._bar.update(n)

    def describe(self, desc: str) -> None:
        """Name what runs now (e.g. `exercise3 minibatch seed 3`)."""
        if self._bar is not None:
            self._bar.set_description_str(desc, refresh=False)

    def write(self, line: str, file: TextIO | None = None) -> None:
        """Print a line without tearing the bar (tqdm clears and redraws it around the line)."""
        if self._bar is None:
            print(line, file=file, flush=True)
        else:
            from tqdm import tqdm
            tqdm.write(line, file=file if file is not None else sys.stdout)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
