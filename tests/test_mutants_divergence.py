"""compare/running/divergence.py, parameters.py and history.py, fast, for mutation testing: the first NaN or
inf named in the order an update computed it, every flat position named (W2[1, 0]) by hand, the overflow
limit of `exploded`, the divergence message, the report epochs' loss log and the predictions rule."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from compare.errors import DivergenceError
from compare.running import divergence as dv
from compare.running.history import predictions
from compare.running.parameters import locate, parameter_index, parameter_slices

SIZES = (2, 3, 1)      # W1 (2, 3) at 0..5, b1 (1, 3) at 6..8, W2 (3, 1) at 9..11, b2 (1, 1) at 12


def test_every_position_named_by_hand():
    names = [parameter_index(SIZES, k) for k in range(13)]
    assert names == ["W1[0, 0]", "W1[0, 1]", "W1[0, 2]", "W1[1, 0]", "W1[1, 1]", "W1[1, 2]",
                     "b1[0, 0]", "b1[0, 1]", "b1[0, 2]", "W2[0, 0]", "W2[1, 0]", "W2[2, 0]", "b2[0, 0]"]
    assert locate(SIZES, 10) == ("W2", 2, (1, 0), slice(9, 12), (3, 1))
    assert locate(SIZES, 6) == ("b1", 1, (0, 0), slice(6, 9), (1, 3))
    for bad in (13, -1):
        with pytest.raises(IndexError):
            locate(SIZES, bad)
    assert [(n, layer, s.start, s.stop, shape) for n, layer, s, shape in parameter_slices(SIZES)] == [
        ("W1", 1, 0, 6, (2, 3)), ("b1", 1, 6, 9, (1, 3)), ("W2", 2, 9, 12, (3, 1)), ("b2", 2, 12, 13, (1, 1))]


def test_first_nonfinite_in_order():
    ok = np.ones((2, 2))
    named = [("Z1", ok), ("A1", np.array([[1.0, 2.0], [np.inf, np.nan]])), ("Z2", np.array([[np.nan]]))]
    assert dv.first_nonfinite(named) == "A1[1, 0] = inf"
    assert dv.first_nonfinite([("Z1", ok), ("Z2", np.array([[1.0, -np.inf]]))]) == "Z2[0, 1] = -inf"
    assert dv.first_nonfinite([("db1", np.array([[0.0, np.nan]]))]) == "db1[0, 1] = nan"
    assert dv.first_nonfinite([("Z1", ok), ("A1", ok)]) is None
    assert dv.first_nonfinite([]) is None


def test_step_stages_in_the_order_computed():
    Zs = [np.full((1, 3), 1.0), np.full((1, 1), 2.0)]
    activations = [np.zeros((1, 2)), np.full((1, 3), 3.0), np.full((1, 1), 4.0)]
    dW = [np.full((2, 3), 5.0), np.full((3, 1), 6.0)]
    db = [np.full((1, 3), 7.0), np.full((1, 1), 8.0)]
    stages = dv.step_stages(Zs, activations, dW, db)
    assert [n for n, _ in stages] == ["Z1", "A1", "Z2", "A2", "dW2", "db2", "dW1", "db1"]
    assert [float(a.flat[0]) for _, a in stages] == [1.0, 3.0, 2.0, 4.0, 6.0, 8.0, 5.0, 7.0]


def test_first_nonfinite_parameter():
    theta = np.arange(13.0)
    assert dv.first_nonfinite_parameter(SIZES, theta) is None
    theta[[10, 12]] = [np.nan, np.inf]
    assert dv.first_nonfinite_parameter(SIZES, theta) == "W2[1, 0] = nan"
    theta[0] = -np.inf
    assert dv.first_nonfinite_parameter(SIZES, theta) == "W1[0, 0] = -inf"


def test_exploded_at_the_overflow_limit():
    """max ** (1 / (layers + 1)): beyond it a product through the network may overflow."""
    limit = np.finfo(np.float64).max ** (1 / 3)                       # two layers: ~5.6e102
    assert not dv.exploded(np.array([1.0, -limit * 0.99, np.nan]), 2)
    assert dv.exploded(np.array([1.0, -limit * 1.01, np.nan]), 2)
    assert dv.exploded(np.array([limit * 0.99]), 3)                    # three layers: a lower limit, ~1.1e77
    assert dv.exploded(np.array([np.finfo(np.float64).max ** 0.25 * 1.01]), 3)
    assert not dv.exploded(np.array([np.finfo(np.float64).max ** 0.25 * 0.99]), 3)
    assert not dv.exploded(np.array([np.nan, np.inf]), 2)               # nothing finite: nothing to say
    limit32 = float(np.finfo(np.float32).max) ** (1 / 3)
    assert dv.exploded(np.array([limit32 * 1.01], dtype=np.float32), 2)
    assert not dv.exploded(np.array([limit32 * 0.99], dtype=np.float32), 2)


def test_the_message():
    e = SimpleNamespace(lr=0.25)
    err = dv.divergence(e, "update 3 (epoch 1)", "A1[0, 0] = nan", update=3, report="r")
    assert isinstance(err, DivergenceError) and err.update == 3 and err.report == "r"
    assert str(err) == ("training diverged at update 3 (epoch 1): A1[0, 0] = nan; the learning rate (lr 0.25) is "
                        "probably too large for this network and data")


def test_end_of_epoch_logs_on_report_epochs_only():
    e = SimpleNamespace(lr=0.5, report_every=3)
    log, seen = [], []
    for epoch in range(7):
        got = dv.end_of_epoch(e, epoch, 10 * epoch, lambda: 0.125, log, lambda ep, loss: seen.append((ep, loss)))
        assert got == (0.125 if epoch % 3 == 0 else None)
    assert log == [(0, 0.125), (3, 0.125), (6, 0.125)]
    assert seen == [(0, 0.125), (1, None), (2, None), (3, 0.125), (4, None), (5, None), (6, 0.125)]
    assert dv.end_of_epoch(e, 3, 30, lambda: 0.5, None, None) == 0.5
    with pytest.raises(DivergenceError) as error:
        dv.end_of_epoch(e, 6, 42, lambda: float("inf"), log, None, note=" (numpy)")
    assert str(error.value).startswith("training diverged at epoch 6 (update 42): the loss is inf (numpy); ")
    assert error.value.update == 42 and log[-1] == (6, 0.125)
    with pytest.raises(DivergenceError, match="the loss is nan;"):
        dv.end_of_epoch(e, 0, 1, lambda: float("nan"), log, None)


def test_predictions_rule():
    out = np.array([[0.5, 0.49], [0.9, 0.0]])
    assert predictions(out, "sigmoid").tolist() == [[1, 0], [1, 0]]
    assert predictions(out, "sigmoid").dtype == np.int64
    probs = np.array([[0.2, 0.3, 0.5], [0.4, 0.35, 0.25]])
    assert predictions(probs, "softmax").tolist() == [[0, 0, 1], [1, 0, 0]]
