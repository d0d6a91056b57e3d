"""`python -m tools.mutation`: bad input and a missing tool are one line and exit 2; `--list` names every
module with its tests, each test file present."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HIDE_COSMIC_RAY = ("import runpy, sys; sys.modules['cosmic_ray'] = None; sys.argv = ['tools.mutation', "
                   "'compare/exits.py']; runpy.run_module('tools.mutation', run_name='__main__')")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_without_cosmic_ray_one_line_names_the_install_command_and_exit_2():
    result = _run("-c", HIDE_COSMIC_RAY)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "mutation testing needs cosmic-ray, which is not installed: pip install -r requirements-dev.txt"]
    assert "cosmic-ray==" in (ROOT / "requirements-dev.txt").read_text()


def test_an_unknown_module_is_one_line_and_exit_2():
    result = _run("-m", "tools.mutation", "compare/nothing.py")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "unknown module 'compare/nothing.py'" in result.stderr


def test_the_list_names_existing_modules_and_tests():
    result = _run("-m", "tools.mutation", "--list")
    assert result.returncode == 0
    for line in result.stdout.splitlines():
        module, tests = line.split(": ")
        assert (ROOT / module).is_file(), module
        for test in tests.split():
            assert (ROOT / test).is_file(), test
