"""The layer check's recordings and its table: recorded again with torch, they agree with the shipped files
within the documented bound; every mistake of the table can be recognised; docs/layers.md shows the table."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from compare.layers.recorded import DATA, RECORD_BOUND, load_cases
from compare.layers.table import LAYERS

ROOT = Path(__file__).resolve().parents[1]
HAVE_TORCH = importlib.util.find_spec("torch") is not None


@pytest.mark.skipif(not HAVE_TORCH, reason="torch not installed")
@pytest.mark.parametrize("name", list(LAYERS))
def test_a_new_recording_agrees_with_the_shipped_one(name):
    from compare.layers.record.__main__ import differences, record_layer
    with np.load(DATA / f"{name}.npz", allow_pickle=False) as f:
        shipped = dict(f)
    assert differences(record_layer(name), shipped) == []
    assert RECORD_BOUND == 1e-12       # the bound docs/layers.md states


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_recorded_mistake_has_numbers_that_differ_from_torchs(name):
    layer = LAYERS[name]
    cases = load_cases(layer)
    for m in layer.mistakes:
        if m.kind != "recorded":
            continue
        alts = [c.alts.get(m.id, {}) for c in cases]
        assert any(alts), f"{name}: mistake {m.id} recorded in no case"
        for rec in cases:
            for item, alt in rec.alts.get(m.id, {}).items():
                ref = rec.ref[item]
                assert alt.shape != ref.shape or not np.allclose(alt, ref, rtol=1e-6, atol=1e-9), (name, m.id, item)


def test_the_designed_inputs_keep_their_promises():
    """No square weight hiding a transpose where the table says so, several time steps, a mask with zeros,
    repeated embedding indices, stride > 1 and pad > 0."""
    conv = load_cases(LAYERS["conv"])[0]
    assert LAYERS["conv"].cases[0].params["conv_param"] == {"stride": 2, "pad": 1}
    assert conv.inputs["w"].shape[2] != conv.inputs["w"].shape[3]
    emb = load_cases(LAYERS["word_embedding"])[0].inputs["x"]
    assert len(np.unique(emb)) < emb.size
    mask = load_cases(LAYERS["temporal_softmax_loss"])[0].inputs["mask"]
    assert (~mask).any() and mask.any()
    rnn = load_cases(LAYERS["rnn"])[0].inputs
    assert rnn["x"].shape[1] > 1 and np.abs(rnn["h0"]).min() > 0
    affine = load_cases(LAYERS["affine"])[0].inputs
    assert affine["w"].shape[0] != affine["w"].shape[1] and affine["x"].ndim > 2
    pool = load_cases(LAYERS["max_pool"])[0]
    windows_overlap = LAYERS["max_pool"].cases[0].params["pool_param"]
    assert windows_overlap["stride"] < windows_overlap["pool_width"]
    assert (pool.ref["dx"] != 0).sum() < pool.upstream["dout"].size     # a maximum shared by two windows


def test_the_docs_show_the_table():
    from compare.layers.markdown import tables
    text = (ROOT / "docs" / "layers.md").read_text()
    assert text.endswith(tables()), "docs/layers.md: regenerate its table section (compare.layers.markdown)"
    for layer in LAYERS.values():
        assert layer.forward_signature() in text
