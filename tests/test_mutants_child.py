"""The submission's process (compare/grading/child.py), its pieces run directly: the rlimits it sets on itself
(`_limit`), the user switch (a forked copy of this process, as root), the import guard, the error record and the
signature it sends back (caps included), the value tree it encodes, the files it writes, and the request loop
(`_serve`, in a forked copy speaking the wire protocol). Expected values are written by hand.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import resource
import sys
from pathlib import Path

import pytest

from compare.grading import wire

HERE = Path(wire.__file__).parent


@pytest.fixture(scope="module")
def child():
    spec = importlib.util.spec_from_file_location("_child_under_test", HERE / "child.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.wire = wire       # as its __main__ block loads it
    return module


def _forked(fn) -> tuple[int, str]:
    """Run `fn()` in a forked copy of this process: (its exit status, what it wrote on stdout and stderr).
    `fn` returns a JSON value, written as the last line."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(w, 1)
            os.dup2(w, 2)
            out = fn()
            os.write(1, (json.dumps(out) + "\n").encode())
            code = 0
        except BaseException as exc:
            os.write(1, f"raised {type(exc).__name__}: {exc}\n".encode())
            code = 99
        os._exit(code)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 65536):
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode()


def test_limits_soft_and_hard_and_a_refused_one_left_alone(child):
    def run():
        child._limit(resource.RLIMIT_CORE, 0)
        core = resource.getrlimit(resource.RLIMIT_CORE)
        child._limit(resource.RLIMIT_CPU, 50, 51)
        cpu = resource.getrlimit(resource.RLIMIT_CPU)
        child._limit(resource.RLIMIT_CPU, 60, 40)         # soft above hard: refused, nothing changes
        return [core, cpu, resource.getrlimit(resource.RLIMIT_CPU)]
    code, out = _forked(run)
    assert code == 0 and json.loads(out.splitlines()[-1]) == [[0, 0], [50, 51], [50, 51]], out


def _status(field: str) -> str:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    return ""


needs_root = pytest.mark.skipif(not sys.platform.startswith("linux") or os.getuid() != 0,
                                reason="the user switch and the capabilities need Linux and root")


@needs_root
def test_the_switch_to_the_submissions_user_for_good(child):
    def run():
        child._switch_user(65534)
        return [list(os.getresuid()), list(os.getresgid()), os.getgroups(), _status("CapBnd")]
    code, out = _forked(run)
    assert code == 0 and json.loads(out.splitlines()[-1]) == [[65534] * 3, [65534] * 3, [], "0000000000000000"], out


@needs_root
def test_even_user_id_0_asked_loses_every_capability_it_could_regain(child):
    def run():
        child._switch_user(0)
        return [list(os.getresuid()), _status("CapBnd")]
    code, out = _forked(run)
    assert code == 0 and json.loads(out.splitlines()[-1]) == [[0, 0, 0], "0000000000000000"], out


@needs_root
def test_no_switch_asked_leaves_root_as_it_is(child):
    def run():
        child._switch_user(-1)
        return [list(os.getresuid()), _status("CapBnd") != "0000000000000000"]
    code, out = _forked(run)
    assert code == 0 and json.loads(out.splitlines()[-1]) == [[0, 0, 0], True], out


@needs_root
def test_a_switch_that_did_not_happen_ends_the_process_with_70(child):
    def run():
        os.setresuid = lambda *ids: None      # the kernel refused, silently
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)   # what reaches the pipe is stderr alone
        child._switch_user(65534)
        return "went on"
    code, out = _forked(run)
    assert (code, out) == (70, "sandbox: could not switch to the submission's user id\n")


@needs_root
def test_a_switch_the_kernel_refuses_aloud_ends_the_process_with_70_too(child):
    def run():
        def refuse(*ids):
            raise PermissionError(1, "Operation not permitted")
        os.setresgid = refuse
        child._switch_user(65534)
        return "went on"
    code, out = _forked(run)
    assert (code, out) == (70, "sandbox: could not switch to the submission's user id\n")


def test_not_root_no_switch(child):
    def run():
        os.getuid = lambda: 1000
        child._switch_user(65534)
        return list(os.getresuid()) == [os.geteuid()] * 3
    code, out = _forked(run)
    assert code == 0 and out.splitlines()[-1] == "true", out


@needs_root
def test_privileges_dropped_no_new_ones_and_no_capabilities(child):
    def run():
        child._drop_privileges()
        return [_status("NoNewPrivs"), _status("CapEff"), _status("CapPrm")]
    code, out = _forked(run)
    assert code == 0 and json.loads(out.splitlines()[-1]) == ["1", "0000000000000000", "0000000000000000"], out


def test_the_import_guard_names_a_module_outside_the_allowed(child):
    guard = child._Guard({"numpy", "helpers"})
    with pytest.raises(ModuleNotFoundError) as caught:
        guard.find_spec("scipy")
    assert str(caught.value) == "No module named 'scipy'" and caught.value.name == "scipy"
    assert guard.find_spec("numpy") is None and guard.find_spec("helpers") is None and guard.find_spec("json") is None
    assert guard.find_spec("scipy.linalg") is None            # a submodule: its parent was asked first
    assert guard.find_spec("scipy", ["/somewhere"]) is None  # a package's own submodule search


USER = "/work/submission/"


def _raise_in_user_file(source: str, call: str = "f()"):
    namespace: dict = {}
    exec(compile(source, USER + "mine.py", "exec"), namespace)
    try:
        eval(call, namespace)
    except BaseException as exc:
        return exc
    raise AssertionError("did not raise")


def test_the_error_record_keeps_the_users_frames_only(child):
    exc = _raise_in_user_file("def g():\n    raise ValueError('bad')\n\ndef f():\n    g()\n")
    assert child._error(exc, USER) == {
        "type": "ValueError", "message": "bad", "line": 2, "module": None,
        "traceback": ('Traceback (most recent call last):\n  File "/work/submission/mine.py", line 5, in f\n'
                      '  File "/work/submission/mine.py", line 2, in g\nValueError: bad\n')}
    plain = child._error(ValueError("ours"), USER)
    assert (plain["traceback"], plain["line"]) == ("ValueError: ours\n", None)


def test_the_error_record_is_capped(child):
    long = _raise_in_user_file("class " + "E" * 100 + "(ImportError):\n    pass\n\ndef f():\n    raise "
                               + "E" * 100 + "('m' * 9000, name='n' * 300)\n")
    got = child._error(long, USER)
    assert got["type"] == "E" * 80 and got["message"] == "m" * 2000 and got["module"] == "n" * 200
    assert len(got["traceback"]) == 8000 and got["traceback"] == "m" * 7999 + "\n"
    assert child._error(ModuleNotFoundError("No module named 'x'", name="x"), USER)["module"] == "x"
    assert child._error(ImportError("no"), USER)["module"] is None
    odd = AttributeError("a", name="attr")                  # has a `name`, but is not an import error
    assert child._error(odd, USER)["module"] is None


def test_the_signature_sent_back(child):
    def backward(weights, biases, /, activations, targets, *, loss="sum", **rest):
        pass
    assert child._signature(backward, 4) == {
        "text": "(weights, biases, /, activations, targets, *, loss='sum', **rest)", "binds": True,
        "var_keyword": True, "keywords": ["activations", "targets", "loss", "rest"]}
    assert child._signature(backward, 5)["binds"] is False and child._signature(backward, 3)["binds"] is False

    def plain(a, b, c):
        pass
    assert child._signature(plain, 3) == {"text": "(a, b, c)", "binds": True, "var_keyword": False,
                                          "keywords": ["a", "b", "c"]}
    many = eval("lambda " + ", ".join(f"a{i}=1000" for i in range(60)) + ": 0")
    got = child._signature(many, 0)
    assert len(got["text"]) == 500 and got["keywords"] == [f"a{i}" for i in range(50)]
    for odd in (math.log, object()):       # no signature to be had: told as one that binds anything
        assert child._signature(odd, 4) == {"text": "(...)", "binds": True, "keywords": [], "var_keyword": False}
