"""The check suite's verdict, in this process: exit statuses, the table's rows, the OK line, the notes and why
nothing ran, against the suite's definition worked out by hand (see tests/test_mutants_check.py).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from compare.errors import ExperimentError, ParityError
from compare.usercode.check import check_against_trace, updates_to_check
from compare.usercode.load import UserCodeError, load_user_code, user_code_from_functions
from compare.usercode.suite import case
from compare.usercode.suite_record import load_recording
from compare.usercode.suite_run import run_suite
from compare.usercode.suite_verdict import coverage, ok_line, verdict
from tests.test_mutants_check import SOLUTION, seed_backward, wrong_at_call


@pytest.fixture(scope="module")
def solution_report():
    return run_suite(load_user_code(SOLUTION), jobs=1)


def test_the_exit_status_of_every_kind_of_report():
    from compare.usercode.suite_run import CaseResult, SuiteReport

    def report(*statuses):
        return SuiteReport("x.py", False, [CaseResult(f"c{k}", s, 3, 3) for k, s in enumerate(statuses)])
    assert (report("ok", "skipped", "unsupported").ok, report("ok", "skipped").exit_code) == (True, 0)
    assert (report("unsupported", "skipped").ok, report("unsupported", "skipped").exit_code) == (False, 2)
    assert (report("ok", "error").ok, report("ok", "error").exit_code) == (False, 2)
    assert (report("ok", "failed", "error").ok, report("ok", "failed", "error").exit_code) == (False, 1)
    assert report("error", "failed").first_failure.name == "c1"
    assert report("ok", "error", "error").first_error.name == "c1"
    assert report().exit_code == 2 and not report().ok


def test_not_run_rows_carry_no_numbers_and_a_long_reason_is_cut_at_100_characters():
    words = "x" * 300

    def backward(weights, biases, activations, targets, loss="sum"):
        if loss != "sum":
            raise ValueError(words)
        return seed_backward(weights, biases, activations, targets)
    r = run_suite(user_code_from_functions(backward), jobs=1)
    for x in r.results:
        if x.status in ("skipped", "unsupported"):
            assert (x.updates_checked, x.max_abs_diff, x.history, x.failure) == (0, 0.0, None, None), x.name
        if x.status == "skipped":
            assert x.total_updates == 0
    reason = next(x.reason for x in r.results if x.status == "unsupported")
    said = "backward raised ValueError: " + words
    assert reason == "your " + said[:100]    # "your backward raised ...", cut at 100 characters


def test_parallel_jobs_give_the_same_verdict_and_a_worker_that_dies_is_one_error():
    import os

    serial = run_suite(user_code_from_functions(seed_backward), jobs=1)
    parallel = run_suite(user_code_from_functions(seed_backward), jobs=2)
    assert [(x.name, x.status, x.updates_checked) for x in parallel.results] == [
        (x.name, x.status, x.updates_checked) for x in serial.results]

    def dies(weights, biases, activations, targets):
        os._exit(3)
    with pytest.raises(UserCodeError, match="process ended while running your code"):
        run_suite(user_code_from_functions(dies), jobs=2)


def _report(*rows):
    from compare.usercode.suite_run import CaseResult, SuiteReport
    return SuiteReport("x.py", False, [CaseResult(*row) for row in rows])


def test_coverage_names_a_partial_batch_and_a_leaky_slope_only_when_they_ran():
    covered, _ = coverage(_report(("square", "ok", 3, 3), ("long", "ok", 120, 120)))
    assert covered[:2] == ["2 experiments, 123 updates", "batch sizes 1, 5"]
    covered, _ = coverage(_report(("batches", "ok", 6, 6), ("hidden-leaky_relu", "ok", 3, 3)))
    assert covered[1] == "batch sizes 1, 3 (a last partial batch included)"
    assert "a leaky_relu slope other than 0.01" not in covered
    covered, _ = coverage(_report(("leaky-slope", "ok", 3, 3)))
    assert covered[-1] == "a leaky_relu slope other than 0.01"


def test_the_verdict_ends_with_the_ok_line_or_why_nothing_ran(solution_report):
    assert verdict(solution_report).splitlines()[-1] == ok_line(solution_report)
    nothing = _report(("loss-mean", "unsupported", 0, 0, 0.0, "your file raised on it: no"),
                      ("long", "skipped", 0, 0, 0.0, "your backward takes no `x`"))
    from compare.usercode.suite_verdict import nothing_ran
    assert nothing_ran(nothing) == ('x.py: no experiment of the check suite ran: loss "mean" (your file raised on '
                                    'it: no); long (your backward takes no `x`)')
    assert verdict(nothing).splitlines()[-1] == nothing_ran(nothing)
    assert nothing_ran(_report()) == "x.py: no experiment of the check suite ran: none to run"


def test_each_kind_of_row_in_the_table():
    from compare.usercode.suite_verdict import table
    long_line = "A" * 200
    text = table(_report(("batches", "error", 0, 6, 0.0, "", long_line + "\nsecond line"),
                         ("loss-mean", "unsupported", 0, 3, 0.0, "your file raised on it: no"),
                         ("long", "skipped", 0, 0, 0.0, "your backward takes no `x`")))
    rows = [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()]
    assert rows[0] == ["experiment", "network", "batches", "result"]
    assert rows[1][-1] == "ERROR: " + "A" * 160
    assert rows[2][-1] == "not run: your file raised on it: no"
    assert rows[3][-1] == "not run: your backward takes no `x`"


def test_a_recording_asked_for_with_other_data_or_weights_is_refused():
    from dataclasses import replace

    from compare.usercode.check import requested_experiment
    trace = load_recording(case("batches"))
    e = trace.experiment
    with pytest.raises(ExperimentError, match="asks for other data"):
        updates_to_check(trace, replace(e, inputs=np.asarray(e.inputs) + 1))
    moved = [np.array(w) for w in e.init_weights]
    moved[1][0, 0] += 0.5
    with pytest.raises(ExperimentError, match=r"recorded from other initial weights than .* \(array 2\)"):
        updates_to_check(trace, replace(e, init_weights=tuple(moved)))
    assert requested_experiment(trace, None, {}) is None
    assert requested_experiment(trace, "exercise3", {}).name == "exercise3"
    assert updates_to_check(trace, replace(e, epochs=e.epochs)) == 6          # all its epochs: allowed
    with pytest.raises(ExperimentError) as caught:
        updates_to_check(trace, replace(e, inputs=np.asarray(e.inputs) + 1))
    assert ("the trace records `suite-batches` with inputs = the trace's data, but this run (`suite-batches`) "
            "asks for other data") in str(caught.value)
    shorter = requested_experiment(trace, None, {"epochs": 1})
    assert shorter.epochs == 1 and updates_to_check(trace, shorter) == 3


def test_notes_name_each_setting_the_file_cannot_express_and_only_those():
    from compare.usercode.check import cannot_express
    seed_only = user_code_from_functions(seed_backward)
    assert cannot_express(seed_only, case("batches").experiment()) == []
    notes = cannot_express(seed_only, case("leaky-slope").experiment())
    assert [n.split(",")[0] for n in notes] == ["your backward takes no `hidden_activation`",
                                                "your backward takes no `leaky_slope`"]
    assert "hidden_activation = 'leaky_relu' (without it, it can only be right for 'sigmoid')" in notes[0]

    def backward(weights, biases, activations, targets, hidden_activation="sigmoid", leaky_slope=0.01):
        return seed_backward(weights, biases, activations, targets)

    def forward(weights, biases, X, hidden_activation="sigmoid"):
        return [X]
    both = user_code_from_functions(backward, forward)
    notes = cannot_express(both, case("leaky-slope").experiment())
    assert [n.split(",")[0] for n in notes] == ["your forward takes no `leaky_slope`"]
    # a slope other than 0.01 means nothing without a leaky_relu layer: no note
    from dataclasses import replace
    plain = replace(case("batches").experiment(), leaky_slope=0.3)
    assert cannot_express(seed_only, plain) == []


def test_notes_go_after_the_two_headline_lines_and_generic_hints_give_way():
    import dataclasses

    from compare.usercode.check import _with_notes
    trace = load_recording(case("batches"))
    with pytest.raises(ParityError) as caught:
        check_against_trace(user_code_from_functions(wrong_at_call(1)), trace)
    base = caught.value.failure
    plain = dataclasses.replace(base, hints=(), message="h0\nh1\nTABLE")
    out = _with_notes(ParityError(plain.message, plain, None), ["n1", "n2"])
    assert str(out) == "h0\nh1\n  note: n1\n  note: n2\nTABLE"
    hinted = dataclasses.replace(base, hints=("the layers above layer 2 agree", "yours = torch's x 2"),
                                 message="h0\nh1\n  hint: the layers above layer 2 agree\n  hint: yours = torch's x 2"
                                         "\nTABLE")
    out = _with_notes(ParityError(hinted.message, hinted, None), ["n1"])
    assert str(out) == "h0\nh1\n  note: n1\n  hint: yours = torch's x 2\nTABLE"
    assert out.failure.hints == ("yours = torch's x 2",) and out.failure.notes == ("n1",)
    same = ParityError(hinted.message, hinted, None)
    assert _with_notes(same, []) is same
