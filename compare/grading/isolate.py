"""A submission in its own process, seen by the grader as an ordinary `UserCode` whose functions are proxies.

    with Isolated("alice.py", Limits(timeout=20)) as sub:
        code = sub.load()                  # UserCodeError (its own error verdict) if it does not load
        check_with_torch(code, experiment) # our ordinary check machinery; backward runs in the child

The child (`compare/grading/child.py`) is a fresh Python, stdin closed, stdout and stderr captured (kept
truncated, shown as the submission's output, never parsed), in its own session, with an address-space
limit, a CPU limit and a process limit. With `limits.sandbox == "bwrap"` it runs in a sandbox
(`compare.sandbox`: its own user id, namespaces, read-only file system, control group; its time limit is
CPU time); with "none", in an empty temporary folder of the grader's file system. The submission's files
(`compare.grading.bundle`: a file, or a folder copied whole) are sent to it through the pipe. Only arrays
cross, through two pipes of our making with our own framing (`compare.grading.wire`), reads and writes
alike under the limits; what comes back is checked here (type, dtype, shape) by `UserBackprop`, as
in-process. The grader never imports the file.

An exception in the submission's code becomes an ordinary exception of the same name here (so `check`
words it as it always does, and the check continues with the next experiment). Everything that ends the
submission's usefulness, `sys.exit`, `os._exit`, a signal, memory exhaustion, running past the time limit,
garbage on the pipe, raises `SubmissionEnded` (a BaseException: nothing in the check machinery swallows it),
whose `kind` is the verdict ("error", "timeout", "memory") and `reason` says why; the process tree is ended.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from compare.grading import processes, wire
from compare.grading.answers import decode, import_words, remote_exception, signature_keywords
from compare.grading.bundle import read_submission
from compare.grading.captured import Captured
from compare.grading.endings import ended
from compare.grading.limits import Limits, SubmissionEnded, child_command, child_environment
from compare.usercode.load import UserCode, UserCodeError

CHILD = Path(__file__).with_name("child.py")


class _Spent(Exception):
    """A limit of the submission's control group was reached (raised by the wait's tick): "cpu" or "memory"."""


class Isolated:
    """One submission's process and the conversation with it (see the module docstring)."""

    child_script = CHILD                 # what the process runs (a layer file's: compare/grading/layers/child.py)

    def __init__(self, path: str | Path, limits: Limits | None = None, name: str | None = None):
        self.path = Path(path)
        self.name = name or str(path)
        self.limits = limits or Limits()
        self.used = 0.0                  # wall-clock seconds spent waiting for the child
        self.strays = 0                  # processes other than the child ended at the end
        self.ended: SubmissionEnded | None = None
        self._proc: subprocess.Popen | None = None
        self._jail: Any = None
        self._out: Captured | None = None

    # -- life cycle -------------------------------------------------------------------------------------
    def __enter__(self) -> Isolated:
        self._guard = processes.guarding()
        self._guard.__enter__()
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def start(self) -> None:
        # named after this process: a grader that kills this judge removes what it left (`remove_leftovers`)
        self._tmp = tempfile.mkdtemp(prefix=f"grade-{os.getpid()}-")
        req_r, self._req = os.pipe()
        self._resp, resp_w = os.pipe()
        out_r, out_w = os.pipe()
        started, script = time.monotonic(), self.child_script
        try:
            argv, home, self._jail = child_command(self.limits, req_r, resp_w, self._tmp, script)
            self._proc = subprocess.Popen(   # pass_fds: the pipes, and bwrap's seccomp filter
                argv, cwd=self._tmp, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w, env=child_environment(home),
                pass_fds=(req_r, resp_w, *getattr(self._jail, "fds", ())), start_new_session=True, close_fds=True)
        finally:
            for fd in (req_r, resp_w, out_w):
                os.close(fd)
        os.set_blocking(self._req, False)   # see `_send`
        self._born = processes.start_time(self._proc.pid)
        self._out = Captured(out_r, self.limits.output_bytes)
        if self._jail is not None:
            self._group = None
            self._receive("starting", started)
            # nothing of the submission has run yet: bwrap's processes and the child enter its control group
            self._jail.enter(self._proc.pid)
            return
        # the child waits for our "load" before it runs any of the submission's code: it is in the group first
        self._group = processes.PidsGroup(1 + self.limits.processes)
        self._group.add(self._proc.pid)
        self._receive("starting", started)

    def close(self) -> None:
        """End the submission's process and everything it started; reap them; remove its folder."""
        if self._proc is not None:
            self._end_all()
            self._proc.wait()      # reaped first: a zombie still counts in its control group
            if self._group is not None:
                self._group.close()
            for fd in (self._req, self._resp):
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._out.join(timeout=2)
            self._proc = None
        if self._jail is not None:   # its control group removed, its user id freed (started or not)
            self._jail.close()
        if getattr(self, "_tmp", None):
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        guard = getattr(self, "_guard", None)
        if guard is not None:
            self._guard = None
            guard.__exit__(None, None, None)

    @property
    def output(self) -> str:
        """The submission's stdout and stderr (merged), truncated to `limits.output_bytes`."""
        return "" if self._out is None else self._out.text

    # -- the conversation ---------------------------------------------------------------------------------
    def _end(self, kind: str, reason: str) -> SubmissionEnded:
        if self._proc is not None:
            self._end_all()
        self.ended = SubmissionEnded(kind, reason)
        return self.ended

    def _receive(self, what: str, started: float | None = None,
                 max_bytes: int = 1 << 20) -> tuple[dict, list[np.ndarray]]:
        """The child's next message; `max_bytes` bounds its arrays (an answer is about the size of the question)."""
        return self._limited(what, started, lambda d, t: wire.read_message(self._resp, d, max_bytes=max_bytes, tick=t))

    def _limited(self, what: str, started: float | None, io: Any) -> Any:
        """`io(deadline, tick)` (a read, a write) under the limits; SubmissionEnded past them, or out of protocol."""
        if self.ended is not None:
            raise self.ended
        started = time.monotonic() if started is None else started
        cpu = self._jail.cpu_seconds() if self._jail is not None else None
        wall = self.limits.timeout if cpu is None else self.limits.wall
        try:
            return io(started + max(0.0, wall - self.used), None if cpu is None else self._cpu_tick)
        except _Spent as spent:
            if str(spent) == "memory":
                raise self._end("memory", f"ran out of memory ({self.limits.memory_mb} MB for all its processes "
                                          f"together) {what}") from None
            raise self._end("timeout", f"ran past its time limit ({self.limits.timeout:g} s of CPU time, all its "
                                       f"processes together) {what}") from None
        except wire.TimedOut:
            limit = f"{self.limits.timeout:g} s" if cpu is None else f"{wall:g} s of wall-clock time"
            raise self._end("timeout", f"ran past its time limit ({limit}) {what}") from None
        except (wire.Closed, BrokenPipeError):
            raise self._gone(what) from None
        except wire.ProtocolError as exc:
            raise self._end("error", f"sent the grader what it refuses {what} ({exc}): an answer far larger "
                                     "than the question, or something else writing to the grader's pipe") from None
        finally:
            self.used += time.monotonic() - started

    def _end_all(self) -> None:
        """Kill the submission's processes, counting those it started (in a sandbox: its group's)."""
        held = self._jail.kill() if self._jail is not None else None
        found = processes.end_tree(self._proc.pid, self._born)
        self.strays += found if held is None else held

    def _cpu_tick(self) -> None:
        if self._jail.out_of_memory():   # one of its processes, a fork too: over the memory of them all
            raise _Spent("memory")
        spent = self._jail.cpu_seconds()
        if spent is not None and spent > self.limits.timeout:
            raise _Spent("cpu")

    def _gone(self, what: str) -> SubmissionEnded:
        proc = self._proc
        assert proc is not None
        try:
            status = proc.wait(timeout=2)
        except subprocess.TimeoutExpired:   # it closed our pipe but lives on
            raise self._end("error", f"closed the grader's pipe {what}") from None
        if self._jail is not None and self._jail.out_of_memory():
            return self._end("memory", f"ran out of memory ({self.limits.memory_mb} MB for all its processes "
                                       f"together) {what}")
        self._end("error", "")
        kind, reason = ended(status, bwrap=self._jail is not None, grouped=bool(getattr(self._jail, "group", None)),
                             timeout=self.limits.timeout, what=what)
        return self._end(kind, reason)

    def _send(self, header: dict, arrays: list[np.ndarray], what: str) -> None:
        try:   # non-blocking: a child that stops reading (its pipe shrunk, asleep) cannot hold us in a write
            self._limited(what, None, lambda d, t: wire.write_message(self._req, header, arrays, d, t))
        except OSError:
            raise self._gone(what) from None

    def _failed(self, error: Any, what: str) -> BaseException:
        """What a failure reply from the child becomes here."""
        if not isinstance(error, dict):
            return self._end("error", f"broke the grader's protocol {what}")
        name, message = str(error.get("type", "Exception")), str(error.get("message", ""))
        if name == "MemoryError":
            return self._end("memory", f"ran out of memory ({self.limits.memory_mb} MB) {what}")
        if name in ("SystemExit", "KeyboardInterrupt", "GeneratorExit"):
            call = f"sys.exit({message})" if name == "SystemExit" else name
            return self._end("error", f"called {call} {what}")
        return remote_exception(name, message, str(error.get("traceback", "")))

    # -- what the grader asks -----------------------------------------------------------------------------
    def load(self) -> UserCode:
        """Send the submission's files to the child and import its entry there: a `UserCode` whose backward
        (and forward) run in the child. UserCodeError for files that cannot be sent, do not import or lack
        backward."""
        entry, files = read_submission(self.path, self.name)
        allowed = None
        if self._jail is None:   # no sandbox: the rubric's imports, checked by the child
            from compare.sandbox.modules import visible_names
            allowed = sorted(visible_names(self.limits.imports))
        self._send({"op": "load", "files": [[rel, k] for k, (rel, _) in enumerate(files)], "entry": entry,
                    "allowed": allowed}, [np.frombuffer(data, dtype=np.uint8) for _, data in files], "importing")
        reply, _ = self._receive("while importing")
        if not reply.get("ok"):
            exc = self._failed(reply.get("error"), "while importing")
            if not isinstance(exc, Exception):
                raise exc
            error = reply["error"]
            first = (str(error.get("message", "")).strip().splitlines() or [""])[0]
            text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
            module = error.get("module")
            if isinstance(module, str) and module and type(exc).__name__ == "ModuleNotFoundError":
                text += "; " + import_words(module, self.limits.imports, folder=self.path.is_dir(),
                                            file=self.path)
            raise UserCodeError(f"{self.name}: does not import ({text})", str(error.get("traceback", "")))
        if not reply.get("backward_callable"):
            found = "nothing" if reply.get("backward") is None else f"a {reply.get('backward')}"
            raise UserCodeError(f"{self.name}: defines no function `backward(weights, biases, activations, "
                                f"targets)` (found {found} under that name)")
        if reply.get("forward") is not None and not reply.get("forward_callable"):
            raise UserCodeError(f"{self.name}: `forward` is a {reply.get('forward')}, expected a function "
                                "forward(weights, biases, X) -> [X, A1, ..., AL]")
        keywords = self._keywords(reply.get("backward_signature"), "backward", 4,
                                  "weights, biases, activations, targets")
        has_forward = bool(reply.get("forward_callable"))
        forward_keywords = (self._keywords(reply.get("forward_signature"), "forward", 3, "weights, biases, X")
                            if has_forward else ())

        def backward(weights: list, biases: list, activations: list, targets: np.ndarray, **kwargs: Any) -> Any:
            return self.call("backward", [weights, biases, activations, targets], kwargs)

        def forward(weights: list, biases: list, X: np.ndarray, **kwargs: Any) -> Any:
            return self.call("forward", [weights, biases, X], kwargs)

        return UserCode(Path(self.name), backward, forward if has_forward else None, keywords, forward_keywords)

    def _keywords(self, sig: Any, name: str, positional: int, names: str) -> tuple[str, ...]:
        found = signature_keywords(sig, self.name, name, positional, names)
        if found is None:
            raise self._end("error", "broke the grader's protocol while importing")
        return found

    def call(self, fn: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        """`fn(*args, **kwargs)` in the child; args are lists of arrays or arrays. Returns what it returned,
        rebuilt here from plain arrays; raises what it raised (as `remote_exception`) or SubmissionEnded."""
        arrays: list[np.ndarray] = []
        counts: list[int | None] = []
        for a in args:
            if isinstance(a, np.ndarray):
                arrays.append(a)
                counts.append(None)
            else:
                arrays.extend(a)
                counts.append(len(a))
        what = f"in {fn}"
        self._send({"op": "call", "fn": fn, "counts": counts, "kwargs": kwargs}, arrays, what)
        # gradients and activations are the size of what was sent, or smaller (float64 at most): 4x is ample
        reply, out = self._receive(what, max_bytes=4 * sum(a.nbytes for a in arrays) + (1 << 16))
        if not reply.get("ok"):
            raise self._failed(reply.get("error"), what)
        try:
            return decode(reply.get("value"), out)
        except wire.ProtocolError as exc:
            raise self._end("error", f"broke the grader's protocol {what} ({exc})") from None
