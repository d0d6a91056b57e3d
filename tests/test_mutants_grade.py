"""A class graded (compare/grading/grade.py) with a stand-in judge (forked judges inherit it), so that what
the grader itself decides shows in milliseconds: results in the order of the submissions whatever order the
judges end in, `on_done` once per submission, a judge that is killed, that ends without a result or that
outlives its deadline costing that submission alone, scored 0 out of the sum of the checks' points.
"""

from __future__ import annotations

import os
import signal
import time
from types import SimpleNamespace

import pytest

from compare.grading import grade

CHECKS = [SimpleNamespace(check=SimpleNamespace(name=n, points=p, visibility=v))
          for n, p, v in (("forward", 2.0, "visible"), ("batches", 1.5, "hidden"), ("long", 0.25, "visible"))]
LIMITS = SimpleNamespace(sandbox="none", timeout=30.0, wall=30.0)


def _subs(*names):
    return [SimpleNamespace(name=n, path=None if n.startswith("memory") else f"/class/{n}") for n in names]


def _judge(behaviour):
    """A stand-in for grade_submission: `behaviour[name]` is a delay in seconds, "kill", "raise" or "exit"."""
    def judged(sub, checks, limits):
        what = behaviour.get(sub.name, 0.0)
        if what in ("kill", "hangup"):
            os.kill(os.getpid(), signal.SIGKILL if what == "kill" else signal.SIGHUP)
        if what == "raise":
            raise RuntimeError("judge broke")
        if what == "exit":
            os._exit(5)
        if what in ("stuck", "deaf"):   # a long judge; "deaf" ignores SIGTERM
            with open(os.path.join(os.environ["JUDGE_PIDS"], sub.name), "w") as f:
                f.write(str(os.getpid()))
            if what == "deaf":
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            time.sleep(20)
        if what == "orphan":          # a process of the submission's that outlives its judge
            child = os.fork()
            if child == 0:
                os.closerange(3, 4096)    # as a sandboxed submission: none of the judge's pipes
                time.sleep(60)
                os._exit(0)
            with open(os.environ["ORPHAN_PID_FILE"], "w") as f:
                f.write(str(child))
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(what)
        return {"file": sub.name, "score": float(len(sub.name)), "max_score": 3.75, "verdict": "ok", "checks": []}
    return judged


def _grade(monkeypatch, behaviour, names, jobs=3):
    monkeypatch.setattr(grade, "grade_submission", _judge(behaviour))
    done = []
    out = grade.grade_class(_subs(*names), CHECKS, LIMITS, reference="numpy", jobs=jobs, on_done=done.append)
    return out, done


def test_results_come_in_the_submissions_order_whatever_order_the_judges_end(monkeypatch):
    names = ["ann.py", "bo.py", "cyrus.py", "di.py"]
    out, done = _grade(monkeypatch, {"ann.py": 1.5, "bo.py": 0.3, "cyrus.py": 0.0, "di.py": 0.1}, names)
    assert [r["file"] for r in out] == names
    assert [r["score"] for r in out] == [6.0, 5.0, 8.0, 5.0]
    assert sorted(r["file"] for r in done) == sorted(names) and len(done) == 4
    assert done[-1]["file"] == "ann.py"              # the slowest ends last: on_done as each ends


def test_one_judge_at_a_time_with_jobs_1(monkeypatch):
    out, done = _grade(monkeypatch, {"ann.py": 0.3, "bo.py": 0.0}, ["ann.py", "bo.py"], jobs=1)
    assert [r["file"] for r in done] == ["ann.py", "bo.py"] and [r["file"] for r in out] == ["ann.py", "bo.py"]


def _lost(result, name, why):
    assert result["file"] == name and result["verdict"] == "error" and result["score"] == 0.0
    assert result["max_score"] == 3.75                  # 2 + 1.5 + 0.25
    assert result["reason"] == f"{name}: {why}"
    assert [(c["name"], c["max_score"], c["score"], c["verdict"], c["visibility"]) for c in result["checks"]] == [
        ("forward", 2.0, 0.0, "error", "visible"), ("batches", 1.5, 0.0, "error", "hidden"),
        ("long", 0.25, 0.0, "error", "visible")]
    assert all(c["message"] == f"not judged: {why}" and c["updates_checked"] == 0 for c in result["checks"])
    assert result["output"] == "" and result["processes_ended"] == 0


def test_a_killed_judge_costs_its_submission_alone(monkeypatch):
    out, done = _grade(monkeypatch, {"bo.py": "kill"}, ["ann.py", "bo.py", "cyrus.py"])
    assert [r["file"] for r in out] == ["ann.py", "bo.py", "cyrus.py"] and len(done) == 3
    assert out[0]["score"] == 6.0 and out[2]["score"] == 8.0
    _lost(out[1], "bo.py", "its judge process was killed by SIGKILL before it reported (signalled by the "
                           "submission?)")
    assert out[1]["path"] == "/class/bo.py"


@pytest.mark.parametrize("how, status", [("raise", 1), ("exit", 5)])
def test_a_judge_that_ends_without_a_result_is_named_with_its_status(monkeypatch, how, status):
    out, _ = _grade(monkeypatch, {"memory.py": how}, ["memory.py", "ann.py"])
    _lost(out[0], "memory.py", f"its judge process was ended with status {status} before it reported (signalled "
                               "by the submission?)")
    assert out[0]["path"] is None and out[1]["score"] == 6.0


def test_a_judge_past_its_deadline_is_stopped_and_its_submission_lost(monkeypatch):
    monkeypatch.setattr(grade, "JUDGE_SLACK_S", 0.0)
    limits = SimpleNamespace(sandbox="none", timeout=0.5, wall=60.0)
    monkeypatch.setattr(grade, "grade_submission", _judge({"slow.py": 30.0}))
    started = time.monotonic()
    done = []
    out = grade.grade_class(_subs("slow.py", "ann.py"), CHECKS, limits, reference="numpy", jobs=2,
                            on_done=done.append)
    assert time.monotonic() - started < 10
    _lost(out[0], "slow.py", "its judge process did not finish in time (stopped by the submission?)")
    assert out[1]["score"] == 6.0 and [r["file"] for r in done] == ["ann.py", "slow.py"]


def test_in_a_sandbox_the_deadline_is_the_wall_bound_not_the_cpu_limit(monkeypatch):
    """bwrap counts CPU seconds: a submission that sleeps uses none, and the wall bound is what stops it."""
    monkeypatch.setattr(grade, "JUDGE_SLACK_S", 0.0)
    monkeypatch.setattr(grade, "grade_submission", _judge({"nap.py": 1.0}))
    monkeypatch.setattr("compare.sandbox.policy.build", lambda *args: None)   # no sandbox: the stand-in judges
    policy = {"imports": ("numpy",), "memory_mb": 1024, "processes": 64}
    out = grade.grade_class(_subs("nap.py"), CHECKS, SimpleNamespace(sandbox="bwrap", timeout=0.2, wall=20.0, **policy),
                            reference="numpy", jobs=1)
    assert out[0]["score"] == 6.0
    out = grade.grade_class(_subs("nap.py"), CHECKS, SimpleNamespace(sandbox="none", timeout=20.0, wall=0.2),
                            reference="numpy", jobs=1)
    assert out[0]["score"] == 6.0


def test_a_process_left_by_a_killed_judge_is_ended(monkeypatch, tmp_path):
    monkeypatch.setenv("ORPHAN_PID_FILE", str(tmp_path / "pid"))
    out, _ = _grade(monkeypatch, {"stray.py": "orphan"}, ["stray.py", "ann.py"])
    assert out[0]["verdict"] == "error" and out[1]["score"] == 6.0
    pid = int((tmp_path / "pid").read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:                      # ended and reaped, not sleeping on for a minute
        return
    os.kill(pid, signal.SIGKILL)                    # left running: end it, then fail
    pytest.fail(f"process {pid} of a killed judge's submission was left running")


def test_without_fork_the_submissions_are_judged_here_one_after_another(monkeypatch):
    monkeypatch.setattr(grade, "get_all_start_methods", lambda: ["spawn"])
    out, done = _grade(monkeypatch, {"ann.py": 0.2}, ["ann.py", "bo.py", "cyrus.py"])
    assert [r["file"] for r in out] == [r["file"] for r in done] == ["ann.py", "bo.py", "cyrus.py"]
    assert [r["score"] for r in done] == [6.0, 5.0, 8.0]


def test_a_torch_reference_makes_each_judge_use_one_thread(monkeypatch):
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        out, _ = _grade(monkeypatch, {}, ["ann.py"])
        assert torch.get_num_threads() == 2           # a NumPy reference leaves torch alone
        grade.grade_class(_subs("ann.py"), CHECKS, LIMITS, reference="torch", jobs=1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)


def test_a_judge_ended_by_sighup_is_named_by_its_signal(monkeypatch):
    out, _ = _grade(monkeypatch, {"bo.py": "hangup"}, ["bo.py"])
    _lost(out[0], "bo.py", "its judge process was killed by SIGHUP before it reported (signalled by the "
                           "submission?)")


def test_what_a_killed_judge_left_in_the_temporary_folder_is_removed(tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for name in ("grade-4242-a", "grade-4242-b", "grade-42-c", "grade-4243-a"):
        (tmp_path / name / "sub").mkdir(parents=True)
        (tmp_path / name / "sub" / "f.py").write_text("x = 1\n")
    grade.remove_leftovers(4242)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grade-42-c", "grade-4243-a"]


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("how", ["stuck", "deaf"])
def test_an_interrupted_grading_ends_its_judges_asking_first(monkeypatch, tmp_path, how):
    """on_done raising (as our signal does) while two judges run: each is sent SIGTERM; one that ignores it
    is killed after the grace (3 s here), not before, one that does not ends at once; none is left running."""
    monkeypatch.setenv("JUDGE_PIDS", str(tmp_path))
    monkeypatch.setattr(grade, "STOP_GRACE_S", 3.0)
    monkeypatch.setattr(grade, "grade_submission", _judge({"a.py": 1.0, "b.py": how, "c.py": how}))

    def stop(result):
        raise RuntimeError("interrupted")
    started = time.monotonic()
    with pytest.raises(RuntimeError):
        grade.grade_class(_subs("a.py", "b.py", "c.py"), CHECKS, LIMITS, reference="numpy", jobs=3, on_done=stop)
    took = time.monotonic() - started
    pids = [int((tmp_path / n).read_text()) for n in ("b.py", "c.py")]
    alive = [pid for pid in pids if _running(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert alive == []
    if how == "deaf":
        assert 3.9 <= took < 10       # a.py took 1 s, then the grace was given, then the kill
    else:
        assert took < 3.5             # asked, it ended: no grace waited for
