"""Dropout's keep-mask (docs/layers.md): "about `p` of the units kept, within six binomial standard deviations,
each kept unit `x / p`". A deterministic mask keeping the first round((p + c sigma) n) units, sigma =
sqrt(p (1 - p) / n), passes at c = 5 and is refused at c = 7 (and -7), naming the fraction it kept; the
check takes p and the mode from the call, as cs231n's `dropout_param` gives them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DROPOUT = '''
import math
import numpy as np

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    n = x.size
    k = min(n, max(0, int(round((p + {c} * math.sqrt(p * (1 - p) / n)) * n))))
    keep = np.zeros(n)
    keep[:k] = 1
    mask = keep.reshape(x.shape) / p
    if mode == "train":
        return x * mask, (dropout_param, mask)
    return x, (dropout_param, mask)

def dropout_backward(dout, cache):
    dropout_param, mask = cache
    return dout * mask if dropout_param["mode"] == "train" else dout
'''


@pytest.mark.parametrize("c, ok", [(0, True), (5, True), (-5, True), (7, False), (-7, False)])
def test_the_kept_fraction_within_six_standard_deviations(tmp_path, c, ok):
    path = tmp_path / "dropout.py"
    path.write_text(DROPOUT.format(c=c))
    run = subprocess.run([sys.executable, "-m", "compare", "check", str(path), "--json"], capture_output=True,
                         text=True, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=120)
    (layer,) = json.loads(run.stdout)["layers"]
    if ok:
        assert run.returncode == 0 and layer["status"] == "ok", run.stderr
        return
    assert run.returncode == 1 and layer["status"] == "failed", run.stderr
    failure = layer["failure"]
    assert (failure["function"], failure["item"]) == ("dropout_forward", "out")
    assert " out keeps " in failure["message"] and "+-" in failure["message"]
    assert failure["hints"] == []            # neither p nor 1 - p: no convention to name
