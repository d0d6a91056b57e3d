"""Without torch: what needs no torch works (numpy_impl, check --against a recording, gradcheck), and every
command that needs it exits 2 with one line saying how to install it, printing and writing nothing.

torch is blocked in a child process (`sys.modules["torch"] = None`: every `import torch` then fails exactly
as on a machine without it); the commands run there one after another through their `main(argv)`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compare.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "examples" / "backprop_solution.py"

CHILD = r"""
import contextlib, io, json, sys
sys.modules["torch"] = None
from compare.cli.main import main as compare_main
from numpy_impl.__main__ import main as numpy_main
from torch_impl.__main__ import main as torch_main
mains = {"compare": compare_main, "numpy_impl": numpy_main, "torch_impl": torch_main}
results = []
for command, argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = mains[command](argv)
    results.append([code, out.getvalue(), err.getvalue(), "torch" in sys.modules and sys.modules["torch"] is not None])
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def trace(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("trace") / "exercise3.npz"
    assert cli.main(["record", "exercise3", "--mode", "minibatch", "--epochs", "3", "--out", str(path),
                     "--quiet"]) == 0
    return path


def without_torch(commands: list[tuple[str, list[str]]], cwd: Path) -> list[tuple[int, str, str, bool]]:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(commands)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return [tuple(r) for r in json.loads(done.stdout)]


def test_what_needs_no_torch_works_without_it(trace, tmp_path):
    commands = [
        ("numpy_impl", ["hiring", "--epochs", "50", "--json"]),
        ("compare", ["check", str(SOLUTION), "--against", str(trace)]),
        ("compare", ["gradcheck", "exercise3", "--epochs", "3", "--quiet"]),
        ("compare", ["gradcheck", "exercise3", "--epochs", "3", "--backward", str(SOLUTION), "--quiet"]),
        ("compare", ["presets"]),
    ]
    results = without_torch(commands, tmp_path)
    for (command, argv), (code, _, err, imported) in zip(commands, results):
        assert code == 0, (command, argv, err)
        assert not imported
    run = json.loads(results[0][1])
    assert run["loss_log"][0] == [0, 0.11673740506651809]        # the seed's first loss line
    assert run["environment"]["torch"] is None
    assert "check OK" in results[1][1]


@pytest.mark.parametrize("command, argv", [
    ("compare", ["hiring", "--epochs", "5"]),
    ("compare", ["exercise3", "--mode", "all", "--epochs", "5", "--json", "--jobs", "2"]),
    ("torch_impl", ["hiring", "--epochs", "5"]),
    ("compare", ["check", str(SOLUTION), "hiring", "--epochs", "5"]),
    ("compare", ["record", "hiring", "--epochs", "5", "--out", "trace.npz"]),
    ("compare", ["explain", "hiring", "--epochs", "5"]),
    ("compare", ["report", "--epochs", "5", "--seeds", "1", "--out", "report"]),
], ids=["compare", "mode-all-jobs", "torch_impl", "check-live", "record", "explain", "report"])
def test_what_needs_torch_says_how_to_install_it(command, argv, tmp_path):
    ((code, out, err, _),) = without_torch([(command, argv)], tmp_path)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: this command needs PyTorch") and "pip install torch" in err
    assert list(tmp_path.iterdir()) == []                        # nothing written
