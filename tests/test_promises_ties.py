"""Ties (docs/layers.md): the designed inputs have one case per layer that pins torch's rule at a tie (relu at
exactly 0: gradient 0). Numbers that follow another rule the check can name (`x >= 0`) leave the layer OK with
a note saying so; any other difference there is a disagreement, counted element by element: here, by hand,
the zeros of the recorded input, where a backward passing half the gradient differs from torch's 0.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RELU = '''
import numpy as np

def relu_forward(x):
    return np.maximum(x, 0), x

def relu_backward(dout, cache):
    return dout * {rule}
'''


def check(tmp_path: Path, rule: str) -> tuple[int, dict]:
    path = tmp_path / "relu.py"
    path.write_text(RELU.format(rule=rule))
    run = subprocess.run([sys.executable, "-m", "compare", "check", str(path), "--json"], capture_output=True,
                         text=True, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=120)
    (layer,) = json.loads(run.stdout)["layers"]
    return run.returncode, layer


def test_torchs_rule_passes_without_a_note(tmp_path):
    code, layer = check(tmp_path, "(cache > 0)")
    assert code == 0 and layer["status"] == "ok" and layer["notes"] == []


def test_another_named_rule_at_ties_is_a_note_not_a_disagreement(tmp_path):
    code, layer = check(tmp_path, "(cache >= 0)")
    assert code == 0 and layer["status"] == "ok" and all(g["ok"] for g in layer["gradients"])
    assert layer["notes"] == ["relu_backward: dx at ties (case \"zeros (torch's rule)\"): at x == 0 yours passes "
                              "the gradient (x >= 0); torch's relu gradient is 0 there (x > 0)"]


def test_any_other_difference_at_ties_is_a_disagreement_counted_at_each_zero(tmp_path):
    code, layer = check(tmp_path, "np.where(cache == 0, 0.5, cache > 0)")
    assert code == 1 and layer["status"] == "failed"
    failure = layer["failure"]
    assert (failure["function"], failure["item"], failure["case"]) == ("relu_backward", "dx", "zeros (torch's rule)")
    d = np.load(ROOT / "compare" / "layers" / "data" / "relu.npz")
    case = next(k.split("/")[0] for k in d.files if k.endswith("/in/x") and (d[k] == 0).any())
    x, dout = d[f"{case}/in/x"], d[f"{case}/up/dout"]
    zeros = int((x == 0).sum())
    assert 0 < zeros < x.size
    assert f"{zeros} of {x.size} elements outside" in failure["message"]
    index = tuple(int(i) for i in re.fullmatch(r"dx\[([\d, ]+)\]", failure["index"]).group(1).split(", "))
    assert x[index] == 0 and failure["torch"] == 0
    assert failure["yours"] == 0.5 * dout[index]
    assert failure["hints"] == [] and layer["notes"] == []
