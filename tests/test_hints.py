"""compare.diagnosis.hints: the pattern recognition on its own, on arrays built by hand (the oracle: the mistake is made
on purpose, so the right explanation is known), including the cases where nothing should be said."""

from __future__ import annotations

import numpy as np
import pytest

from compare.diagnosis.hints import (
    Reference,
    Setting,
    constant_factor,
    factor_hints,
    formula_hints,
    forward_hints,
    layer_hints,
    transposed_hint,
)

RNG = np.random.default_rng(7)
G = RNG.normal(size=(3, 2))          # a "torch" gradient, nothing symmetric or special about it


def hints(r, B=1, K=1, loss="sum"):
    return " | ".join(factor_hints(r * G, G, Setting(batch_size=B, n_outputs=K, loss=loss), "dW2"))


def test_exact_negative():
    text = hints(-1.0)
    assert "exact negative" in text and "T - A" in text


def test_no_hint_when_equal_or_unrelated():
    assert factor_hints(G, G, Setting(1, 1)) == []
    assert factor_hints(RNG.normal(size=G.shape), G, Setting(1, 1)) == []
    assert constant_factor(G + 1e-3 * RNG.normal(size=G.shape), G) is None


@pytest.mark.parametrize("B", [3, 4, 7])
def test_batch_size_factors(B):
    assert "average over the batch is missing" in hints(float(B), B=B)
    assert "averaged over the batch twice" in hints(1.0 / B, B=B)


def test_other_loss_convention_both_ways():
    assert 'yours is the gradient of loss "mean"' in hints(1 / 3, K=3, loss="sum")
    assert 'yours is the gradient of loss "sum"' in hints(3.0, K=3, loss="mean")


def test_factor_two_alone_and_ambiguous():
    alone = hints(2.0, B=1, K=1)
    assert "MSE instead of MSE/2" in alone and "explanations fit" not in alone
    every = hints(2.0, B=2, K=2, loss="mean")
    assert "3 explanations fit" in every
    for part in ("batch size B = 2", "number of outputs K = 2", "MSE instead of MSE/2"):
        assert part in every


def test_negative_and_a_factor_together():
    text = hints(-4.0, B=4)
    assert "sign is flipped" in text and "batch size B = 4" in text


def test_unexplained_constant_factor_is_still_named():
    assert "x 1.37" in hints(1.37, B=4, K=1)


def test_a_single_number_has_only_known_factors():
    one = np.array([[0.25]])
    assert factor_hints(one * 9.73, one, Setting(4, 1)) == []
    assert "batch size B = 4" in factor_hints(one * 4, one, Setting(4, 1))[0]


def test_transposed_only_when_it_is_the_transpose():
    S = RNG.normal(size=(3, 3))
    assert transposed_hint(S.T.copy(), S, Setting(1, 1), "dW1")
    assert not transposed_hint(S, S, Setting(1, 1), "dW1")
    symmetric = S + S.T
    assert not transposed_hint(symmetric.T.copy(), symmetric, Setting(1, 1), "dW1")


def _reference(B=3, sizes=(2, 3, 3, 2)):
    """A correct forward and backward (loss "sum", sigmoid), written out here independently of numpy_impl."""
    rng = np.random.default_rng(1)
    W = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    b = [rng.normal(size=(1, n)) for n in sizes[1:]]
    X = rng.normal(size=(B, sizes[0]))
    T = rng.uniform(size=(B, sizes[-1]))
    acts, Zs = [X], []
    for w, c in zip(W, b):
        Zs.append(acts[-1] @ w + c)
        acts.append(1 / (1 + np.exp(-Zs[-1])))
    dZ = [None] * len(W)
    dZ[-1] = (acts[-1] - T) * acts[-1] * (1 - acts[-1]) / B
    for l in range(len(W) - 1, 0, -1):
        dZ[l - 1] = dZ[l] @ W[l].T * acts[l] * (1 - acts[l])
    dW = [acts[l].T @ dZ[l] for l in range(len(W))]
    db = [dZ[l].sum(axis=0, keepdims=True) for l in range(len(W))]
    return Reference(acts, Zs, dZ, W, b, dW, db), Setting(batch_size=B, n_outputs=sizes[-1])


def test_formula_derivative_missing_and_at_z():
    ref, s = _reference()
    i = 2                                        # the output layer
    upstream = ref.dZ[i] / (ref.activations[3] * (1 - ref.activations[3]))
    missing = ref.activations[i].T @ upstream
    at_z = ref.activations[i].T @ (upstream * ref.Zs[i] * (1 - ref.Zs[i]))
    assert any("is missing" in h for h in formula_hints(i, "W", missing, ref, s))
    assert any("taken at Z" in h for h in formula_hints(i, "W", at_z, ref, s))
    assert formula_hints(i, "W", ref.dW[i], ref, s) == []


def test_formula_w_instead_of_w_transposed_and_wrong_activations_and_one_row():
    ref, s = _reference()
    dZ1 = (ref.dZ[1] @ ref.weights[1]) * ref.activations[1] * (1 - ref.activations[1])  # W2 (3, 3) is square
    assert any("through W2 instead of W2.T" in h for h in formula_hints(0, "W", ref.activations[0].T @ dZ1, ref, s))
    assert any("built from A1 instead of activations[2]" in h
               for h in formula_hints(2, "W", ref.activations[1].T @ ref.dZ[2], ref, s))
    one_row = ref.dZ[2][1:2] * 3                 # row 1 of delta, not divided by B = 3
    assert any("row 1 of delta3" in h for h in formula_hints(2, "b", one_row, ref, s))
    assert any("equals torch's dW2" in h for h in formula_hints(2, "W", ref.dW[1], ref, s))


def test_forward_patterns():
    ref, s = _reference()
    assert any("not applied" in h for h in forward_hints(1, ref.Zs[1], ref, s))
    no_bias = 1 / (1 + np.exp(-(ref.activations[1] @ ref.weights[1])))
    assert any("bias b2 is missing" in h for h in forward_hints(1, no_bias, ref, s))
    assert forward_hints(1, ref.activations[2], ref, s) == []


def test_layer_hints_name_where_to_look():
    only_output = layer_hints((3, "W"), [(3, "W")], 3)
    assert any("only layer 3 is wrong" in h for h in only_output)
    assert any("db3 agrees" in h for h in only_output)
    cascade = layer_hints((2, "W"), [(2, "W"), (2, "b"), (1, "W"), (1, "b")], 3)
    assert any("the layers above layer 2 agree" in h for h in cascade)
    assert any("a consequence of the wrong delta2" in h and "dW1, db1" in h for h in cascade)


@pytest.mark.parametrize("B, K, expected", [
    (3, 2, "not the batch size 3 or the number of outputs 2"),
    (3, 5, "not the batch size 3, the number of outputs 5 or 2"),
    (4, 1, "not the batch size 4 or 2"),
    (1, 1, "not 2"),
    (2, 3, "not the batch size 2 or the number of outputs 3"),
])
def test_the_generic_factor_hint_names_each_ruled_out_factor_once(B, K, expected):
    from compare.diagnosis.hints import _ruled_out
    assert _ruled_out(B, K) == expected
