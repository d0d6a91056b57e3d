"""What a submission may use (`Limits`), how its end is told to the grader (`SubmissionEnded`), and the
environment its process starts with: nothing of the grader's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from compare.errors import UserStop

MIN_MEMORY_MB = 256     # NumPy with its BLAS starts in 200 MB of address space; below this nothing can run


@dataclass(frozen=True)
class Limits:
    """What one submission may use. `timeout`: wall-clock seconds of its own process in total (start-up,
    import, every call), not counting the grader's reference; `memory_mb`: its address space;
    `processes`: how many more processes or threads it may start; `output_bytes`: of its stdout and stderr
    kept for the report."""

    timeout: float = 60.0
    memory_mb: int = 1024
    processes: int = 16
    output_bytes: int = 4000


class SubmissionEnded(UserStop):
    """The submission's process is gone or no longer usable: `kind` ("error" | "timeout" | "memory") and
    `reason` (one line)."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def child_environment(home: str) -> dict[str, str]:
    # nothing of the grader's environment: no tokens, no paths; one BLAS thread (the jobs are the parallelism)
    return {"PATH": os.defpath, "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
