"""The sandbox's policy as data (compare/sandbox/policy.py): the limits it carries (memory in MB and processes as
given, one core, a 64 MB /tmp), what is mounted read-only and what is hidden (every site-packages or
dist-packages folder under a mounted folder, ten levels deep; none inside another hidden one), checked on small
trees made here and on this machine's own folders, each expectation worked out by hand.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig

import pytest

from compare.sandbox import policy


def test_under_is_the_folder_itself_or_below_it():
    assert policy._under("/usr", "/usr") and policy._under("/usr/lib/x", "/usr")
    assert policy._under("/usr/lib", "/usr/") and policy._under("/x", "/")
    assert not policy._under("/usrx", "/usr") and not policy._under("/us", "/usr")
    assert not policy._under("/usr", "/usr/lib")


def _tree(root, *paths):
    for p in paths:
        os.makedirs(os.path.join(root, p), exist_ok=True)


def test_package_folders_are_found_to_a_depth_and_not_inside_each_other(tmp_path):
    top = str(tmp_path)
    _tree(top, "a/site-packages/inner/site-packages", "b/dist-packages", "c/d/site-packages", "e/sitepackages")
    found = sorted(policy._other_site_folders([top], depth=2))
    assert found == sorted([f"{top}/a/site-packages", f"{top}/b/dist-packages"])   # c/d is two levels down
    assert sorted(policy._other_site_folders([top], depth=3)) == sorted(
        [f"{top}/a/site-packages", f"{top}/b/dist-packages", f"{top}/c/d/site-packages"])


def test_ten_levels_deep_by_default(tmp_path):
    top = str(tmp_path)
    nine = "/".join(str(i) for i in range(1, 10))         # a folder nine levels below top
    ten = nine + "/10"
    _tree(top, nine + "/site-packages", ten + "/dist-packages")
    assert policy._other_site_folders([top]) == [f"{top}/{nine}/site-packages"]


def test_the_folders_packages_come_from(tmp_path, monkeypatch):
    mine, gone = tmp_path / "mine", tmp_path / "gone"
    mine.mkdir()
    stdlib = sysconfig.get_paths()["stdlib"]
    monkeypatch.setattr(sys, "path", ["", str(mine), str(gone), stdlib, os.path.join(stdlib, "json")])
    found = policy._site_folders()
    assert str(mine.resolve()) in found and str(gone) not in found
    real = os.path.realpath(stdlib)
    assert real not in found and os.path.join(real, "json") not in found   # sys.path entries in the stdlib
    expected = {os.path.realpath(f) for f in site.getsitepackages([sys.prefix, sys.base_prefix])
                if os.path.isdir(f)}
    assert expected <= set(found) and found == sorted(found)
    assert "" not in found and os.path.realpath("") not in found        # the current folder is not a site


def test_the_interpreter_is_the_base_one_even_where_a_venv_copied_it(tmp_path, monkeypatch):
    base, copy = tmp_path / "base_python", tmp_path / "venv_python"
    base.write_text("")
    copy.write_text("")
    monkeypatch.setattr(sys, "_base_executable", str(base), raising=False)
    monkeypatch.setattr(sys, "executable", str(copy))
    assert policy.interpreter() == str(base.resolve())
    monkeypatch.setattr(sys, "_base_executable", None)
    assert policy.interpreter() == str(copy.resolve())


def test_the_interpreter_is_the_real_one_behind_a_venv():
    assert policy.interpreter() == os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    assert os.path.isfile(policy.interpreter()) and not os.path.islink(policy.interpreter())


@pytest.fixture(scope="module")
def built():
    return policy.build.__wrapped__(("numpy",), 700, 5)


def test_the_limits_it_carries(built):
    assert (built.memory_mb, built.processes, built.cores, built.work_mb) == (700, 5, 1.0, 64)
    assert built.network is False and built.site == "/sandbox/site" and built.work == "/tmp"
    assert set(built.namespaces) == {"pid", "mount", "net", "ipc", "uts", "cgroup"}
    assert built.allowed == ("numpy",) and built.visible_modules == ("numpy",)     # numpy.libs is numpy's too
    assert policy.build(("numpy",), 700, 5) is policy.build(("numpy",), 700, 5)


def test_the_system_folders_are_mounted_or_linked_as_the_host_has_them(built):
    for folder in ("/usr", "/lib", "/lib64", "/bin", "/sbin"):
        if os.path.islink(folder):
            assert (os.readlink(folder), folder) in built.symlinks and (folder, folder) not in built.readonly
        elif os.path.isdir(folder):
            assert (folder, folder) in built.readonly
        else:
            assert all(folder not in pair for pair in built.readonly + built.symlinks)
    if os.path.isfile("/etc/ld.so.cache"):
        assert ("/etc/ld.so.cache", "/etc/ld.so.cache") in built.readonly
    hosts = [h for h, inside in built.readonly if h == inside]
    assert any(policy._under(os.path.realpath(sys.base_prefix), h) for h in hosts)
    assert any(policy._under(built.interpreter, h) for h in hosts) and built.interpreter == policy.interpreter()
    assert len([h for h in hosts if h == os.path.realpath(sys.base_prefix)]) <= 1
    if any(policy._under(built.interpreter, h) for h in hosts if h != built.interpreter):
        assert (built.interpreter, built.interpreter) not in built.readonly     # already inside a mount
    numpy_mounts = [(h, i) for h, i in built.readonly if i.startswith("/sandbox/site/")]
    assert ("/sandbox/site/numpy" in [i for _, i in numpy_mounts])
    import numpy
    assert (os.path.dirname(os.path.realpath(numpy.__file__)), "/sandbox/site/numpy") in numpy_mounts


def test_every_package_folder_under_a_mount_is_hidden_and_none_twice(built):
    hosts = [h for h, inside in built.readonly if h == inside]
    assert built.hidden and all(any(policy._under(f, h) for h in hosts) for f in built.hidden)
    assert not any(f != g and policy._under(f, g) for f in built.hidden for g in built.hidden)
    base_site = [os.path.realpath(f) for f in site.getsitepackages([sys.base_prefix]) if os.path.isdir(f)]
    for folder in base_site:                        # the base interpreter's own site-packages, under its prefix
        assert any(policy._under(folder, h) for h in built.hidden), folder
    for top in ("/usr/lib", "/usr/local/lib"):
        for here, dirs, _ in os.walk(top):
            if here.count(os.sep) - top.count(os.sep) >= 3:
                dirs[:] = []
            for d in dirs:
                if d in ("site-packages", "dist-packages"):
                    assert any(policy._under(os.path.join(here, d), h) for h in built.hidden), (here, d)


def test_our_own_packages_are_hidden_where_a_mounted_folder_holds_them(tmp_path, monkeypatch):
    system = tmp_path / "sys"
    repo = system / "repo"
    for name in ("compare/sandbox", "numpy_impl", "other"):
        (repo / name).mkdir(parents=True)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.setattr(policy, "SYSTEM", (str(system), str(tmp_path / "link"), str(tmp_path / "absent")))
    monkeypatch.setattr(policy, "__file__", str(repo / "compare" / "sandbox" / "policy.py"))
    got = policy.build.__wrapped__(("numpy",), 256, 2)
    assert (str(system), str(system)) in got.readonly
    assert (str(tmp_path / "real"), str(tmp_path / "link")) in got.symlinks
    assert str(repo / "compare") in got.hidden and str(repo / "numpy_impl") in got.hidden
    assert str(repo / "other") not in got.hidden and not any("torch_impl" in h for h in got.hidden)
