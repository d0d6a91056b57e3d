"""A submission's control group (compare/sandbox/cgroups.py): the limits written for all of its processes
together (memory in MB as bytes, no swap beyond it, processes, CPU bandwidth in a 100 ms period) and what is
read back (CPU seconds, whether the kernel ended one for memory). cgroup v2 and v1 are played on folders made
here (a write makes the interface file, as the kernel's are there from the start); where this machine lets
root make real groups, one is made and read back. Expected numbers are worked out by hand.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compare.sandbox import cgroups
from compare.sandbox.cgroups import ControlGroup

MB700 = 700 * 1024 * 1024     # 734003200


@pytest.fixture
def fake(monkeypatch):
    """Kernel files played by plain files: a write creates them; a new group has `memory.swap.max`/`cpu.max`
    when `interface` says so."""
    state = {"interface": True}
    real_mkdir = Path.mkdir

    def mkdir(self, *a, **k):
        real_mkdir(self, *a, **k)
        if state["interface"] and self.name.startswith(cgroups.PREFIX):
            for f in ("memory.swap.max", "cpu.max", "cgroup.procs"):
                (self / f).write_text("")

    def write(path, text):
        Path(path).write_text(text)

    def rmdir(self):           # a group's interface files go with it
        if self.name.startswith(cgroups.PREFIX):
            for f in self.iterdir():
                f.unlink()
        real_rmdir(self)

    real_rmdir = Path.rmdir
    monkeypatch.setattr(Path, "rmdir", rmdir)
    monkeypatch.setattr(Path, "mkdir", mkdir)
    monkeypatch.setattr(cgroups, "_write", write)
    return state


def _v2_parent(root: Path, controllers: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "cgroup.procs").write_text("")
    (root / "cgroup.subtree_control").write_text(controllers)
    return root


def test_v2_limits_for_all_processes_together(tmp_path, fake):
    parent = _v2_parent(tmp_path / "grader", "cpu memory pids")
    group = ControlGroup._v2(tmp_path, "/grader", "compare-sbx-1-0", 700, 19, 0.5)
    here = parent / "compare-sbx-1-0"
    assert group.version == 2 and group.paths == {"": here}
    assert (here / "memory.max").read_text() == str(MB700) and (here / "memory.swap.max").read_text() == "0"
    assert (here / "pids.max").read_text() == "19" and (here / "cpu.max").read_text() == "50000 100000"
    assert (parent / "cgroup.subtree_control").read_text() == "cpu memory pids"    # already enabled: left


def test_v2_enables_the_controllers_and_skips_what_the_kernel_lacks(tmp_path, fake):
    fake["interface"] = False
    _v2_parent(tmp_path, "cpu")
    group = ControlGroup._v2(tmp_path, None, "compare-sbx-1-1", 1, 3, 2.0)
    here = tmp_path / "compare-sbx-1-1"
    assert group.paths == {"": here} and (tmp_path / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"
    assert (here / "memory.max").read_text() == "1048576" and (here / "pids.max").read_text() == "3"
    assert not (here / "memory.swap.max").exists() and not (here / "cpu.max").exists()
    _v2_parent(tmp_path / "m", "memory")
    ControlGroup._v2(tmp_path / "m", None, "compare-sbx-1-2", 1, 3, 1.0)
    assert (tmp_path / "m" / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"


def test_v2_falls_back_to_the_root_and_gives_up_cleanly(tmp_path, fake):
    _v2_parent(tmp_path, "memory pids")
    (tmp_path / "grader").mkdir()                                   # no cgroup.procs: not a group
    group = ControlGroup._v2(tmp_path, "/grader", "compare-sbx-1-3", 2, 4, 1.0)
    assert group.paths == {"": tmp_path / "compare-sbx-1-3"}
    assert (tmp_path / "cgroup.subtree_control").read_text() == "memory pids"      # enabled: nothing written
    assert (tmp_path / "compare-sbx-1-3" / "cpu.max").read_text() == "100000 100000"
    (tmp_path / "compare-sbx-1-4").mkdir()                          # the name taken: nothing made
    assert ControlGroup._v2(tmp_path, None, "compare-sbx-1-4", 2, 4, 1.0) is None
    empty = tmp_path / "nothing"
    empty.mkdir()
    assert ControlGroup._v2(empty, None, "compare-sbx-1-5", 2, 4, 1.0) is None


def test_v2_a_parent_whose_controllers_cannot_be_read_is_passed_over(tmp_path, fake):
    _v2_parent(tmp_path, "memory pids")
    (tmp_path / "grader").mkdir()
    (tmp_path / "grader" / "cgroup.procs").write_text("")          # a group, but no cgroup.subtree_control
    group = ControlGroup._v2(tmp_path, "/grader", "compare-sbx-1-6", 2, 4, 1.0)
    assert group.paths == {"": tmp_path / "compare-sbx-1-6"} and not (tmp_path / "grader" / "compare-sbx-1-6").exists()


def _v1_mounts(root: Path, controllers=("memory", "pids", "cpu", "cpuacct")) -> dict[str, Path]:
    mounts = {}
    for c in controllers:
        (root / c).mkdir(parents=True)
        (root / c / "cgroup.procs").write_text("")
        mounts[c] = root / c
    return mounts


def test_v1_one_group_in_each_hierarchy(tmp_path, fake):
    mounts = _v1_mounts(tmp_path)
    group = ControlGroup._v1(mounts, {"memory": "/not-here"}, "compare-sbx-1-20", 700, 19, 0.5)
    assert group.version == 1 and group.paths == {c: tmp_path / c / "compare-sbx-1-20" for c in mounts}
    read = {f: (p / f).read_text() for p in group.paths.values() for f in os.listdir(p) if f != "cgroup.procs"}
    assert read == {"memory.limit_in_bytes": str(MB700), "memory.memsw.limit_in_bytes": str(MB700),
                    "pids.max": "19", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "50000",
                    "memory.swap.max": "", "cpu.max": ""}


def test_v1_in_the_graders_own_group_else_at_the_root(tmp_path, fake):
    mounts = _v1_mounts(tmp_path, ("memory", "pids", "cpu"))
    for c in ("memory", "pids"):
        (tmp_path / c / "grader").mkdir()
        (tmp_path / c / "grader" / "cgroup.procs").write_text("")
    (tmp_path / "pids" / "grader" / "compare-sbx-1-30").mkdir()        # taken there: made at the root instead
    group = ControlGroup._v1(mounts, {"memory": "/grader", "pids": "/grader"}, "compare-sbx-1-30", 1, 2, 1.0)
    assert group.paths == {"memory": tmp_path / "memory" / "grader" / "compare-sbx-1-30",
                           "pids": tmp_path / "pids" / "compare-sbx-1-30", "cpu": tmp_path / "cpu" / "compare-sbx-1-30"}
    assert not (tmp_path / "memory" / "compare-sbx-1-30").exists()
    assert (group.paths["cpu"] / "cpu.cfs_quota_us").read_text() == "100000"


def test_v1_a_limit_that_cannot_be_written_leaves_nothing(tmp_path, fake, monkeypatch):
    mounts = _v1_mounts(tmp_path)
    real = cgroups._write

    def write(path, text):
        if Path(path).name == "pids.max":
            raise PermissionError(13, "Permission denied")
        real(path, text)
    monkeypatch.setattr(cgroups, "_write", write)
    assert ControlGroup._v1(mounts, {}, "compare-sbx-1-31", 1, 2, 1.0) is None
    assert not any((tmp_path / c / "compare-sbx-1-31").exists() for c in mounts)


def test_v1_without_swap_accounting_or_a_cpu_hierarchy(tmp_path, fake, monkeypatch):
    mounts = _v1_mounts(tmp_path, ("memory", "pids", "cpuacct"))
    real = cgroups._write

    def write(path, text):
        if Path(path).name == "memory.memsw.limit_in_bytes":
            raise FileNotFoundError(2, "No such file or directory")    # swap not accounted: no such file
        real(path, text)
    monkeypatch.setattr(cgroups, "_write", write)
    group = ControlGroup._v1(mounts, {}, "compare-sbx-1-32", 5, 2, 1.0)
    assert set(group.paths) == {"memory", "pids", "cpuacct"}
    assert (group.paths["memory"] / "memory.limit_in_bytes").read_text() == str(5 * 1024 * 1024)


def test_v1_without_memory_or_pids_is_none(tmp_path, fake):
    mounts = _v1_mounts(tmp_path, ("memory", "cpu"))
    assert ControlGroup._v1(mounts, {}, "compare-sbx-1-21", 700, 19, 1.0) is None
    assert not (tmp_path / "memory" / "compare-sbx-1-21").exists()
    assert not (tmp_path / "cpu" / "compare-sbx-1-21").exists()
    only = _v1_mounts(tmp_path / "b", ("memory", "pids"))
    group = ControlGroup._v1(only, {}, "compare-sbx-1-22", 1, 2, 1.0)
    assert set(group.paths) == {"memory", "pids"}
    assert (tmp_path / "b" / "memory" / "compare-sbx-1-22" / "memory.limit_in_bytes").read_text() == "1048576"


def test_create_picks_v1_where_it_has_memory_and_pids_else_v2(tmp_path, fake, monkeypatch):
    monkeypatch.setattr(cgroups.os, "geteuid", lambda: 0)
    v1 = _v1_mounts(tmp_path / "v1")
    _v2_parent(tmp_path / "v2", "memory pids")
    monkeypatch.setattr(cgroups, "_own", lambda: {"": ""})
    monkeypatch.setattr(cgroups, "_hierarchies", lambda: (tmp_path / "v2", v1))
    group = ControlGroup.create(3, 4, 1.0)
    assert group.version == 1 and set(group.paths) == set(v1)
    name = group.paths["pids"].name
    assert name.startswith(f"compare-sbx-{os.getpid()}-")
    assert (group.paths["pids"] / "pids.max").read_text() == "4"
    monkeypatch.setattr(cgroups, "_hierarchies", lambda: (tmp_path / "v2", {"memory": v1["memory"]}))
    group = ControlGroup.create(3, 4, 1.0)
    assert group.version == 2 and (group.paths[""] / "memory.max").read_text() == "3145728"
    assert int(group.paths[""].name.rsplit("-", 1)[1]) == int(name.rsplit("-", 1)[1]) + 1   # a new name each time
    monkeypatch.setattr(cgroups, "_hierarchies", lambda: (None, {"memory": v1["memory"]}))
    assert ControlGroup.create(3, 4, 1.0) is None
    monkeypatch.setattr(cgroups.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(cgroups, "_hierarchies", lambda: (tmp_path / "v2", v1))
    assert ControlGroup.create(3, 4, 1.0) is None


def _group(tmp_path, version, files):
    for key, texts in files.items():
        (tmp_path / key).mkdir(exist_ok=True)
        for name, text in texts.items():
            (tmp_path / key / name).write_text(text)
    paths = {k if version == 1 else "": tmp_path / k for k in files}
    return ControlGroup(paths, version)


def test_cpu_seconds_read_back(tmp_path):
    assert _group(tmp_path, 2, {"a": {"cpu.stat": "nr_periods 4\nusage_usec 2500000\nuser_usec 2000000\n"}}
                  ).cpu_seconds() == 2.5
    assert _group(tmp_path, 2, {"b": {"cpu.stat": "user_usec 2000000\n"}}).cpu_seconds() is None
    assert _group(tmp_path, 2, {"c": {}}).cpu_seconds() is None
    assert _group(tmp_path, 2, {"d": {"cpu.stat": "usage_usec many\n"}}).cpu_seconds() is None
    assert _group(tmp_path, 1, {"cpuacct": {"cpuacct.usage": "1500000000\n"}}).cpu_seconds() == 1.5
    (tmp_path / "x").mkdir()
    assert _group(tmp_path / "x", 1, {"memory": {}}).cpu_seconds() is None


def test_out_of_memory_read_back(tmp_path):
    events = "low 0\nhigh 0\nmax 7\noom 2\noom_kill {}\n"
    assert _group(tmp_path, 2, {"a": {"memory.events": events.format(1)}}).out_of_memory() is True
    assert _group(tmp_path, 2, {"b": {"memory.events": events.format(0)}}).out_of_memory() is False
    assert _group(tmp_path, 2, {"c": {"memory.events": "oom_kill 3 extra\noom 1\n"}}).out_of_memory() is False
    assert _group(tmp_path, 2, {"d": {}}).out_of_memory() is False
    v1 = {"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", "memory.failcnt": "0"}
    (tmp_path / "e").mkdir()
    assert _group(tmp_path / "e", 1, {"memory": v1}).out_of_memory() is True
    old = {"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\n", "memory.failcnt": "{}"}
    for fails, expected in (("1", True), ("0", False)):
        where = tmp_path / f"f{fails}"
        where.mkdir()
        assert _group(where, 1, {"memory": {k: v.format(fails) for k, v in old.items()}}).out_of_memory() is expected


def test_a_real_group_holds_the_limits_written():
    group = ControlGroup.create(700, 19, 0.5)
    if group is None:
        pytest.skip("no control group can be made here (not root, or no memory and pids controllers)")
    try:
        if group.version == 2:
            assert (group.paths[""] / "memory.max").read_text().strip() == str(MB700)
            assert (group.paths[""] / "pids.max").read_text().strip() == "19"
        else:
            assert (group.paths["memory"] / "memory.limit_in_bytes").read_text().strip() == str(MB700)
            assert (group.paths["pids"] / "pids.max").read_text().strip() == "19"
        assert group.cpu_seconds() in (0.0, None) and group.out_of_memory() is False
    finally:
        group.close()
    assert group.paths == {}
