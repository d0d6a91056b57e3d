"""What a submission may use (`Limits`), how its end is told to the grader (`SubmissionEnded`), and the
environment its process starts with: nothing of the grader's.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compare.errors import UserStop

MIN_MEMORY_MB = 256     # NumPy with its BLAS starts in 200 MB of address space; below this nothing can run


@dataclass(frozen=True)
class Limits:
    """What one submission may use. `timeout`: wall-clock seconds of its own process in total (start-up,
    import, every call), not counting the grader's reference; `memory_mb`: its address space;
    `processes`: how many more processes or threads it may start; `output_bytes`: of its stdout and stderr
    kept for the report; `sandbox`: "bwrap" (`compare.sandbox`) or "none"; `imports`: the modules it may
    import besides the standard library.

    In a sandbox with a control group, `timeout` is CPU seconds of all its processes together (a busy
    neighbour cannot make it time out) and `memory_mb` the memory of all of them together; the wall clock
    is bounded too, generously (`wall`), for a submission that sleeps."""

    timeout: float = 60.0
    memory_mb: int = 1024
    processes: int = 16
    output_bytes: int = 4000
    sandbox: str = "none"
    imports: tuple[str, ...] = ("numpy",)

    @property
    def wall(self) -> float:
        """The wall-clock bound where `timeout` counts CPU time."""
        return 3 * self.timeout + 10


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


def child_command(limits: Limits, fd_in: int, fd_out: int, tmp: str,
                  script: Path | None = None) -> tuple[list[str], str, Any]:
    """(argv, home, jail) that start `script` (default `child.py`; a layer file's: `layers/child.py`) for
    `limits`: in its sandbox (`jail`: its user id and control group, `compare.sandbox.jail.Jail`), or as a
    plain process of ours in the folder `tmp` (jail None)."""
    from compare.grading.processes import user_processes

    here = Path(__file__).parent
    child = script or here / "child.py"
    cpu = str(math.ceil(limits.timeout) + 1)
    if limits.sandbox == "bwrap":
        from compare.sandbox.jail import Jail
        from compare.sandbox.policy import build
        jail = Jail(build(limits.imports, limits.memory_mb, limits.processes))
        nproc = 1 + limits.processes if jail.own_uid else user_processes() + limits.processes
        try:
            argv = jail.command(here, [str(fd_in), str(fd_out), str(limits.memory_mb), cpu, str(nproc)],
                                child.relative_to(here).as_posix())
        except BaseException:
            jail.close()
            raise
        return argv, jail.policy.work, jail
    nproc = user_processes() + limits.processes
    return ([sys.executable, "-I", "-B", "-u", str(child), str(fd_in), str(fd_out), str(limits.memory_mb), cpu,
             str(nproc), "-1", ""], tmp, None)
