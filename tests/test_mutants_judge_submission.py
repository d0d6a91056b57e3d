"""A submission's summary (compare/grading/judge.py, grade_submission): its score is the sum of its checks',
out of the checks' points less the skipped ones; its verdict "pass", "fail" (some check judged, not all passed),
"error" (none could be judged) or how its process ended; the reason names the first check that did not pass; a
process that ended leaves every later check "not run" with that verdict. The process (`Isolated`) and each check
(`_graded`) are stubbed; every expected value is written by hand.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from compare.grading import judge
from compare.grading.limits import SubmissionEnded
from compare.usercode.load import UserCodeError

POINTS = {"forward": 2.0, "batches": 1.5, "long": 0.25}
LIMITS = SimpleNamespace(sandbox="none", timeout=5.0)


def _checks(names=("forward", "batches", "long")):
    return [SimpleNamespace(check=SimpleNamespace(name=n, points=POINTS[n], visibility="vis-" + n, layer=None))
            for n in names]


def _row(name, verdict="pass", score=None, message="ok", **extra):
    out = {"name": name, "score": POINTS[name] if score is None else score, "max_score": POINTS[name],
           "verdict": verdict, "updates_checked": 3, "message": message, "failure": None, "visibility": "vis-" + name}
    out.update(extra)
    return out


@pytest.fixture
def world(monkeypatch):
    """`rows[name]`: what _graded returns for that check (a dict) or raises (an exception); `load`: what
    child.load raises, if anything. `seen` records the Isolated calls."""
    state = SimpleNamespace(rows={}, load=None, seen=[], closed=[])

    class FakeIsolated:
        def __init__(self, path, limits, name=None):
            state.seen.append((path, limits, name))
            self.output, self.strays = "printed\n", 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def load(self):
            if state.load is not None:
                raise state.load
            return "CODE"

        def close(self):
            state.closed.append(True)
            self.strays = 2

    def graded(code, p):
        assert code == "CODE"
        row = state.rows.get(p.check.name) or _row(p.check.name)
        if isinstance(row, BaseException):
            raise row
        return dict(row)

    monkeypatch.setattr(judge, "Isolated", FakeIsolated)
    monkeypatch.setattr(judge, "_graded", graded)
    return state


SUB = judge.Submission("ann.py", Path("/class/ann.py"))


def _grade(world, checks=None):
    return judge.grade_submission(SUB, _checks() if checks is None else checks, LIMITS)


def test_every_check_passes(world):
    got = _grade(world)
    assert got == {"file": "ann.py", "path": "/class/ann.py", "score": 3.75, "max_score": 3.75, "verdict": "pass",
                   "reason": "", "checks": [_row("forward"), _row("batches"), _row("long")], "output": "printed\n",
                   "processes_ended": 2}
    assert world.seen == [(Path("/class/ann.py"), LIMITS, "ann.py")] and world.closed == [True]


def test_one_check_fails_so_the_verdict_is_fail_and_the_reason_names_it(world):
    world.rows["batches"] = _row("batches", "fail", 0.0, "disagrees at update 2\nsecond line")
    world.rows["long"] = _row("long", "error", 0.0, "error: broke")
    got = _grade(world)
    assert (got["score"], got["max_score"], got["verdict"]) == (2.0, 3.75, "fail")
    assert got["reason"] == "batches: disagrees at update 2"


def test_no_check_could_be_judged_so_the_verdict_is_error(world):
    for name in POINTS:
        world.rows[name] = _row(name, "error", 0.0, "")
    world.rows["forward"] = _row("forward", "skipped", 0.0, "not graded", max_score=0.0)
    got = _grade(world)
    assert (got["score"], got["max_score"], got["verdict"], got["reason"]) == (0.0, 1.75, "error", "batches: ")


def test_the_reason_is_the_first_failed_checks_first_line(world):
    world.rows["forward"] = _row("forward", "fail", 0.0, "off at update 1\nmore")
    world.rows["long"] = _row("long", "error", 0.0, "")
    assert _grade(world)["reason"] == "forward: off at update 1"


def test_skipped_checks_leave_the_maximum_and_the_verdict(world):
    world.rows["long"] = _row("long", "skipped", 0.0, "not graded", max_score=0.0)
    got = _grade(world)
    assert (got["score"], got["max_score"], got["verdict"], got["reason"]) == (3.5, 3.5, "pass", "")


def test_checks_run_in_another_setting_are_said_in_the_reason_when_it_passed(world):
    world.rows["forward"] = _row("forward", ran_as="v1", setting="hidden relu")
    world.rows["long"] = _row("long", ran_as="v2", setting="2 layers")
    world.rows["batches"] = _row("batches", setting="not this one")
    got = _grade(world)
    assert got["reason"] == ("forward, long ran in 2 layers; hidden relu (the closest setting the submission "
                             "supports)")
    world.rows["batches"] = _row("batches", "fail", 0.0, "off")
    assert _grade(world)["reason"] == "batches: off"


def test_a_file_that_cannot_load_runs_no_check(world):
    world.load = UserCodeError("ann.py: no function backward\nmore")
    got = _grade(world)
    assert (got["verdict"], got["reason"], got["score"], got["max_score"]) == ("error", "ann.py: no function backward",
                                                                               0.0, 3.75)
    assert got["checks"] == [_row(n, "error", 0.0, "not run: ann.py: no function backward", updates_checked=0)
                             for n in POINTS]


@pytest.mark.parametrize("when", ["load", "batches"])
def test_a_process_that_ended_costs_the_check_it_was_on_and_every_later_one(world, when):
    ended = SubmissionEnded("timeout", "ran past its time limit (5 s)")
    if when == "load":
        world.load = ended
    else:
        world.rows["batches"] = ended
    got = _grade(world)
    assert (got["verdict"], got["reason"]) == ("timeout", "ann.py: ran past its time limit (5 s)")
    later = "not run: the submission's process had ended (ran past its time limit (5 s))"
    rows = [] if when == "load" else [_row("forward")]
    on = "forward" if when == "load" else "batches"
    rows.append(_row(on, "timeout", 0.0, "ann.py: ran past its time limit (5 s)", updates_checked=0))
    rows += [_row(n, "timeout", 0.0, later, updates_checked=0) for n in POINTS if n not in [r["name"] for r in rows]]
    assert got["checks"] == rows
    assert got["score"] == (0.0 if when == "load" else 2.0) and got["max_score"] == 3.75


def test_a_process_that_ended_on_the_only_check(world):
    world.rows["forward"] = SubmissionEnded("memory", "over 1024 MB")
    got = judge.grade_submission(SUB, _checks(("forward",)), LIMITS)
    assert got["checks"] == [_row("forward", "memory", 0.0, "ann.py: over 1024 MB", updates_checked=0)]
    assert (got["verdict"], got["score"], got["max_score"]) == ("memory", 0.0, 2.0)


def test_a_submission_without_a_file(world):
    sub = judge.Submission("bob", None, "bob: a folder without an entry file")
    got = judge.grade_submission(sub, _checks(("forward", "long")), LIMITS)
    msg = "not run: bob: a folder without an entry file"
    assert got == {"file": "bob", "path": None, "score": 0.0, "max_score": 2.25, "verdict": "error",
                   "reason": "bob: a folder without an entry file", "output": "", "processes_ended": 0,
                   "checks": [_row("forward", "error", 0.0, msg, updates_checked=0),
                              _row("long", "error", 0.0, msg, updates_checked=0)]}
    assert world.seen == []
    assert judge.grade_submission(judge.Submission("c", None), _checks(("long",)), LIMITS)["reason"] == "no file"


def test_long_messages_hints_and_reasons_are_capped(world):
    world.rows["forward"] = _row("forward", "fail", 0.0, "m" * 2001,
                                 failure={"update": 1, "hint": "h" * 600, "stage": "x"})
    world.rows["batches"] = _row("batches", "fail", 0.0, "n" * 2000, failure={"update": 1, "hint": None})
    got = _grade(world)
    assert got["checks"][0]["message"] == "m" * 2000 + " [... 1 more characters]"
    assert got["checks"][0]["failure"] == {"update": 1, "hint": "h" * 500 + " [... 100 more characters]", "stage": "x"}
    assert got["checks"][1]["message"] == "n" * 2000 and got["checks"][1]["failure"]["hint"] is None
    head = "forward: "
    assert got["reason"] == head + "m" * (500 - len(head)) + f" [... {len(head) + 2001 - 500} more characters]"


def test_a_rubric_of_layer_checks_is_graded_by_the_layer_judge(world, monkeypatch):
    from compare.grading.layers import grade as layers
    monkeypatch.setattr(layers, "grade_layer_submission", lambda sub, checks, limits: ("LAYERS", sub.name))
    checks = _checks(("forward",))
    checks[0].check.layer = "Dense"
    assert judge.grade_submission(SUB, checks, LIMITS) == ("LAYERS", "ann.py")
    assert judge.grade_submission(SUB, [], LIMITS)["verdict"] == "pass"
