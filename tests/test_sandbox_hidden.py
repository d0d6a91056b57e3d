"""A second set of attacks on the sandbox under `grade`, as root, aimed at what the first set
(tests/test_sandbox.py) left alone: inherited descriptors, the grader's pipe (forged, nested half a million
levels deep), its output (fake rows, escapes, a flood), exceptions named like ours, NaN and inf, objects that
pretend to be arrays, tmpfs and inode exhaustion, shared memory across processes, processes that hop and
hide, pid 1, user namespaces, the kernel's keyrings (not namespaced: the grader's session keys), terminals,
core dumps, abstract sockets; and folder submissions: hard links to the rubric, a root-only file and a
classmate, 5,000 entries, a sparse 10 GB file, source nested too deep for the parser, files shadowing NumPy,
`wire.py`, `sitecustomize.py`, a `.pth`. One class run holds them all (tests/sandbox_attacks/more_*.py and
the folders made here), beside right and wrong classmates. Every attacker scores 0; the classmates score as
they do alone; no file, key, process, folder or control group is changed or left.
"""

from __future__ import annotations

import csv
import ctypes
import io
import json
import os
import platform
import shutil
from pathlib import Path

import pytest

from tests.test_grading import CLASS, RUBRIC, grade
from tests.test_sandbox import ATTACKS, MEMORY, SECRET, WHY, digest, needs_sandbox, settle, watched

PRIVATE = "sbx-private-9c1d"          # in a root-only file outside the class: only a hard link could show it
KEY_SECRET = b"sbx-grader-key-5e2b"   # a key in the grader's session keyring
KEYCTL = {"x86_64": (248, 250), "aarch64": (217, 219)}.get(platform.machine())
RIGHT = ("aa_right.py", "mm_right.py", "zz_right.py")
FOLDERS = ("bomb", "deep", "hardlinked", "shadowing", "sparse")
LEAK = """import os
here = os.path.dirname(__file__)
for n in sorted(os.listdir(here)):
    print(n, open(os.path.join(here, n), errors="replace").read()[:300])


def backward(w, b, a, t):
    raise ValueError("leaked")
"""
SHADOW = """import sys
for p in ("/work/venv/lib/python3.11/site-packages", "/usr/lib/python3/dist-packages", "/root/.local"):
    sys.path.append(p)
for name in ("torch", "numpy_impl", "compare"):
    try:
        __import__(name)
        print("IMPORTED", name)
    except ImportError:
        pass
import numpy, wire
print("numpy is", numpy.__file__)


def backward(w, b, a, t):
    return [x * 0 + 1 for x in w], [x * 0 + 1 for x in b]
"""


def _folders(folder: Path, rubric: Path, private: Path) -> None:
    hl = folder / "hardlinked"
    hl.mkdir()
    (hl / "submission.py").write_text(LEAK)
    os.link(rubric, hl / "rubric.txt")
    os.link(private, hl / "shadow.txt")
    os.link(folder / "aa_right.py", hl / "classmate.py")    # the classmate must still be graded as alone
    bomb = folder / "bomb"
    bomb.mkdir()
    (bomb / "submission.py").write_text("def backward(w, b, a, t):\n    raise ValueError('bomb')\n")
    for k in range(5000):
        (bomb / f"d{k}").mkdir()
    deep = folder / "deep"
    deep.mkdir()
    (deep / "a.py").write_text("x = " + "1+" * 200_000 + "1\n\ndef backward(w, b, a, t):\n    pass\n")
    (deep / "b.py").write_text("y = 1\n")
    sparse = folder / "sparse"
    sparse.mkdir()
    (sparse / "submission.py").write_text("def backward(w, b, a, t):\n    raise ValueError('sparse')\n")
    with open(sparse / "big.bin", "wb") as f:
        f.truncate(10 << 30)
    sh = folder / "shadowing"
    (sh / "numpy").mkdir(parents=True)
    (sh / "submission.py").write_text(SHADOW)
    for name in ("sitecustomize.py", "usercustomize.py", "wire.py", "_grading_wire.py", "child.py"):
        (sh / name).write_text("print('SHADOW RAN', __name__)\n")
    (sh / "zz.pth").write_text("import os; open('/tmp/sbx-attack-pth-ran', 'w')\n")
    (sh / "numpy" / "__init__.py").write_text("print('FAKE NUMPY')\nallclose = lambda *a, **k: True\n")


def _stamps(folder: Path, rubric: Path, private: Path) -> dict[str, object]:
    """The rubric, the private file and the class's files by content (but the sparse 10 GB one); all of
    them and everything else `watched` (our package, NumPy, the interpreter's library and site-packages,
    /etc/passwd) by size, time and inode: a stat is cheap, and nothing is written without changing those."""
    out: dict[str, object] = {}
    for p in [private] + watched(folder, rubric):
        for f in ([p] if p.is_file() else p.rglob("*")):
            # files only, no bytecode caches: tests running beside this one (pytest -n) import modules and
            # write __pycache__ (a folder's time changes with them); the sandbox mounts all of it read-only
            # alike, so a source file written, added or removed is the proof
            if "__pycache__" in f.parts or f.is_dir() and not f.is_symlink():
                continue
            st = f.lstat()
            out[str(f)] = (st.st_size, st.st_mtime_ns, st.st_ino)
            if f.is_file() and (f.is_relative_to(folder) or f in (rubric, private)) and st.st_size < 1 << 20:
                out[f"{f} sha256"] = digest([f])[str(f)]
    return out


def _keys() -> tuple[int, dict[int, int]]:
    """This process's session keyring gets a key of its own (a fresh keyring, joined: nothing shared is
    touched); its serial, and the lines of /proc/key-users for sandbox user ids."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    libc.syscall(KEYCTL[1], 1, None)   # KEYCTL_JOIN_SESSION_KEYRING: a new anonymous one
    serial = libc.syscall(KEYCTL[0], b"user", b"sbx-grader-key", KEY_SECRET, len(KEY_SECRET), -3)
    return serial, _key_users()


def _key_users() -> dict[int, int]:
    """Keys held by each sandbox user id (/proc/key-users: uid: usage keys/instantiated quota/max ...)."""
    from compare.sandbox.uids import FIRST
    rows = [line.split(":", 1) for line in Path("/proc/key-users").read_text().splitlines()]
    return {int(uid): int(rest.split()[1].split("/")[0]) for uid, rest in rows if int(uid) >= FIRST}


def _session_keys() -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return int(libc.syscall(KEYCTL[1], 11, -3, None, 0)) // 4   # KEYCTL_READ: 4 bytes a serial


@pytest.fixture(scope="module")
def hidden(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if WHY or KEYCTL is None:
        pytest.skip(WHY or "keyring system calls are known here for x86_64 and aarch64 only")
    tmp = tmp_path_factory.mktemp("hidden")
    folder = tmp / "class"
    folder.mkdir()
    for p in ATTACKS.glob("more_*.py"):
        shutil.copy(p, folder / p.name)
    for name in RIGHT:
        shutil.copy(CLASS / "right.py", folder / name)
    shutil.copy(CLASS / "wrong_sign.py", folder / "ww_wrong.py")
    rubric = tmp / "rubric.toml"
    rubric.write_text(f"# {SECRET}\n" + RUBRIC)
    private = tmp / "private.txt"
    private.write_text(PRIVATE)
    private.chmod(0o600)
    _folders(folder, rubric, private)
    serial, users = _keys()
    before = _stamps(folder, rubric, private)
    before_tmp = set(str(p) for p in Path("/tmp").glob("grade-*"))
    out = {k: tmp / f"out.{k}" for k in ("json", "csv")}
    run = grade(str(folder), "--rubric", str(rubric), "--timeout", "4", "--memory", MEMORY, "--jobs", "2",
                "--json", str(out["json"]), "--csv", str(out["csv"]), "--sandbox", "bwrap")
    assert run.returncode == 0, run.stderr
    alone = tmp / "alone.json"
    assert grade(str(folder / "ww_wrong.py"), "--rubric", str(rubric), "--timeout", "4", "--json", str(alone),
                 "--sandbox", "bwrap").returncode == 0
    after = _stamps(folder, rubric, private)
    return {"run": run, "text": out["json"].read_text(), "csv": out["csv"].read_text(),
            "by": {s["file"]: s for s in json.loads(out["json"].read_text())["submissions"]},
            "alone": json.loads(alone.read_text())["submissions"][0], "folder": folder, "rubric": rubric,
            "changed": {k for k in set(before) | set(after) if before.get(k) != after.get(k)},
            "left": settle(before_tmp), "users": (users, _key_users()), "session": (serial, _session_keys())}


@needs_sandbox
def test_every_hidden_attacker_scores_zero_and_classmates_as_alone(hidden: dict) -> None:
    by = hidden["by"]
    attackers = sorted(p.name for p in ATTACKS.glob("more_*.py")) + list(FOLDERS)
    assert len(attackers) >= 20 and set(by) == set(attackers) | set(RIGHT) | {"ww_wrong.py"}
    for name in attackers:
        assert by[name]["score"] == 0 and by[name]["verdict"] != "pass", by[name]
    for name in RIGHT:
        assert (by[name]["score"], by[name]["verdict"]) == (4.0, "pass"), by[name]
    wrong, alone = by["ww_wrong.py"], hidden["alone"]
    assert (wrong["score"], wrong["verdict"], wrong["checks"]) == (alone["score"], alone["verdict"], alone["checks"])


@needs_sandbox
def test_what_each_hidden_attack_met(hidden: dict) -> None:
    by = hidden["by"]
    out = {name: by[name]["output"] for name in by}
    assert json.loads(out["more_fds.py"].split("FDS ", 1)[1].splitlines()[0])["other"] == []
    assert "sent the grader what it refuses" in by["more_wire_deep.py"]["reason"]        # not a judge crash
    assert "broke the grader's protocol" in by["more_wire_forge.py"]["reason"]
    assert by["more_mmap.py"]["verdict"] == "memory"
    pid1 = json.loads(out["more_pid1.py"].split("PID1 ", 1)[1].splitlines()[0])
    assert all(v in ("Operation not permitted", "Permission denied", "No such process") for v in pid1.values()), pid1
    assert out["more_keyring.py"].count("Operation not permitted") == 3, out["more_keyring.py"]
    assert KEY_SECRET.decode() not in hidden["text"]
    assert 'USERNS {"unshare": "Operation not permitted"}' in out["more_userns.py"]
    assert "TTY pushed into: []" in out["more_tty.py"] and "SOCKETS reached: []" in out["more_abstract_socket.py"]
    assert "core limit held" in out["more_core.py"] and by["more_core.py"]["verdict"] == "error"
    assert str(hidden["folder"]) not in out["more_environment.py"]
    assert str(hidden["rubric"]) not in out["more_environment.py"]
    assert "is a hard link" in by["hardlinked"]["reason"] and PRIVATE not in hidden["text"]
    assert "more than 4096 entries" in by["bomb"]["reason"]
    assert "does not import (RecursionError" in by["deep"]["reason"]    # its own error, in its own process
    assert "larger than 1 MB" in by["sparse"]["reason"]
    assert "IMPORTED" not in out["shadowing"] and "numpy is /sandbox/site/numpy/" in out["shadowing"]
    seen = json.loads(out["more_find_modules.py"].split("FOUND ", 1)[1].splitlines()[0])
    assert seen["packages"] and set(seen["packages"].values()) == {0} and seen["imported"] == [], seen
    assert not any("rubric" in t or str(hidden["folder"]) in t for t in seen["tomls"]), seen["tomls"]
    assert by["more_nan_inf.py"]["verdict"] == "fail"
    assert by["more_subclass.py"]["verdict"] == "error" and "LongList" in by["more_subclass.py"]["reason"]


@needs_sandbox
def test_no_forged_row_escape_or_flood_reaches_a_report(hidden: dict) -> None:
    stdout, by = hidden["run"].stdout, hidden["by"]
    assert "\x1b" not in stdout + hidden["csv"] and "\\u001b" not in hidden["text"]
    assert "\\x1b[2J" in by["more_stdout_forge.py"]["output"]          # shown as text
    rows = [line for line in stdout.splitlines() if line.split(" ")[0] in by]
    assert sorted(r.split(" ")[0] for r in rows) == sorted(by)             # one row each, none forged
    assert len(hidden["text"]) < 200_000                                   # 50 MB printed, 1 MB raised
    assert all(len(s["output"]) < 5000 and len(s["reason"]) < 600 for s in by.values())
    cells = [cell for row in csv.reader(io.StringIO(hidden["csv"])) for cell in row]
    assert len(cells) > 50 and not any(cell.startswith(("=", "+", "-", "@", "\r", "\t")) for cell in cells)


@needs_sandbox
def test_the_hidden_attacks_change_nothing_and_leave_nothing(hidden: dict) -> None:
    assert hidden["changed"] == set()
    assert SECRET not in hidden["text"] + hidden["run"].stdout + hidden["run"].stderr
    assert hidden["left"] == {"processes": [], "groups": [], "tmp": [], "marks": []}
    # no key left for a sandbox user id (fewer than before: the kernel collected keys of earlier runs)
    before, after = hidden["users"]
    assert all(n <= before.get(uid, 0) for uid, n in after.items()), (before, after)
    assert hidden["session"][1] == 1                         # the grader's session keyring: its one key


SAFE_AS_ROOT = ("more_fds.py", "more_wire_deep.py", "more_wire_forge.py", "more_stdout_forge.py",
                "more_exception_forge.py", "more_nan_inf.py", "more_fork_race.py")


def test_without_a_sandbox_the_pipe_the_reports_and_folders_hold(tmp_path: Path) -> None:
    """`--sandbox none` (the README's table): the attacks on the pipe, the reports and a folder's links hold
    there too (those that signal processes or fill /dev/shm are not run here: without a sandbox they would
    reach this machine)."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in SAFE_AS_ROOT:
        shutil.copy(ATTACKS / name, folder / name)
    shutil.copy(CLASS / "right.py", folder / "aa_right.py")
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(RUBRIC)
    private = tmp_path / "private.txt"
    private.write_text(PRIVATE)
    _folders(folder, rubric, private)
    out = tmp_path / "o.json"
    run = grade(str(folder), "--rubric", str(rubric), "--timeout", "4", "--jobs", "2", "--json", str(out),
                "--sandbox", "none")
    assert run.returncode == 0, run.stderr
    by = {s["file"]: s for s in json.loads(out.read_text())["submissions"]}
    assert (by["aa_right.py"]["score"], by["aa_right.py"]["verdict"]) == (4.0, "pass")
    assert all(by[n]["score"] == 0 and by[n]["verdict"] != "pass" for n in (*SAFE_AS_ROOT, *FOLDERS)), by
    assert "is a hard link" in by["hardlinked"]["reason"] and PRIVATE not in out.read_text()
    assert "sent the grader what it refuses" in by["more_wire_deep.py"]["reason"]
    assert "\x1b" not in run.stdout and "more than 4096 entries" in by["bomb"]["reason"]

