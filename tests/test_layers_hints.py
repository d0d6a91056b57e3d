"""Right or silent, mistake by mistake: numbers a mistake computes (recorded with torch, or made from torch's
by its transform) get that mistake's hint; torch's own numbers get none."""

from __future__ import annotations

import numpy as np
import pytest

from compare.layers.hints import hints_for
from compare.layers.recorded import load_cases
from compare.layers.table import LAYERS

TRANSFORMS = {
    "transpose": lambda ref, rec, m: ref.T,
    "reshape": lambda ref, rec, m: ref.reshape(ref.shape[0], -1) if ref.ndim > 2 else ref.reshape(-1),
    "flip": lambda ref, rec, m: ref[..., ::-1, ::-1],
    "factor": lambda ref, rec, m: rec.numbers[m.arg] * ref,
    "crop": lambda ref, rec, m: np.pad(ref, [(0, 0)] * (ref.ndim - 2) + [(int(rec.numbers["pad"]),) * 2] * 2,
                                       constant_values=0.5),
    "blocks": lambda ref, rec, m: np.concatenate(np.split(ref, 4, axis=-1)[:2] + np.split(ref, 4, axis=-1)[:1:-1],
                                                 axis=-1),
}


def _lstm_i_f_swapped(inputs):
    """An LSTM reading gate i from block 1 and f from block 0 (our own NumPy, as a student's), by output."""
    def step(x, h, c):
        a = x @ inputs["Wx"] + h @ inputs["Wh"] + inputs["b"]
        f, i, o, g = np.split(a, 4, axis=1)
        c = 1 / (1 + np.exp(-f)) * c + 1 / (1 + np.exp(-i)) * np.tanh(g)
        return 1 / (1 + np.exp(-o)) * np.tanh(c), c
    if "prev_c" in inputs:
        h, c = step(inputs["x"], inputs["prev_h"], inputs["prev_c"])
        return {"next_h": h, "next_c": c}
    h, c, hs = inputs["h0"], np.zeros_like(inputs["h0"]), []
    for t in range(inputs["x"].shape[1]):
        h, c = step(inputs["x"][:, t, :], h, c)
        hs.append(h)
    return {"h": np.stack(hs, axis=1)}


def examples():
    for layer in LAYERS.values():
        for m in layer.mistakes:
            if m.kind != "drawn":
                yield pytest.param(layer.name, m.id, id=f"{layer.name}-{m.id}")


@pytest.mark.parametrize("name, mistake", list(examples()))
def test_a_mistakes_numbers_get_its_hint(name, mistake):
    layer = LAYERS[name]
    m = layer.mistake(mistake)
    tried = 0
    for case, rec in zip(layer.cases, load_cases(layer)):
        if m.case and m.case != case.name:
            continue
        for item in m.items:
            ref = rec.ref.get(item)
            if ref is None:
                continue
            if m.kind == "recorded":
                yours = rec.alts.get(m.id, {}).get(item)
                if yours is None or not np.isfinite(yours).all():
                    continue
            elif (m.kind == "transpose" and ref.ndim != 2) or (m.kind == "crop" and not rec.numbers[m.arg]):
                continue                              # no transpose of a 3-D array, no crop of pad 0
            elif m.kind == "gates":
                yours = _lstm_i_f_swapped(rec.inputs)[item]
            else:
                yours = TRANSFORMS[m.kind](ref, rec, m)
            tried += 1
            assert m.hint in hints_for(layer, case, rec, item, yours), (case.name, item)
    assert tried or m.id == "overflow", f"{name}: no input shows {mistake}"


@pytest.mark.parametrize("name", list(LAYERS))
def test_torchs_own_numbers_get_no_hint(name):
    layer = LAYERS[name]
    for case, rec in zip(layer.cases, load_cases(layer)):
        for item, ref in rec.ref.items():
            assert hints_for(layer, case, rec, item, ref.copy()) == [], (case.name, item)
