"""A submission's stdout and stderr, drained from their pipe by a thread and kept up to a size: a flood
costs the grader nothing but reading it; escapes cannot reach a terminal or a report."""

from __future__ import annotations

import os
import threading


def shown(text: str) -> str:
    """`text` as it may reach a terminal or a report: its line breaks and tabs kept, every other control
    character (an escape sequence, a carriage return) shown as an escape (`\\x1b`)."""
    from compare.files.text import printable
    return "\n".join("\t".join(printable(part) for part in line.split("\t")) for line in text.split("\n"))


class Captured:
    """Reads `fd` until it closes (then closes it), keeping the first `limit` bytes."""

    def __init__(self, fd: int, limit: int):
        self._kept = bytearray()
        self._total = 0
        self._limit = limit
        self._thread = threading.Thread(target=self._drain, args=(fd,), daemon=True)
        self._thread.start()

    def _drain(self, fd: int) -> None:
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                self._total += len(chunk)
                room = self._limit - len(self._kept)
                if room > 0:
                    self._kept += chunk[:room]
        finally:
            os.close(fd)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout=timeout)

    @property
    def text(self) -> str:
        """What was kept (invalid UTF-8 replaced, control characters but line breaks and tabs shown as
        escapes: printed on a terminal, it cannot drive it), and how much more there was."""
        text = shown(self._kept.decode("utf-8", errors="replace"))
        if self._total > len(self._kept):
            text += f"\n[... {self._total - len(self._kept)} more bytes of output not kept]"
        return text
