"""The layer check's tolerance (docs/layers.md: "element by element, float64, at the suite's tolerance";
docs/check-interface.md: atol 1e-12, rtol 1e-9 in float64): `db` off by a relative 1e-10 of itself (ten
times inside rtol) passes; off by 1e-8 (ten times outside) fails at db, every element of it outside, with no
hint (no mistake computes that) and `max_rel_diff` 1e-8 to rounding.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AFFINE = '''
def affine_forward(x, w, b):
    return x.reshape(len(x), -1) @ w + b, (x, w, b)

def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.sum(0) * {factor!r}
'''


@pytest.mark.parametrize("relative, ok", [(1e-10, True), (1e-8, False)])
def test_a_relative_error_inside_and_outside_rtol(tmp_path, relative, ok):
    path = tmp_path / "affine.py"
    path.write_text(AFFINE.format(factor=1 + relative))
    run = subprocess.run([sys.executable, "-m", "compare", "check", str(path), "--json"], capture_output=True,
                         text=True, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=120)
    (layer,) = json.loads(run.stdout)["layers"]
    db = next(g for g in layer["gradients"] if g["name"] == "db")
    assert db["max_rel_diff"] == pytest.approx(relative, rel=1e-3)
    if ok:
        assert run.returncode == 0 and layer["status"] == "ok" and db["ok"] is True, run.stderr
        return
    assert run.returncode == 1 and layer["status"] == "failed" and db["ok"] is False
    failure = layer["failure"]
    assert (failure["item"], failure["hints"]) == ("db", [])
    assert "5 of 5 elements outside" in failure["message"]
