"""The hints added for the check suite: each one fires on exactly the mistake it names and stays silent on a
near miss (a factor 1.9 is not "2", a row scaled by 1.01 is not "row 2", a gradient of 1e-300 is not all
zeros); the last row and the last layer are named; the location hints never contradict each other."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from compare.diagnosis.alternatives import right_for_another_setting
from compare.diagnosis.conventions import l2_term
from compare.diagnosis.hints import Reference, Setting, factor_hints, formula_hints, layer_hints, zero_hint
from numpy_impl.network import backward, forward


def reference(B=3, sizes=(3, 5, 4, 2), hidden="sigmoid", output="sigmoid", loss="sum", seed=1):
    """A correct record of one update, from our NumPy network (itself checked against torch elsewhere)."""
    rng = np.random.default_rng(seed)
    W = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    b = [rng.normal(size=(1, n)) for n in sizes[1:]]
    X = rng.normal(size=(B, sizes[0]))
    T = rng.uniform(size=(B, sizes[-1]))
    acts = dict(hidden_activation=hidden, output_activation=output)
    Zs, A = forward(W, b, X, **acts)
    deltas: list = []
    dW, db = backward(W, Zs, A, T, loss=loss, deltas=deltas, **acts)
    dZ = [d / B for d in deltas]
    setting = Setting(batch_size=B, n_outputs=sizes[-1], loss=loss, hidden_activation=hidden, output_activation=output)
    return Reference(A, Zs, dZ, W, b, dW, db, T), setting


def test_a_factor_near_two_is_not_two():
    ref, s = reference()
    G = ref.dW[2]
    assert "MSE instead of MSE/2" in " ".join(factor_hints(2 * G, G, s, "dW3"))
    near = " ".join(factor_hints(1.9 * G, G, s, "dW3"))
    assert "MSE" not in near and "factor 2" not in near and "a constant factor missing or extra" in near
    assert factor_hints(1.9 * G, G, s, "dW3", generic=False) == []
    assert "batch size B = 3" in " ".join(factor_hints(3 * G, G, s, "dW3"))
    assert "batch size B = 3" not in " ".join(factor_hints(3.03 * G, G, s, "dW3"))


def test_the_bias_from_the_last_row_is_named_and_a_scaled_row_is_not():
    ref, s = reference(B=3)
    last = ref.dZ[2][2:3] * 3                                # row 2 (the last) of delta3, not divided by B
    assert any("row 2 of delta3" in h for h in formula_hints(2, "b", last, ref, s))
    assert not any("row" in h for h in formula_hints(2, "b", last * 1.01, ref, s))
    first_layer = ref.dZ[0][2:3] * 3                         # the last layer in backprop order: layer 1
    assert any("row 2 of delta1" in h for h in formula_hints(0, "b", first_layer, ref, s))


def test_dw_from_one_sample_first_and_last():
    ref, s = reference(B=3)
    A, dZ = ref.activations[2], ref.dZ[2]
    assert any("the first sample" in h for h in formula_hints(2, "W", A[:1].T @ dZ[:1] * 3, ref, s))
    assert any("the last sample" in h for h in formula_hints(2, "W", A[2:].T @ dZ[2:], ref, s))
    assert not any("sample of the batch" in h for h in formula_hints(2, "W", A[2:].T @ dZ[2:] * 1.5, ref, s))


def test_all_zeros_and_not_quite():
    G = np.ones((3, 2))
    assert "never computed" in zero_hint(np.zeros((3, 2)), G, "dW1")[0]
    tiny = np.zeros((3, 2))
    tiny[2, 1] = 1e-300
    assert zero_hint(tiny, G, "dW1") == []
    assert zero_hint(np.zeros((3, 2)), np.zeros((3, 2)), "dW1") == []


def _run(weight_decay=0.0, l2=0.0, l2_biases=False):
    from types import SimpleNamespace
    return SimpleNamespace(weight_decay=weight_decay, l2=l2, l2_biases=l2_biases)


def test_l2_term_and_near_misses():
    ref, s = reference()
    W, G = ref.weights[2], ref.dW[2]
    assert "+ 0.01 x W" in l2_term(G + 0.01 * W, G, W, _run(), "dW3", 1e-6)[0]
    assert "check it with --l2 0.01" in l2_term(G + 0.01 * W, G, W, _run(), "dW3", 1e-6)[0]
    assert "applied by the optimizer already" in l2_term(G + 0.1 * W, G, W, _run(0.1), "dW3", 1e-6)[0]
    assert l2_term(G - 0.01 * W, G, W, _run(), "dW3", 1e-6) == []            # a negative lambda is not L2
    noisy = G + 0.01 * W + 1e-3 * np.random.default_rng(0).normal(size=W.shape)
    assert l2_term(noisy, G, W, _run(), "dW3", 1e-6) == []


def test_l2_term_counted_twice_or_missing_where_the_loss_has_one():
    ref, s = reference()
    W, G = ref.weights[2], ref.dW[2]     # G: the gradient with the experiment's l2 = 0.1 in it
    assert "counted twice" in l2_term(G + 0.1 * W, G, W, _run(l2=0.1), "dW3", 1e-6)[0]
    assert "is missing" in l2_term(G - 0.1 * W, G, W, _run(l2=0.1), "dW3", 1e-6)[0]
    b = ref.biases[2]
    assert l2_term(ref.db[2] - 0.1 * b, ref.db[2], b, _run(l2=0.1), "db3", 1e-6) == []   # biases not penalised
    assert "x b" in l2_term(ref.db[2] - 0.1 * b, ref.db[2], b, _run(l2=0.1, l2_biases=True), "db3", 1e-6)[0]


@pytest.mark.parametrize("mistake, words", [
    (lambda T: np.broadcast_to(T.mean(axis=0, keepdims=True), T.shape), "MEAN target"),
    (lambda T: T.reshape(T.shape[1], T.shape[0]).T, "reshape where a transpose was meant"),
    (lambda T: T[:, ::-1], "columns are paired with the wrong targets"),
])
def test_wrong_targets_are_named_at_the_output_layer(mistake, words):
    ref, s = reference(B=3)
    Zs, A, W = ref.Zs, ref.activations, ref.weights
    dW, _ = backward(W, Zs, A, np.ascontiguousarray(mistake(ref.targets)))
    assert any(words in h for h in formula_hints(2, "W", dW[2], ref, s))
    assert not any(words in h for h in formula_hints(2, "W", dW[2] * 1.001, ref, s))


def test_error_summed_over_outputs_and_deltas_summed_over_the_batch():
    ref, s = reference(B=3)
    A, T = ref.activations, ref.targets
    fprime = A[3] * (1 - A[3])
    delta3 = (A[3] - T).sum(axis=1, keepdims=True) * fprime / 3
    assert any("summed over the 2 outputs" in h for h in formula_hints(2, "W", A[2].T @ delta3, ref, s))
    delta2 = (ref.dZ[2].sum(axis=0, keepdims=True) @ ref.weights[2].T) * A[2] * (1 - A[2])
    assert any("summed over the batch's samples" in h for h in formula_hints(1, "W", A[1].T @ delta2, ref, s))


def test_right_for_another_setting_names_it_and_only_an_exact_fit():
    ref, s = reference(hidden="tanh")
    sig_dW, sig_db = backward(ref.weights, ref.Zs, ref.activations, ref.targets, hidden_activation="sigmoid")
    found = right_for_another_setting(sig_dW, sig_db, ref, s)
    assert found and "right for hidden activation sigmoid; this experiment uses hidden activation tanh" in found[0]
    assert right_for_another_setting([g * 1.01 for g in sig_dW], sig_db, ref, s) == []
    assert right_for_another_setting(ref.dW, ref.db, ref, s) == []         # right for this setting: silent
    ref2, s2 = reference(loss="mean")
    sum_dW, sum_db = backward(ref2.weights, ref2.Zs, ref2.activations, ref2.targets, loss="sum")
    assert "right for loss \"sum\"" in right_for_another_setting(sum_dW, sum_db, ref2, s2)[0]


def test_location_hints_never_contradict_each_other():
    """Every set of wrong gradients of a 3-layer network: a delta called right is never called wrong, and a
    layer called the only wrong one never has others wrong."""
    params = [(l, p) for l in (3, 2, 1) for p in ("W", "b")]          # backprop order
    for n in range(1, len(params) + 1):
        for wrong in itertools.combinations(params, n):
            text = " | ".join(layer_hints(wrong[0], list(wrong), 3))
            for match in re.finditer(r"delta(\d) is right", text):
                assert f"wrong delta{match.group(1)}" not in text, (wrong, text)
            if "only layer" in text:
                assert "also wrong" not in text
            right_layers = {k for k in (1, 2, 3) if not any(l == k for l, _ in wrong)}
            if "a consequence of the wrong delta" in text:   # passed down only through wrong layers
                below = [l for l, _ in wrong if l < wrong[0][0]]
                assert not any(min(below) < k < wrong[0][0] for k in right_layers), (wrong, text)
