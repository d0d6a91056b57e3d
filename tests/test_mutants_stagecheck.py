"""compare/diagnosis/stagecheck.py, fast: two hand-made records of one update of a 2-2-2-1 network (3 samples)
that differ where a test puts a difference; the first stage, layer, element and both numbers named as a
derivation goes (forward input side first, gradients output layer first, W before b, then the step, then the
optimizer's state), against the float64 tolerance |ours - theirs| <= 1e-12 + 1e-9 |theirs| at its edge."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from compare.diagnosis.stagecheck import UpdateSite, first_disagreement, violations
from compare.diagnosis.stages import Stages
from compare.experiment.sources import load_experiment
from compare.running.tolerances import Tolerance

E = load_experiment("exercise3", {"mode": "minibatch", "batch_size": 3})
TOL = Tolerance(atol=1e-12, rtol=1e-9)
SITE = UpdateSite(4, 1, 0, [3, 0, 2])
SHAPES = [(2, 2), (2, 2), (2, 1)]


def record(seed: int = 0) -> Stages:
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (3, 2))
    acts = [X] + [rng.uniform(0.1, 0.9, (3, s[1])) for s in SHAPES]
    return Stages([rng.normal(size=(3, s[1])) for s in SHAPES], acts, [rng.normal(size=s) for s in SHAPES],
                  [rng.normal(size=(1, s[1])) for s in SHAPES], [rng.normal(size=s) for s in SHAPES],
                  [rng.normal(size=(1, s[1])) for s in SHAPES], loss=0.3)


THEIRS = record()
BEFORE = ([w + 0.01 for w in THEIRS.weights], [b + 0.01 for b in THEIRS.biases])


def first(ours, theirs=THEIRS, e=E, tol=TOL, site=SITE, **kw):
    return first_disagreement(ours, theirs, BEFORE, e, tol, site, **kw)


def changed(field: str, index: int, element: tuple[int, int], by: float) -> Stages:
    ours = copy.deepcopy(THEIRS)
    getattr(ours, field)[index][element] += by
    return ours


def test_the_tolerance_mask_at_its_edge_and_for_nan_inf_and_shapes():
    theirs = np.array([[1.0, -1000.0, 0.0, 2.0]])
    bound = 1e-12 + 1e-9 * np.abs(theirs)
    near = violations(theirs + 0.9 * bound, theirs, TOL)
    far = violations(theirs - 1.1 * bound, theirs, TOL)
    assert not near.any() and far.all()
    assert violations(np.array([[np.nan, np.inf, 2.0]]), np.array([[1.0, 1.0, 2.0]]), TOL).tolist() == [[True, True,
                                                                                                          False]]
    assert violations(np.zeros((2, 1)), np.zeros((1, 2)), TOL).tolist() == [[True, True]]
    # exactly at the bound: |1e-12 - 0| is atol itself, within
    assert not violations(np.array([[1e-12]]), np.array([[0.0]]), TOL).any()


def test_every_stage_agreeing_is_none():
    assert first(copy.deepcopy(THEIRS)) is None
    assert first(changed("activations", 2, (1, 0), 0.9 * (1e-12 + 1e-9 * abs(THEIRS.activations[2][1, 0])))) is None


def test_the_forward_pass_input_side_first_names_the_sample():
    ours = changed("activations", 2, (1, 0), 1e-3)
    ours.activations[3][2, 0] += 1e-3
    ours.activations[2][2, 1] += 2e-3                    # the largest difference of A2: the element shown
    f = first(ours, labels=("yours", "torch"), title="check")
    assert (f.stage, f.layer, f.parameter, f.array, f.element) == ("forward", 2, "A2", "A2", (2, 1))
    assert (f.ours, f.theirs) == (ours.activations[2][2, 1], THEIRS.activations[2][2, 1])
    assert f.wrong == ("A2", "A3") and (f.update, f.epoch, f.batch, f.samples) == (4, 1, 0, (3, 0, 2))
    assert "A1 ... A1 agree: look at layer 2's forward formula" in f.hints
    lines = f.message.splitlines()
    diff = abs(f.ours - f.theirs)
    assert lines[0] == (f"check FAILED at update 4 (epoch 1, batch 0, samples [3, 0, 2]), stage forward: layer 2, "
                        f"A2[2, 1] (sample 2): yours {f.ours!r}, torch {f.theirs!r}, |diff| {diff:.3g}"
                        " > tolerance (atol 1e-12 + rtol 1e-09 x |torch|)")
    assert lines[1] == "  the forward pass; A2's rows are this batch's samples [3, 0, 2]; wrong at this stage: A2, A3"
    one = first(changed("activations", 1, (0, 0), 1e-3))
    assert (one.layer, one.wrong) == (1, ("A1",)) and not any("agree: look at layer" in h for h in one.hints)
    last = first(changed("activations", 3, (1, 0), np.nan))
    assert (last.layer, last.element, np.isnan(last.ours)) == (3, (1, 0), True)


@pytest.mark.parametrize("wrong, shown", [([("db", 2), ("dW", 0)], "db3"), ([("dW", 1), ("db", 1)], "dW2"),
                                          ([("db", 0), ("dW", 0)], "dW1")])
def test_the_first_wrong_gradient_in_backprop_order(wrong, shown):
    ours = copy.deepcopy(THEIRS)
    for field, l in wrong:
        getattr(ours, field)[l][0, 0] += 0.37
    f = first(ours)
    assert (f.stage, f.array, f.parameter, f.layer) == ("gradient", shown, shown[1:], int(shown[-1]))
    assert f.wrong == tuple(sorted((f"{field}{l + 1}" for field, l in wrong), key=lambda n: (-int(n[-1]), n[1])))
    assert f.ours == pytest.approx(f.theirs + 0.37, abs=1e-15)
    assert ("the forward pass agrees at every layer; first wrong gradient in backprop order (output layer first): "
            f"{shown}; wrong at this stage:") in f.message


def test_a_wrong_gradient_later_in_the_run_without_a_formula_to_blame():
    ours = copy.deepcopy(THEIRS)
    ours.dW[2][1, 0] += 0.0123
    ours.has_forward = False
    for update, earlier in ((2, "update 1"), (4, "updates 1 to 3")):
        f = first(ours, site=dataclasses.replace(SITE, update=update))
        assert f.hints[0].startswith(f"{earlier} agreed: look for something carried from one call to the next"), \
            f.hints
        assert f.hints[0].endswith("something of this batch only (its 3 samples, its size)")
        assert "your file has no forward: ours was used, so your backward received torch's activations" in f.message
    single = first(ours, site=UpdateSite(2, 0, 1, [1]))
    assert single.hints[0].endswith("(its 1 sample, its size)")
    assert first(ours, site=UpdateSite(2, 0, 1, [1, 3])).hints[0].endswith("(its 2 samples, its size)")
    assert not any("agreed: look for" in h for h in first(ours, site=dataclasses.replace(SITE, update=1)).hints)


def test_a_nan_gradient_says_so():
    f = first(changed("db", 1, (0, 1), np.nan))
    assert (f.array, f.element) == ("db2", (0, 1)) and np.isnan(f.ours)
    assert "yours has NaN in db2: look for a division by zero, a log of 0 or an overflowing exp" in f.hints
    inf = first(changed("dW", 1, (0, 1), np.inf))
    assert "yours has inf in dW2: look for a division by zero, a log of 0 or an overflowing exp" in inf.hints


def test_the_step_when_the_forward_and_every_gradient_agree():
    ours = changed("weights", 0, (1, 1), -0.25)
    ours.biases[1][0, 0] += 0.5
    f = first(ours)
    assert (f.stage, f.parameter, f.layer, f.element, f.wrong) == ("update", "b2", 2, (0, 0), ("b2",))
    assert f.ours == THEIRS.biases[1][0, 0] + 0.5 and f.theirs == THEIRS.biases[1][0, 0]
    assert f.hints[-1].startswith("the forward pass and every gradient agree: the optimizer's update differs (")
    assert "  the weights after the optimizer step; wrong at this stage: b2" in f.message.splitlines()
    f = first(changed("weights", 0, (1, 1), -0.25))
    assert (f.parameter, f.element, f.ours) == ("W1", (1, 1), THEIRS.weights[0][1, 1] - 0.25)
    f = first(changed("biases", 2, (0, 0), np.inf))
    assert "yours has inf in b3: look for a division by zero, a log of 0 or an overflowing exp" in f.hints


def test_a_step_twice_torchs_is_said_once_and_the_table_shows_both_sides():
    ours = copy.deepcopy(THEIRS)
    ours.weights[1] = BEFORE[0][1] + 2 * (THEIRS.weights[1] - BEFORE[0][1])
    f = first(ours)
    assert f.hints[0].startswith("your step = torch's step x 2 at every element of the step of W2: a factor 2")
    assert "torch's MSELoss" in f.hints[0] and f.hints[0].count("step") == 3, f.hints[0]
    assert f.hints[1] == ("the forward pass and every gradient agree: the optimizer's update differs (2 update(s)/"
                          "epoch x 10000 epochs, lr 0.1, float64, seed 0)") and len(f.hints) == 2
    table = f.message.splitlines()[-5:]
    assert table[0] == f"    {'element':>10}  {'numpy':>24}  {'torch':>24}"
    for line, (r, c) in zip(table[1:], [(0, 0), (0, 1), (1, 0), (1, 1)]):
        mark = "  <--" if (r, c) == (0, 0) else ""
        a, b = ours.weights[1][r, c], THEIRS.weights[1][r, c]
        assert line == f"    [{r}, {c}]{'':>4}  {a:>24.17g}  {b:>24.17g}{mark}"


def test_a_bias_step_twice_torchs_is_measured_from_the_bias_it_started_at():
    ours = copy.deepcopy(THEIRS)
    ours.biases[1] = BEFORE[1][1] + 2 * (THEIRS.biases[1] - BEFORE[1][1])
    f = first(ours)
    assert f.parameter == "b2" and f.hints[0].startswith("your step = torch's step x 2 at every element of the "
                                                         "step of b2"), f.hints


def test_a_step_half_torchs_with_two_outputs_keeps_the_explanations_words():
    ours = copy.deepcopy(THEIRS)
    ours.weights[1] = BEFORE[0][1] + 0.5 * (THEIRS.weights[1] - BEFORE[0][1])
    f = first(ours, e=dataclasses.replace(E, sizes=(2, 2, 2, 2)))       # K = 2 outputs, loss "sum"
    assert f.hints[0].startswith("your step = torch's step x 0.5 at every element of the step of W2")
    assert "the other loss convention: yours is the gradient of loss \"mean\"" in f.hints[0], f.hints[0]


def test_the_inputs_are_not_a_stage_and_a_rounding_exactly_at_one_in_a_million():
    ours = copy.deepcopy(THEIRS)
    ours.activations[0] = ours.activations[0] + 1.0
    assert first(ours) is None                           # X is the batch's data on both sides, never compared
    theirs = copy.deepcopy(THEIRS)
    theirs.weights[2][0, 0] = 1e6
    ours = copy.deepcopy(theirs)
    ours.weights[2][0, 0] = 999_999.0                    # |diff| = 1 = 1e-6 x 1e6 exactly
    assert any("started this update 1e-13 apart" in h for h in first(ours, theirs, drift=1e-13).hints)


def with_state(step_mine, m_mine, e=E):
    theirs = copy.deepcopy(THEIRS)
    theirs.state = {"step": np.arange(1.0, 7.0), "exp_avg": np.linspace(-1, 1, 15)}
    ours = copy.deepcopy(theirs)
    ours.state = {"step": np.array(step_mine, dtype=float), "exp_avg": np.array(m_mine, dtype=float)}
    return ours, theirs


def test_the_optimizers_state_when_the_weights_agree():
    m = np.linspace(-1, 1, 15)
    assert first(*with_state(np.arange(1.0, 7.0), m)) is None
    assert first(copy.deepcopy(THEIRS), with_state(np.arange(1.0, 7.0), m)[1]) is None    # ours keeps none
    assert first(with_state(np.arange(1.0, 7.0), m)[0]) is None                           # torch's: none
    steps = np.arange(1.0, 7.0)
    steps[3] += 1                                        # b2's count (W1 b1 W2 b2 W3 b3)
    steps[0] += 1                                        # and W1's: b2 is named, its layer is nearer the output
    f = first(*with_state(steps, m))
    assert (f.stage, f.parameter, f.layer, f.array, f.state) == ("optimizer state", "b2", 2, "t_b2", None) or \
        (f.stage, f.parameter, f.layer, f.array) == ("optimizer state", "b2", 2, "t_b2")
    assert (f.ours, f.theirs, f.element) == (5.0, 4.0, (0, 0))
    assert ("the weights after this update agree: the state the optimizer carries to the next update differs "
            "(step count t (step))") in f.hints
    assert "the optimizer's state after the step: step count t (step); wrong at this stage: t_b2" in f.message
    near = m.copy()
    near[13] += 0.9 * (1e-12 + 1e-9 * abs(m[13]))       # W3[1, 0] (W1 4, b1 2, W2 4, b2 2, then W3)
    assert first(*with_state(np.arange(1.0, 7.0), near)) is None
    far = m.copy()
    far[13] += 1.1 * (1e-12 + 1e-9 * abs(m[13]))
    far[0] += 1.0
    f = first(*with_state(np.arange(1.0, 7.0), far))
    assert (f.parameter, f.array, f.element, f.theirs) == ("W3", "m_W3", (1, 0), m[13])
    middle = m.copy()
    middle[0] += 1.0                                     # W1[0, 0]
    middle[11] += 1.0                                    # b2[0, 1]: named, its layer nearer the output
    f = first(*with_state(np.arange(1.0, 7.0), middle))
    assert (f.parameter, f.array, f.element, f.layer) == ("b2", "m_b2", (0, 1), 2)
    low = m.copy()
    low[5] += 1.0                                        # b1[0, 1] only: layer 1 is compared too
    assert first(*with_state(np.arange(1.0, 7.0), low)).array == "m_b1"
    steps = np.arange(1.0, 7.0)
    steps[0] += 1                                        # W1's count only
    assert first(*with_state(steps, m)).array == "t_W1"


def test_float32_state_is_held_to_the_state_tolerance_unless_one_is_given():
    e = dataclasses.replace(E, dtype="float32")
    m = np.linspace(-1, 1, 15)
    off = m.copy()
    off[14] += 5e-5                                      # b3: beyond 1e-5 + 1e-5 |m|, within 1e-4 + 1e-4 |m|
    float32 = Tolerance(atol=1e-5, rtol=1e-5)
    assert first(*with_state(np.arange(1.0, 7.0), off), e=e, tol=float32) is None
    f = first(*with_state(np.arange(1.0, 7.0), off), e=e, tol=Tolerance(atol=1e-6, rtol=1e-6))
    assert (f.parameter, f.array) == ("b3", "m_b3")
    off[14] += 2e-4
    assert first(*with_state(np.arange(1.0, 7.0), off), e=e, tol=float32).parameter == "b3"


def test_a_difference_the_size_of_the_drift_says_rounding_grew():
    tiny = changed("weights", 2, (0, 0), 1e-9 * abs(THEIRS.weights[2][0, 0]) * 5)
    a, b = tiny.weights[2][0, 0], THEIRS.weights[2][0, 0]
    rel = abs(a - b) / max(abs(a), abs(b))
    f = first(tiny, drift=3e-13)
    assert f.drift == 3e-13 and f.hints[-1] == (
        "the two sides started this update 3e-13 apart (within tolerance: rounding carried over from earlier "
        f"updates); a relative difference of {rel:.1g} is that rounding grown, most likely, not a wrong formula: "
        "this run amplifies rounding (see its parity curve, `--out DIR`)")
    assert not any("apart" in h for h in first(tiny).hints) and first(tiny).drift == 0.0
    big = changed("weights", 2, (0, 0), 2e-6 * abs(THEIRS.weights[2][0, 0]))
    assert not any("apart" in h for h in first(big, drift=3e-13).hints)
    edge = changed("weights", 2, (0, 0), 0.999e-6 * abs(THEIRS.weights[2][0, 0]))
    assert any("apart" in h for h in first(edge, drift=3e-13).hints)


def test_gradients_right_for_another_loss_are_named_from_this_batchs_targets():
    """exercise3's first weights on samples [3, 0, 2]; yours: the gradients of loss "bce" (numpy_impl's)."""
    from numpy_impl.network import backward, forward
    W = [np.array(w) for w in E.init_weights]
    b = [np.array(c).reshape(1, -1) for c in E.init_biases]
    X, T = np.asarray(E.inputs)[SITE.samples], np.asarray(E.targets)[SITE.samples]
    Zs, acts = forward(W, b, X)
    dW, db = backward(W, Zs, acts, T, loss="sum")
    theirs = Stages(Zs, acts, dW, db, [w - 0.1 * g for w, g in zip(W, dW)], [c - 0.1 * g for c, g in zip(b, db)])
    yW, yb = backward(W, Zs, acts, T, loss="bce")
    ours = dataclasses.replace(copy.deepcopy(theirs), dW=yW, db=yb)
    f = first_disagreement(ours, theirs, (W, b), E, TOL, SITE)
    assert f.stage == "gradient" and any("your gradients are right for loss \"bce\"" in h for h in f.hints), f.hints
