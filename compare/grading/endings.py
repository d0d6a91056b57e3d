"""How a submission's process ended, in the verdict's words: a pure function of its exit status.

    kind, reason = ended(status, bwrap=True, grouped=True, timeout=20, what="in backward")
"""

from __future__ import annotations

import signal


def ended(status: int, *, bwrap: bool, grouped: bool, timeout: float, what: str) -> tuple[str, str]:
    """(verdict kind, reason) for a child that exited with `status` (Popen's: -N for signal N)."""
    if bwrap and status > 128:          # bwrap passes on its child's death by a signal as 128+N
        status = 128 - status
    if status < 0:
        sig = signal.Signals(-status).name if -status in signal.Signals._value2member_map_ else str(-status)
        if -status == signal.SIGXCPU:   # the per-process CPU limit (a second above ours) struck before the
            # grader's tick saw the group's CPU time pass the limit (a busy machine): the same limit, the same words
            together = ", all its processes together" if grouped else ""
            return "timeout", f"ran past its time limit ({timeout:g} s of CPU time{together}) {what}"
        return "error", f"its process was killed by {sig} {what}"
    return "error", f"its process exited with status {status} {what} (sys.exit or os._exit in the submission's code?)"
