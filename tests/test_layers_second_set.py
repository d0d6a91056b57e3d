"""A second, independently written set of layer files, judged by hand before the check was run on them:
the three right styles split as students split them (tests/layers_styles/ta_namedtuple_caches.py,
cnn_as_strided.py, rnn_step_lists.py) together check all 19 layers without torch; and the files of
tests/layers_own/second_set/, whose verdicts the zoo's format cannot hold (right numbers with a problem, a
raise, a wrong count, right files that look wrong), get the verdicts written here."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from compare.layers.run import check_file, exit_status

ROOT = Path(__file__).resolve().parents[1]
STYLES = [ROOT / "tests" / "layers_styles" / f"{name}.py"
          for name in ("ta_namedtuple_caches", "cnn_as_strided", "rnn_step_lists")]
SECOND = ROOT / "tests" / "layers_own" / "second_set"

# file: {layer: (status, function, item, words the message holds, words a hint holds or "" for no hint)}
VERDICTS = {
    "edge_right": {  # relu zeroing dout in place, dropout through binomial, -log(probs[range(N), y]), svm loops
        "relu": ("ok",), "dropout": ("ok",), "softmax_loss": ("ok",), "svm_loss": ("ok",),
        "spatial_groupnorm": ("not checked", "", "", "defines spatial_groupnorm_forward but no "
                              "spatial_groupnorm_backward", "")},
    "dropout_reseeds": {"dropout": ("ok",)},      # the same mask drawn again from the same seed
    "lstm_step_backward_five_items": {
        "lstm_step": ("error", "lstm_step_backward", "dx",
                      "returned 5 items; expected 6: (dx, dprev_h, dprev_c, dWx, dWh, db)", "")},
    "layernorm_backward_edits_cache": {
        "layernorm": ("error", "layernorm_backward", "cache", "changed cache['x_hat'] in place", "")},
    "max_pool_divmod_height": {   # the row index runs past the image: the user's own IndexError
        "max_pool": ("error", "max_pool_backward_naive", "", "raised IndexError", "")},
}


def run(path: Path):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return check_file(path)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_each_file_gets_the_verdict_decided_by_hand(name):
    results = {r.layer: r for r in run(SECOND / f"{name}.py")}
    assert set(results) == set(VERDICTS[name]), sorted(results)
    for layer, (status, *expected) in VERDICTS[name].items():
        r = results[layer]
        assert r.status == status, (layer, r.status, r.failure)
        if status == "ok":
            assert r.max_rel_diff < 1e-11, (layer, r.max_rel_diff)
            continue
        function, item, words, hint = expected
        assert (r.failure.function, r.failure.item) == (function, item), r.failure
        assert words in r.failure.message, r.failure.message
        assert all(hint in h for h in r.failure.hints) and bool(hint) == bool(r.failure.hints), r.failure.hints


def test_the_second_set_checks_every_layer_right():
    seen = []
    for path in STYLES:
        results = run(path)
        assert exit_status(results) == 0, [(r.layer, r.failure) for r in results if r.status != "ok"]
        seen += [r.layer for r in results]
    from compare.layers.table import LAYERS
    assert sorted(seen) == sorted(LAYERS)


def test_the_second_set_in_one_file_runs_in_about_a_second_with_torch_blocked(tmp_path):
    """`compare check` in a fresh process where `import torch` fails (as on a machine without it): all 19
    layers OK, exit 0. Measured here: 0.06 s for the check, 0.4 s for the whole command; the bound is
    generous for a loaded CI machine."""
    whole = tmp_path / "layers.py"
    whole.write_text("\n\n".join(p.read_text() for p in STYLES))
    code = ("import contextlib, io, json, sys, time; sys.modules['torch'] = None; t = time.monotonic(); "
            "from compare.cli.main import main; out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out): rc = main(['check', sys.argv[1], '--json'])\n"
            "print(json.dumps([rc, time.monotonic() - t, out.getvalue()]))")
    done = subprocess.run([sys.executable, "-c", code, str(whole)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    rc, seconds, report = json.loads(done.stdout.splitlines()[-1])
    layers = json.loads(report)["layers"]
    assert rc == 0 and len(layers) == 19 and {d["status"] for d in layers} == {"ok"}, done.stderr
    assert seconds < 10, seconds
