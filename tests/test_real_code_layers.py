"""Real cs231n layer files (assignments 1-3, 2017-2025, 15 authors not in the earlier audit), as recipes written
by us (tests/real_code/layers_*.py, and the zoo files made from a real finding; each header names its
repository, path, commit and licence): the layer check's verdict, function, item and hints for each, and for
wrong variants of the right ones. The oracle is torch's autograd (the shipped recordings); each expectation was
derived by hand from the real code and is what the real file got."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from compare.layers.run import check_file

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "real_code"
ZOO = ROOT / "tests" / "layers_zoo"

# file: {layer: (status, function, item, words in its hints or notes)}
VERDICTS = {
    REAL / "layers_maxpool_split_ties.py": {
        "max_pool": ("ok", "", "", ["tied maxima share the gradient equally"])},
    REAL / "layers_groupnorm_gamma_indexed.py": {
        "spatial_groupnorm": ("error", "spatial_groupnorm_forward", "out",
                              ["3 extra leading axes of size 1", "broadcasting"])},
    REAL / "layers_dropout_2017_unscaled.py": {
        "dropout": ("failed", "dropout_forward", "out", ["keeps about 1 - p", "not scaled by 1/p",
                                                         "in test mode dropout is the identity"])},
    REAL / "layers_batchnorm_alt_dx_none.py": {
        "batchnorm": ("ok", "", "", []),
        "batchnorm_alt": ("error", "batchnorm_backward_alt", "dx", ["never assigned? the template starts with dx"])},
    REAL / "layers_conv_nonsquare_kernel.py": {
        "conv": ("error", "conv_forward_naive", "", ["raised IndexError", "stride 2, pad 1"])},
    REAL / "layers_lstm.py": {"lstm_step": ("ok", "", "", [])},
    REAL / "layers_rnn_loops.py": {
        "rnn_step": ("ok", "", "", []), "rnn": ("ok", "", "", []), "word_embedding": ("ok", "", "", [])},
    # zoo files made from a real finding (their headers name the solution)
    ZOO / "spatial_batchnorm_count_batch.py": {
        "spatial_batchnorm": ("failed", "spatial_batchnorm_backward", "dx", ["divide by N (the batch)"])},
    ZOO / "batchnorm_running_var_eps.py": {
        "batchnorm": ("failed", "batchnorm_forward", "running_var", ["running_var updated with var + eps"])},
    ZOO / "batchnorm_test_eps_outside_sqrt.py": {
        "batchnorm": ("failed", "batchnorm_forward", "out", ["in test mode eps is added outside the square root"])},
    ZOO / "groupnorm_per_channel.py": {
        "spatial_groupnorm": ("failed", "spatial_groupnorm_forward", "out", ["instance norm"])},
    ZOO / "layernorm_variance_term_uncentred.py": {
        "layernorm": ("failed", "layernorm_backward", "dx", ["x - mean belongs"])},
    ZOO / "groupnorm_per_pixel.py": {
        "spatial_groupnorm": ("failed", "spatial_groupnorm_forward", "out", ["each pixel normalised over its group"])},
}
# wrong variants of the right recipes, each a classic mistake: (file, old, new, layer, function, item, words)
VARIANTS = {
    "rnn_no_next_step": ("layers_rnn_loops.py", "dprev_h += dh[:, i, :]", "dprev_h = dh[:, i, :]", "rnn",
                         "rnn_backward", "dx", "the next step's gradient is missing"),
    "embedding_overwritten": ("layers_rnn_loops.py", "dW[x[n, t], :] += dout", "dW[x[n, t], :] = dout",
                              "word_embedding", "word_embedding_backward", "dW", "overwritten where an index repeats"),
    "conv_pad_not_cropped": ("layers_conv_nonsquare_kernel.py",
                             "return dx_pad[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]", "return dx_pad",
                             "conv", "conv_backward_naive", "dx", "dx still has the padding"),
    "lstm_gates_i_f_swapped": ("layers_lstm.py", "i, f, o, g = (a[:, k * H:(k + 1) * H] for k in range(4))",
                               "f, i, o, g = (a[:, k * H:(k + 1) * H] for k in range(4))", "lstm_step",
                               "lstm_step_forward", "next_h", "read from a's blocks in another order"),
    "maxpool_whole_window": ("layers_maxpool_split_ties.py", "mask[window[c] == np.max(window[c])] = 1",
                             "mask[...] = 1", "max_pool", "max_pool_backward_naive", "dx",
                             "spreads dout evenly over the window"),
}


def run(path: Path) -> dict:
    with contextlib.redirect_stdout(io.StringIO()):
        return {r.layer: r for r in check_file(path)}


@pytest.mark.parametrize("path", sorted(VERDICTS), ids=lambda p: p.stem)
def test_real_layer_files_get_the_verdicts_the_derivation_gives(path):
    results = run(path)
    assert set(results) == set(VERDICTS[path])
    for layer, (status, function, item, words) in VERDICTS[path].items():
        r = results[layer]
        assert r.status == status, (layer, r.failure and r.failure.message)
        said = " | ".join([*(r.failure.hints if r.failure else ()), *(r.notes or ()),
                           r.failure.message if r.failure else ""])
        if status != "ok":
            assert r.failure.function == function and (not item or r.failure.item == item), r.failure.message
        for word in words:
            assert word in said, said


def test_the_conv_recipe_is_right_but_for_its_one_letter(tmp_path):
    text = (REAL / "layers_conv_nonsquare_kernel.py").read_text()
    assert "(W + 2 * pad - HH)" in text
    path = tmp_path / "conv_fixed.py"
    path.write_text(text.replace("(W + 2 * pad - HH)", "(W + 2 * pad - WW)"))
    assert run(path)["conv"].status == "ok"


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_a_classic_mistake_in_a_real_style_is_named(name, tmp_path):
    source, old, new, layer, function, item, words = VARIANTS[name]
    text = (REAL / source).read_text().replace("(W + 2 * pad - HH)", "(W + 2 * pad - WW)")   # conv: fixed first
    assert old in text
    path = tmp_path / f"{name}.py"
    path.write_text(text.replace(old, new, 1))
    r = run(path)[layer]
    assert r.status in ("failed", "error") and (r.failure.function, r.failure.item) == (function, item), r.failure
    assert any(words in h for h in r.failure.hints), r.failure.hints
