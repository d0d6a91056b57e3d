"""compare/exits.py in-process where that is safe, in a short child process where a signal or `os._exit`
would end the test run: the exit statuses and their one line (docs/exit-codes.md: 128 + the signal's number,
141 for a reader gone, 2 for what we did not foresee, a traceback only with COMPARE_TRACEBACK=1 and never
for bad input), signals held through `deferred_signals` and delivered once after, handlers given back,
a second signal while a user's code swallows the first ending the process at once.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from compare import errors, exits

ROOT = Path(__file__).resolve().parents[1]


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:   # noqa: BLE001 - with its traceback, as a command sees it
        return caught


def test_an_unexpected_exception_names_its_place_and_keeps_200_characters():
    exc = _raised(RuntimeError("x" * 150 + "y" * 150))
    code, message = exits.exit_status(exc)
    line = _raised.__code__.co_firstlineno + 2          # the `raise exc` line
    assert code == 2
    assert message == (f"error: unexpected RuntimeError at test_mutants_exits.py:{line}: " + "x" * 150 + "y" * 50
                       + " (a bug in compare, not in your input: please report it; COMPARE_TRACEBACK=1 shows the "
                       "traceback)")
    # no traceback (made, never raised): no place
    assert exits.exit_status(KeyError("k"))[1].startswith("error: unexpected KeyError: 'k' (a bug")


@pytest.mark.parametrize("signum, code, words", [(signal.SIGINT, 130, "interrupted (SIGINT)"),
                                                 (signal.SIGTERM, 143, "terminated (SIGTERM)"),
                                                 (signal.SIGHUP, 129, "hung up (SIGHUP)")])
def test_our_signals_are_128_plus_their_number(signum, code, words):
    assert exits.exit_status(errors.Interrupted(signum)) == (code, f"{words}: nothing half-written was left behind")
    assert int(signum) + 128 == code


def test_the_other_statuses():
    assert exits.exit_status(BrokenPipeError()) == (141, "")
    from concurrent.futures.process import BrokenProcessPool
    code, message = exits.exit_status(BrokenProcessPool("gone"))
    assert code == 2 and message.startswith("error: a worker process (--jobs) ended before its job was done")
    missing = ModuleNotFoundError("No module named 'torch.nn'", name="torch.nn")
    assert exits.exit_status(missing) == (2, f"error: {errors.NEEDS_TORCH}")
    other = exits.exit_status(ModuleNotFoundError("No module named 'torchvision'", name="torchvision"))
    assert other[0] == 2 and other[1].startswith("error: unexpected ModuleNotFoundError")


def test_is_ours_outside_and_inside_a_command():
    assert exits.is_ours(errors.Interrupted(signal.SIGTERM))
    assert exits.is_ours(KeyboardInterrupt())            # the Python API: Ctrl-C is Python's own
    assert not exits.is_ours(ValueError())
    with exits.signals_as_exceptions():
        assert exits.ours_active()
        assert exits.is_ours(errors.Interrupted(signal.SIGINT))
        assert not exits.is_ours(KeyboardInterrupt())    # a user's file raising it: the user's error
    assert not exits.ours_active()


@pytest.mark.parametrize("exc, shown", [(RuntimeError("boom"), True), (errors.ExperimentError("bad key"), False),
                                        (errors.DivergenceError("nan"), False), (errors.ParityError("W1"), False)])
def test_a_traceback_only_with_compare_traceback_and_only_for_a_bug(monkeypatch, capsys, exc, shown):
    exc = _raised(exc)
    monkeypatch.delenv("COMPARE_TRACEBACK", raising=False)
    code = exits.report(exc)
    assert "Traceback" not in capsys.readouterr().err
    monkeypatch.setenv("COMPARE_TRACEBACK", "1")
    assert exits.report(exc) == code
    err = capsys.readouterr().err
    assert ("Traceback (most recent call last)" in err) is shown
    assert err.rstrip("\n").splitlines()[-1] == exits.exit_status(exc)[1].splitlines()[-1]


class _Exited(Exception):
    pass


@pytest.mark.parametrize("code", [129, 130, 143])
def test_leave_after_our_signal_flushes_and_ends_at_once(monkeypatch, code):
    flushed = []

    class Stream(io.StringIO):
        def flush(self):
            flushed.append(self)

    def fake_exit(status):
        raise _Exited(status)
    out, err = Stream(), Stream()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(os, "_exit", fake_exit)
    with pytest.raises(_Exited) as ended:
        exits.leave(code)
    assert ended.value.args == (code,) and flushed == [out, err]


def test_leave_with_a_closed_stream_still_ends_and_other_codes_exit_normally(monkeypatch):
    closed = io.StringIO()
    closed.close()
    broken = io.StringIO()
    broken.flush = lambda: (_ for _ in ()).throw(OSError("EPIPE"))

    def fake_exit(status):
        raise _Exited(status)
    monkeypatch.setattr(sys, "stdout", closed)
    monkeypatch.setattr(sys, "stderr", broken)
    monkeypatch.setattr(os, "_exit", fake_exit)
    with pytest.raises(_Exited):
        exits.leave(143)
    for code in (0, 1, 2, 3, 141, 128, 131):
        with pytest.raises(SystemExit) as ended:
            exits.leave(code)
        assert ended.value.code == code


def test_deferred_signals_hold_a_signal_until_the_block_ends_then_give_the_handlers_back():
    seen = []

    def record(signum, frame):
        seen.append(signum)
    previous = signal.signal(signal.SIGTERM, record)
    try:
        with exits.deferred_signals():
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)
            assert seen == []                  # held
        assert seen == [signal.SIGTERM]        # delivered once, to the handler that was there
        assert signal.getsignal(signal.SIGTERM) is record
        with exits.deferred_signals():         # nothing held: nothing delivered
            pass
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_signals_as_exceptions_raises_ours_and_gives_the_handlers_back():
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))   # never the default
    try:
        before = {s: signal.getsignal(s) for s in exits.SIGNALS}
        with pytest.raises(errors.Interrupted) as caught:
            with exits.signals_as_exceptions():
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):          # Python runs the handler between bytecodes: at once
                    pass
        assert caught.value.signum == signal.SIGTERM and caught.value.exit_code == 143 and seen == []
        assert {s: signal.getsignal(s) for s in exits.SIGNALS} == before
        exits.raise_pending()                  # outside a command: nothing pending is raised
    finally:
        signal.signal(signal.SIGTERM, previous)


def _child(body: str) -> subprocess.CompletedProcess:
    code = ("import os, signal, sys\nfrom compare import exits, errors\n" + body)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_a_first_signal_is_an_exception_even_inside_a_users_code():
    run = _child("with exits.signals_as_exceptions():\n"
                 "    with exits.user_code():\n"
                 "        try:\n            os.kill(os.getpid(), signal.SIGTERM)\n"
                 "        except errors.Interrupted as exc:\n            print('raised', exc.signum)\n")
    assert run.returncode == 0 and run.stdout == f"raised {int(signal.SIGTERM)}\n", run.stderr


def test_a_swallowed_signal_is_raised_again_and_a_second_one_ends_the_process():
    run = _child("with exits.signals_as_exceptions():\n"
                 "    with exits.user_code():\n"
                 "        try:\n            os.kill(os.getpid(), signal.SIGINT)\n"
                 "        except BaseException:\n            pass\n"
                 "    try:\n        exits.raise_pending()\n"
                 "    except errors.Interrupted as exc:\n        print('pending', exc.signum, flush=True)\n"
                 "    with exits.user_code():\n"        # the first is kept until the command ends
                 "        os.kill(os.getpid(), signal.SIGTERM)\n"
                 "        print('still running')\n")
    assert run.stdout == f"pending {int(signal.SIGINT)}\n"
    assert run.returncode == 143 and run.stderr == "terminated (SIGTERM): nothing half-written was left behind\n"


def test_report_of_a_reader_gone_says_nothing_more_on_stdout():
    run = _child("code = exits.report(BrokenPipeError())\nprint('after')\nsys.stderr.write(str(code))\n")
    assert run.stdout == "" and run.stderr == "141"


def test_after_a_users_code_returns_a_second_signal_is_an_exception_again():
    """Outside a user's call (before any, and after one returned, nested or not) every signal raises
    `Interrupted`: the process ends at once only while a user's code runs on after swallowing one."""
    run = _child("n = 0\n"
                 "with exits.signals_as_exceptions():\n"
                 "    for block in range(3):\n"
                 "        if block == 1:\n"
                 "            with exits.user_code():\n                pass\n"
                 "        if block == 2:\n"
                 "            with exits.user_code():\n                with exits.user_code():\n"
                 "                    pass\n"
                 "        for _ in range(2):\n"
                 "            try:\n                os.kill(os.getpid(), signal.SIGTERM)\n"
                 "            except errors.Interrupted:\n                n += 1\n"
                 "print('raised', n)\n")
    assert run.returncode == 0 and run.stdout == "raised 6\n", run.stderr


def test_two_different_signals_held_the_first_is_delivered():
    seen = []
    previous = {s: signal.signal(s, lambda signum, frame: seen.append(signum))
                for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with exits.deferred_signals():
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)
        assert seen == [signal.SIGINT]
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
