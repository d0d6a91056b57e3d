"""`check --timeout` (compare/grading/timelimit.py): one budget of seconds for a file's own code, spent call by
call and in total (never reset per call); SIGALRM when it runs out, a watchdog GRACE seconds later for a file
that swallows the alarm; sys.exit turned into a one-line error; `--isolate` the same limit in its own process.
The watchdog is caught in-process (threading.Timer and os._exit replaced), so nothing here waits for it.
"""

from __future__ import annotations

import signal
import threading
import time

import numpy as np
import pytest

from compare.cli.main import main
from compare.grading import timelimit
from compare.grading.timelimit import Budget, CheckTimeout, UserStopped, limited_user_code
from compare.usercode.load import UserCodeError


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_spent_seconds_come_off_one_total_not_per_call():
    b = Budget(5.0, "mine.py")
    for _ in range(2):
        with b.running("in backward"):
            time.sleep(0.15)
    # two calls of 0.15 s: 4.7 s left at most; load can only make the calls longer
    assert 3.0 < b.left <= 5.0 - 0.3
    assert b.seconds == 5.0


def test_the_alarm_ends_a_call_at_the_limit_with_its_words():
    b = Budget(0.3, "mine.py")
    started = time.monotonic()
    with pytest.raises(CheckTimeout) as caught:
        with b.running("in backward"):
            _spin(2.5)
    took = time.monotonic() - started
    assert 0.3 <= took < 0.9, took
    assert str(caught.value) == "mine.py: ran past its time limit (--timeout 0.3 s) in backward"
    assert isinstance(caught.value, UserStopped) and not isinstance(caught.value, Exception)


def test_what_is_left_is_the_next_calls_limit():
    b = Budget(0.6, "mine.py")
    with b.running("in backward"):
        _spin(0.4)
    started = time.monotonic()
    with pytest.raises(CheckTimeout):
        with b.running("in backward"):
            _spin(2.5)
    assert time.monotonic() - started < 0.5    # 0.2 s were left, not 0.6 again


def test_a_spent_budget_stops_the_next_call_at_once():
    b = Budget(1.0, "mine.py")
    b.left = -0.5          # the last call overran (its alarm came late)
    started = time.monotonic()
    with pytest.raises(CheckTimeout):
        with b.running("in forward"):
            _spin(2.5)
    assert time.monotonic() - started < 0.5


def test_the_alarm_is_put_back_as_it_was():
    mine = signal.signal(signal.SIGALRM, signal.SIG_IGN)
    try:
        b = Budget(30.0, "mine.py")
        with b.running("x"):
            assert signal.getitimer(signal.ITIMER_REAL)[0] > 29.0
        assert signal.getsignal(signal.SIGALRM) is signal.SIG_IGN
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, mine)


def test_off_the_main_thread_no_signal_is_touched_and_time_is_still_spent():
    before = signal.getsignal(signal.SIGALRM)
    seen: list = []

    def worker():
        try:
            b = Budget(5.0, "mine.py")
            with b.running("x"):
                seen.append(signal.getitimer(signal.ITIMER_REAL)[0])
                time.sleep(0.1)
            seen.append(b.left)
        except BaseException as exc:   # signal.signal off the main thread raises ValueError
            seen.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen[0] == 0.0 and 3.0 < seen[1] <= 4.9, seen
    assert signal.getsignal(signal.SIGALRM) is before


class _Dog:
    made: list = []

    def __init__(self, interval, fn):
        self.interval, self.fn, self.daemon, self.started, self.cancelled = interval, fn, False, False, False
        _Dog.made.append(self)

    def start(self):
        self.started = True

    def cancel(self):
        self.cancelled = True


class _Exited(BaseException):
    pass


def _exit(code):
    raise _Exited(code)


@pytest.mark.parametrize("left, due", [(2.0, 5.0), (-1.0, 3.0)])
def test_the_watchdog_comes_three_seconds_after_the_limit_and_ends_with_status_2(monkeypatch, capsys, left, due):
    monkeypatch.setattr(threading, "Timer", _Dog)
    monkeypatch.setattr(timelimit.os, "_exit", _exit)
    _Dog.made = []
    b = Budget(2.0, "mine.py")
    b.left = left
    if left > 0:
        with b.running("in backward"):
            pass
    else:
        with pytest.raises(CheckTimeout), b.running("in backward"):
            time.sleep(1.0)
    dog = _Dog.made[0]
    assert dog.interval == pytest.approx(due, abs=1e-9) and dog.daemon and dog.started and dog.cancelled
    with pytest.raises(_Exited) as ended:
        dog.fn()
    assert ended.value.args == (2,)
    assert capsys.readouterr().err == ("error: mine.py: ran past its time limit (--timeout 2 s) in backward; it did "
                                       "not stop when interrupted, so the check ends here\n")


def test_wrap_passes_values_through_and_turns_sys_exit_into_one_line():
    b = Budget(5.0, "mine.py")
    assert b.wrap(None, "forward") is None
    assert b.wrap(lambda x, y=1: x + y, "backward")(2, y=5) == 7

    def leave(*args):
        raise SystemExit(3)
    with pytest.raises(UserStopped) as caught:
        b.wrap(leave, "forward")(1)
    assert str(caught.value) == "mine.py: called sys.exit(3) in forward"
    assert type(caught.value) is UserStopped

    def slow():
        _spin(2.5)
    with pytest.raises(CheckTimeout) as late:
        Budget(0.2, "mine.py").wrap(slow, "backward")()
    assert str(late.value).endswith("(--timeout 0.2 s) in backward")


def _file(tmp_path, body: str):
    path = tmp_path / "mine.py"
    path.write_text("import time\n" + body, encoding="utf-8")
    return str(path)


def test_in_process_the_import_and_the_calls_share_the_limit(tmp_path):
    path = _file(tmp_path, "def _spin(s):\n    end = time.monotonic() + s\n    while time.monotonic() < end:\n"
                           "        pass\n_spin(0.3)\ndef backward(*a, **k):\n    _spin(0.3)\n    return 1\n"
                           "def forward(*a, **k):\n    raise SystemExit(0)\n")
    with pytest.raises(UserCodeError) as caught:
        with limited_user_code(path, timeout=0.5) as code:
            assert code.backward(1) == 1    # 0.3 s of import + 0.3 s here: past 0.5 in total
    assert str(caught.value) == f"{path}: ran past its time limit (--timeout 0.5 s) in backward"
    with pytest.raises(UserCodeError) as exited:
        with limited_user_code(path, timeout=5.0) as code:
            code.forward()
    assert str(exited.value) == f"{path}: called sys.exit(0) in forward"


def test_in_process_an_import_that_runs_too_long(tmp_path):
    path = _file(tmp_path, "while True:\n    pass\n")
    with pytest.raises(UserCodeError) as caught:
        with limited_user_code(path, timeout=0.3):
            pass
    assert str(caught.value) == f"{path}: ran past its time limit (--timeout 0.3 s) while importing"


def test_isolated_the_limit_is_the_processes_and_its_output_is_shown_capped(tmp_path, capsys):
    path = _file(tmp_path, "print('x' * 100_000)\ndef backward(*a, **k):\n    while True:\n        pass\n")
    with pytest.raises(UserCodeError) as caught:
        with limited_user_code(path, timeout=1.0, isolate=True) as code:
            code.backward([], [], [], np.zeros(1))
    assert str(caught.value).startswith(f"{path}: ran past its time limit (1 s")
    err = capsys.readouterr().err
    assert err.startswith(f"output of {path} (its own process):\n" + "x" * 100)
    # 100,000 x's and a line break printed, 64,000 bytes kept
    assert err.rstrip().endswith(f"\n[... {100_001 - 64_000} more bytes of output not kept]")


def test_isolated_a_quiet_file_prints_nothing(tmp_path, capsys):
    path = _file(tmp_path, "def backward(*a, **k):\n    return None\n")
    with limited_user_code(path, timeout=20.0, isolate=True) as code:
        assert code.backward is not None
    assert capsys.readouterr().err == ""


def test_the_cli_bounds_the_timeout_at_a_week_and_says_its_default(capsys, tmp_path):
    path = _file(tmp_path, "")
    assert main(["check", path, "--timeout", str(7 * 24 * 3600 + 1)]) == 2
    assert "--timeout: expected seconds > 0 (at most 604800), found 604801" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    assert "default 600)" in " ".join(capsys.readouterr().out.split())
