"""The submission's process answering the grader (compare/grading/child.py): `_serve` in a forked copy of this
process, spoken to over two pipes with the wire protocol (load, call, exit; errors as records), `_encode`'s value
tree, and the limits its `__main__` block sets (run as the grader runs it: address space in MB, CPU seconds and
one more for the hard limit, no core files). Expected values are written by hand.
"""

from __future__ import annotations

import importlib.util
import math
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from compare.grading import wire
from compare.grading.isolate import Isolated
from compare.grading.limits import Limits

HERE = Path(wire.__file__).parent


@pytest.fixture(scope="module")
def child():
    spec = importlib.util.spec_from_file_location("_child_serving", HERE / "child.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.wire = wire
    return module


class _Sub(np.ndarray):
    pass


def test_the_value_tree(child):
    arrays: list = []
    x = np.arange(3.0)
    tree = child._encode([x, (np.array([[1, 2]]).view(_Sub), None), 3, np.array(["s"], dtype=object)], arrays)
    assert tree == {"l": [{"a": 0}, {"u": [{"a": 1}, {"n": 1}]}, {"t": "int"}, {"t": "ndarray", "dtype": "object"}]}
    x[0] = 9.0                                              # a copy was kept, not the submission's own array
    assert arrays[0].tolist() == [0.0, 1.0, 2.0] and type(arrays[1]) is np.ndarray
    assert arrays[1].tolist() == [[1, 2]] and len(arrays) == 2
    deep = child._encode([[[[[1.0]]]]], [])
    assert deep == {"l": [{"l": [{"l": [{"l": [{"t": "list"}]}]}]}]}
    assert child._encode([None] * 256, []) == {"l": [{"n": 1}] * 256}
    assert child._encode((None,) * 257, []) == {"t": "tuple"}
    named = type("N" * 100, (), {})()
    assert child._encode(named, []) == {"t": "N" * 80}
    odd = np.zeros(1, dtype=[("f" * 50, "<f8")])
    assert child._encode(odd, []) == {"t": "ndarray", "dtype": str(odd.dtype)[:40]} and len(str(odd.dtype)) > 40


MINE = b"""\xef\xbb\xbf# -*- coding: utf-8 -*-
import sys, os
import helper

def backward(weights, biases, activations, targets, *, loss="sum"):
    where = [__name__ == "mine", __file__.endswith(os.sep.join(["submission", "mine.py"])),
             sys.path[0].endswith("submission"), sys.modules["mine"].backward is backward]
    return [w * 2 for w in weights], (biases[-1], activations[2] + targets), np.array(where), loss

def forward(weights, biases, X):
    helper.boom()

import numpy as np
"""
HELPER = b"def boom():\n    raise ValueError('boom')\n"


@pytest.fixture
def speak(child, tmp_path):
    """`speak()`: a forked copy running `_serve` in `tmp_path`, as (send, receive, end); a copy still running
    when the test ends (it failed midway) is killed, and every copy dies with this process."""
    pids: list[int] = []

    def start():
        to_child, from_grader = os.pipe()
        to_grader, from_child = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                import ctypes
                ctypes.CDLL(None).prctl(1, signal.SIGKILL)     # PR_SET_PDEATHSIG
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.close(from_grader)
                os.close(to_grader)
                os.chdir(tmp_path)
                child._serve(to_child, from_child)
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
        os.close(to_child)
        os.close(from_child)

        def send(header, arrays=()):
            wire.write_message(from_grader, header, list(arrays))

        def receive():
            header, arrays = wire.read_message(to_grader, deadline=time.monotonic() + 30)
            assert header.pop("arrays") == [[a.dtype.str, list(a.shape)] for a in arrays]
            return header, arrays

        def end():
            _, status = os.waitpid(pid, 0)
            pids.remove(pid)
            os.close(from_grader)
            os.close(to_grader)
            return os.waitstatus_to_exitcode(status)
        return send, receive, end
    yield start
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _files(*pairs):
    return ([[name, k] for k, (name, _) in enumerate(pairs)],
            [np.frombuffer(data, dtype=np.uint8) for _, data in pairs])


def test_load_call_and_exit(speak, tmp_path):
    send, receive, end = speak()
    assert receive() == ({"op": "ready"}, [])
    files, blobs = _files(("mine.py", MINE), ("helper.py", HELPER))
    send({"op": "load", "files": files, "entry": "mine.py", "allowed": None}, blobs)
    reply, _ = receive()
    assert reply == {"ok": True, "backward": "function", "forward": "function", "backward_callable": True,
                     "forward_callable": True,
                     "backward_signature": {"text": "(weights, biases, activations, targets, *, loss='sum')",
                                            "binds": True, "var_keyword": False,
                                            "keywords": ["weights", "biases", "activations", "targets", "loss"]},
                     "forward_signature": {"text": "(weights, biases, X)", "binds": True, "var_keyword": False,
                                           "keywords": ["weights", "biases", "X"]}}
    w = [np.full((2, 2), 1.0), np.full((2, 1), 3.0)]
    b = [np.zeros(2), np.ones(1) * 7]
    a = [np.zeros(3), np.ones(2), np.full(1, 0.5)]
    t = np.full(1, 0.25)
    send({"op": "call", "fn": "backward", "kwargs": {"loss": "mean"}, "counts": [2, 2, 3, None]}, w + b + a + [t])
    reply, arrays = receive()
    assert reply["ok"] and reply["value"] == {"u": [{"l": [{"a": 0}, {"a": 1}]}, {"u": [{"a": 2}, {"a": 3}]},
                                                    {"a": 4}, {"t": "str"}]}
    assert [x.tolist() for x in arrays] == [[[2.0, 2.0], [2.0, 2.0]], [[6.0], [6.0]], [7.0], [0.75],
                                           [True, True, True, True]]
    send({"op": "call", "fn": "forward", "counts": [2, 2, None]}, w + b + [t])
    reply, arrays = receive()
    assert arrays == [] and reply["ok"] is False
    error = reply["error"]
    assert (error["type"], error["message"], error["line"]) == ("ValueError", "boom", 2)
    assert error["traceback"] == (f'Traceback (most recent call last):\n  File "{tmp_path}/submission/mine.py", '
                                  f'line 11, in forward\n    helper.boom()\n'
                                  f'  File "{tmp_path}/submission/helper.py", line 2, in boom\n'
                                  "    raise ValueError('boom')\nValueError: boom\n")
    send({"op": "exit"})
    assert end() == 0
    assert (tmp_path / "submission" / "helper.py").read_bytes() == HELPER


@pytest.mark.parametrize("name", ["../x.py", "/abs.py", "a//b.py", "sub/../../x.py"])
def test_a_bad_file_name_is_refused_and_the_process_goes_on(speak, name):
    send, receive, end = speak()
    receive()
    files, blobs = _files((name, b"x = 1\n"))
    send({"op": "load", "files": files, "entry": "x.py", "allowed": None}, blobs)
    reply, _ = receive()
    assert reply["ok"] is False and reply["error"]["message"] == f"bad file name {name!r}"
    assert reply["error"]["type"] == "ValueError"
    send({"op": "exit"})
    assert end() == 0


def test_the_allowed_modules_and_the_own_files_import_others_do_not(speak):
    send, receive, end = speak()
    receive()
    files, blobs = _files(("pkg/entry.py", b"import colorsys, numpy, own\nimport pip\n"), ("pkg/own.py", b""))
    send({"op": "load", "files": files, "entry": "pkg/entry.py", "allowed": ["numpy"]}, blobs)
    reply, _ = receive()
    assert reply["ok"] is False and reply["error"]["module"] == "pip" and reply["error"]["line"] == 2
    assert reply["error"]["message"] == "No module named 'pip'"
    send({"op": "load", "files": [], "entry": "pkg/own.py", "allowed": None}, [])
    reply, _ = receive()
    assert reply == {"ok": True, "backward": None, "forward": None, "backward_callable": False,
                     "forward_callable": False}
    files, blobs = _files(("quits.py", b"raise SystemExit(4)\n"))
    send({"op": "load", "files": files, "entry": "quits.py", "allowed": None}, blobs)
    reply, _ = receive()
    assert reply["ok"] is False and reply["error"]["type"] == "SystemExit"
    files, blobs = _files(("first.py", FIRST))       # the guard asks before any other finder
    send({"op": "load", "files": files, "entry": "first.py", "allowed": ["numpy"]}, blobs)
    reply, _ = receive()
    assert reply["ok"] is True and reply["backward"] == "C" * 80 and reply["forward"] == "C" * 80
    send({"op": "call", "fn": "backward", "counts": [None, 2]}, [np.zeros(1), np.ones(2), np.ones(3)])
    reply, arrays = receive()
    assert reply["ok"], reply
    assert [a.tolist() for a in arrays] == [[0.0], [1.0, 1.0], [1.0, 1.0, 1.0]]
    send({"op": "exit"})
    assert end() == 0


FIRST = b"""import sys
if type(sys.meta_path[0]).__name__ != "_Guard":
    raise ImportError("the guard is not first")

class """ + b"C" * 100 + b""":
    def __call__(self, x, pair):
        return [x, pair[0], pair[1]]

backward = forward = """ + b"C" * 100 + b"""()
"""


def test_the_allowed_modules_folder_comes_after_the_submissions_own(tmp_path):
    """As the grader starts it in a sandbox: SITE (its last argument) on the path, after the submission's
    folder; its stdout the grader's pipe, framed."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "sitemod.py").write_text("VALUE = 7\n")
    (tmp_path / "work").mkdir()
    to_child, from_grader = os.pipe()
    to_grader, from_child = os.pipe()
    proc = subprocess.Popen([sys.executable, "-I", "-B", "-u", str(HERE / "child.py"), str(to_child),
                             str(from_child), "1024", "60", "100000", "-1", str(site_dir)],
                            pass_fds=(to_child, from_child), cwd=tmp_path / "work", stdin=subprocess.DEVNULL)
    os.close(to_child)
    os.close(from_child)
    try:
        deadline = time.monotonic() + 60
        assert wire.read_message(to_grader, deadline)[0]["op"] == "ready"
        files, blobs = _files(("mine.py", b"import sys, sitemod\nimport numpy as np\n"
                                          b"def backward(w, b, a, t):\n"
                                          b"    return np.array([sitemod.VALUE, sys.path.index(SITE),"
                                          b" sys.path[0].endswith('submission')])\n"
                                          b"SITE = " + repr(str(site_dir)).encode() + b"\n"))
        wire.write_message(from_grader, {"op": "load", "files": files, "entry": "mine.py", "allowed": None}, blobs)
        assert wire.read_message(to_grader, deadline)[0]["ok"] is True
        wire.write_message(from_grader, {"op": "call", "fn": "backward", "counts": [0, 0, 0, None]}, [np.zeros(1)])
        reply, arrays = wire.read_message(to_grader, deadline)
        assert reply["ok"] and arrays[0].tolist() == [7, 1, 1], (reply, arrays)
        wire.write_message(from_grader, {"op": "exit"})
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        proc.wait()
        os.close(from_grader)
        os.close(to_grader)


def test_the_limits_the_process_sets_on_itself(tmp_path):
    path = tmp_path / "limits.py"
    path.write_text("import resource, sys\nimport numpy as np\n\ndef backward(w, b, a, t):\n"
                    "    r = [resource.getrlimit(k) for k in (resource.RLIMIT_AS, resource.RLIMIT_CPU,"
                    " resource.RLIMIT_CORE, resource.RLIMIT_NPROC)]\n"
                    "    return np.array([x for pair in r for x in pair] + ['' in sys.path], dtype=np.int64)\n")
    limits = Limits(timeout=2.2, memory_mb=700, processes=5)
    with Isolated(path, limits) as proc:
        got = proc.load().backward([], [], [], np.zeros(1)).tolist()
    cpu = math.ceil(2.2) + 1
    assert got[:6] == [700 * 1024 * 1024, 700 * 1024 * 1024, cpu, cpu + 1, 0, 0], got
    assert got[6] == got[7] and 5 < got[6] <= resource.getrlimit(resource.RLIMIT_NPROC)[0] + 5, got
    assert got[8] == 0
