"""The check suite's fallback, in its own words (compare/usercode/suite_run.py): a structure experiment the file
raises NotImplementedError on runs in the first version it supports, and the result says where it ran and how
many versions raised before ("and 1 other version", "and 2 other versions"); a version where the file raises
something else is passed over when a later one runs, and is the error (exit 2) when none does; the words of the
file's NotImplementedError reach the table; shipped recordings are loaded before anything runs, and never for a
run against torch. Each expectation is written by hand from the suite's definition (`suite.VERSIONS`), with the
file's runs stubbed, so a test costs milliseconds.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from compare.errors import ExperimentError
from compare.usercode import suite_run
from compare.usercode.load import UserCodeError
from compare.usercode.suite import SUITE

SEED = "hidden sigmoid, output sigmoid, loss sum, 3 layers"
# batches' versions, closest first, as suite.py builds them: the seed's depth in each other setting, then two layers
SOFTMAX = "hidden relu, output softmax, loss cross_entropy, 3 layers"
BCE = "hidden relu, output sigmoid, loss bce, 3 layers"
TWO = "hidden sigmoid, output sigmoid, loss sum, 2 layers"
BATCHES = [c.name for c in SUITE].index("batches")


@pytest.fixture
def runs(monkeypatch):
    """Stub the file's runs: `outcome[name]` is "nie" (NotImplementedError), "crash" (a ValueError where it
    claims the setting) or "ok"; every run is recorded in `calls`."""
    outcome: dict[str, str] = {}
    calls: list[str] = []

    def run_case(case, needs):
        calls.append(case.name)
        kind = outcome.get(case.name, "ok")
        if kind == "nie":
            return suite_run.CaseResult(case.name, "unsupported", reason="nie", not_implemented=True)
        if kind == "crash":
            return suite_run.CaseResult(case.name, "unsupported", message="mine.py: backward raised ValueError: "
                                        "no such activation at mine.py:9", reason="crash")
        return suite_run.CaseResult(case.name, "ok", updates_checked=3, total_updates=3)

    monkeypatch.setattr(suite_run, "_run_case", run_case)
    monkeypatch.setattr(suite_run, "cannot_express", lambda code, case: "")
    monkeypatch.setitem(suite_run._JOB, "code", SimpleNamespace(name="mine.py"))
    return SimpleNamespace(outcome=outcome, calls=calls)


def test_the_first_supported_version_runs_and_says_the_file_raised_on_the_seed_setting_only(runs):
    runs.outcome.update({"batches": "nie"})
    out = suite_run._job(BATCHES)
    assert (out.name, out.ran, out.status) == ("batches", "batches-relu-softmax", "ok")
    assert out.instead_of == f"your file raised NotImplementedError on {SEED}"
    assert runs.calls == ["batches", "batches-relu-softmax"]


def test_one_other_version_raising_is_counted_in_the_singular(runs):
    runs.outcome.update({"batches": "nie", "batches-relu-softmax": "nie"})
    out = suite_run._job(BATCHES)
    assert out.ran == "batches-relu-bce"
    assert out.instead_of == f"your file raised NotImplementedError on {SEED} and 1 other version"


def test_two_other_versions_raising_are_counted_in_the_plural(runs):
    runs.outcome.update({"batches": "nie", "batches-relu-softmax": "nie", "batches-relu-bce": "nie"})
    out = suite_run._job(BATCHES)
    assert out.ran == "batches-2layer"
    assert out.instead_of == f"your file raised NotImplementedError on {SEED} and 2 other versions"
    runs.outcome.update({"batches-2layer": "nie"})
    assert suite_run._job(BATCHES).instead_of.endswith(f"on {SEED} and 3 other versions")


def test_a_version_that_crashes_is_passed_over_when_a_later_one_runs(runs):
    runs.outcome.update({"batches": "nie", "batches-relu-softmax": "crash"})
    out = suite_run._job(BATCHES)
    assert (out.ran, out.status) == ("batches-relu-bce", "ok")
    # the crash is not a NotImplementedError: it is not counted among the versions the file raised on
    assert out.instead_of == f"your file raised NotImplementedError on {SEED}"
    assert runs.calls == ["batches", "batches-relu-softmax", "batches-relu-bce"]


def test_a_crash_where_no_later_version_runs_is_the_error_with_where_it_ran(runs):
    runs.outcome.update({name: "nie" for name in ("batches", "batches-relu-softmax", "batches-2layer",
                                                   "batches-relu-softmax-2layer", "batches-relu-bce-2layer")})
    runs.outcome["batches-relu-bce"] = "crash"
    out = suite_run._job(BATCHES)
    assert (out.name, out.ran, out.status) == ("batches", "batches-relu-bce", "error")
    want = (f"mine.py: backward raised ValueError: no such activation at mine.py:9, run in {BCE} (your file raised "
            f"NotImplementedError on {SEED})")
    assert out.message == want and out.reason == want


def test_the_first_crash_is_the_one_reported(runs):
    runs.outcome.update({name: "crash" for name in ("batches-relu-softmax", "batches-relu-bce", "batches-2layer",
                                                     "batches-relu-softmax-2layer", "batches-relu-bce-2layer")})
    runs.outcome["batches"] = "nie"
    out = suite_run._job(BATCHES)
    assert out.ran == "batches-relu-softmax" and f"run in {SOFTMAX} (" in out.message


def test_not_implemented_everywhere_names_every_version(runs):
    runs.outcome.update({name: "nie" for name in ("batches", "batches-relu-softmax", "batches-relu-bce",
                                                   "batches-2layer", "batches-relu-softmax-2layer",
                                                   "batches-relu-bce-2layer")})
    out = suite_run._job(BATCHES)
    assert out.status == "unsupported" and out.not_implemented and out.ran == ""
    assert out.reason == (f"your file raised NotImplementedError on every version of it ({SEED}; {SOFTMAX}; {BCE}; "
                          f"{TWO}; hidden relu, output softmax, loss cross_entropy, 2 layers; "
                          "hidden relu, output sigmoid, loss bce, 2 layers)")


# --- one run of the file: the NotImplementedError's words, and the recordings ---

def _raising(message: str):
    def check(code, e, live, trace):
        raise UserCodeError(message)
    return check


@pytest.fixture
def one_run(monkeypatch):
    monkeypatch.setitem(suite_run._JOB, "code", SimpleNamespace(name="mine.py"))
    monkeypatch.setitem(suite_run._JOB, "live", False)
    monkeypatch.setitem(suite_run._JOB, "traces", {"batches": object()})
    monkeypatch.setitem(suite_run._JOB, "conventions", {})
    return monkeypatch


@pytest.mark.parametrize("message, said", [
    ("mine.py: backward is not implemented yet (NotImplementedError: write dW2 here at mine.py:14): fill in its "
     "formulas", "your file raised NotImplementedError: write dW2 here"),
    ("mine.py: backward is not implemented yet (NotImplementedError at mine.py:14): fill in its formulas",
     "your file raised NotImplementedError"),
])
def test_the_words_of_a_not_implemented_error_reach_the_reason(one_run, message, said):
    one_run.setattr(suite_run, "_check", _raising(message))
    out = suite_run._run_case(SUITE[BATCHES], ())
    assert (out.status, out.not_implemented, out.reason) == ("unsupported", True, said)


def test_a_recording_is_loaded_before_any_run(monkeypatch):
    def missing(case):
        raise ExperimentError(f"suite recording of `{case.name}` is missing: regenerate it")
    monkeypatch.setattr("compare.usercode.suite_record.load_recording", missing)
    monkeypatch.setattr("compare.running.parallel.map_jobs", lambda *a, **k: pytest.fail("a run started"))
    code = SimpleNamespace(name="mine.py", keywords=(), forward=None, forward_keywords=())
    with pytest.raises(ExperimentError, match="suite recording of `batches` is missing"):
        suite_run.run_suite(code, jobs=1)


def test_a_version_without_its_recording_is_an_error_naming_it(one_run):
    def missing(case):
        raise ExperimentError(f"suite recording of `{case.name}` is missing: regenerate it")
    one_run.setattr("compare.usercode.suite_record.load_recording", missing)
    one_run.setitem(suite_run._JOB, "traces", {})
    one_run.setattr(suite_run, "_check", lambda *a: pytest.fail("ran without its recording"))
    out = suite_run._run_case(SUITE[BATCHES], ())
    assert out.status == "error"
    assert out.message == out.reason == "suite recording of `batches` is missing: regenerate it"


def test_a_run_against_torch_loads_no_recording(one_run):
    one_run.setattr("compare.usercode.suite_record.load_recording", lambda case: pytest.fail("loaded a recording"))
    one_run.setitem(suite_run._JOB, "live", True)
    one_run.setitem(suite_run._JOB, "traces", {})
    one_run.setattr(suite_run, "_check", _raising("mine.py: backward raised ValueError: x at mine.py:3"))
    out = suite_run._run_case(SUITE[BATCHES], ())
    assert out.status == "error" and out.message == "mine.py: backward raised ValueError: x at mine.py:3"
