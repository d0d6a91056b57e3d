"""The numbers the report's figures show (compare/reporting/figures.py, maps.py), fast, for mutation testing:
the seeds' spread (max - min) / mean and its band, where a log axis draws an exact 0, when a log scale is
used; the decision maps' grid and network output (against torch), colour range, contour levels, the 0.5
boundary and the candidates' classes, all by hand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from compare.reporting import figures, maps
from compare.reporting.figures import Series


def test_spread_is_max_minus_min_over_mean():
    losses = np.array([[1.0, 4.0, 2.0], [2.0, 2.0, 2.0], [3.0, 9.0, 2.0], [6.0, 5.0, 2.0]])   # (seeds, points)
    np.testing.assert_allclose(figures.spread_of(losses), [(6 - 1) / 3, (9 - 2) / 5, 0.0], rtol=1e-15)


def test_band_lowest_mean_highest_and_none_for_one_seed():
    first = np.array([[1.0, 4.0, 2.0, 8.0], [2.0, 2.0, 2.0, 2.0], [6.0, 3.0, 2.0, 5.0]])      # (seeds, points)
    low, mean, high = figures.band_of(first)
    assert low.tolist() == [1.0, 2.0, 2.0, 2.0] and high.tolist() == [6.0, 4.0, 2.0, 8.0]
    np.testing.assert_allclose(mean, [3.0, 3.0, 2.0, 5.0], rtol=1e-15)
    low, mean, high = figures.band_of(first[:2])
    assert low.tolist() == [1.0, 2.0, 2.0, 2.0] and mean.tolist() == [1.5, 3.0, 2.0, 5.0]
    assert figures.band_of(first[:1]) is None


def test_spread_drawn_zero_at_a_tiny_floor_and_log_unless_all_zero():
    y, log = figures.spread_drawn(np.array([0.0, 2.5e-7, 0.4]))
    assert log is True
    assert 0 < y[0] < 1e-15 and y[1:].tolist() == [2.5e-7, 0.4]       # a 0 drawn far below any spread
    y, log = figures.spread_drawn(np.zeros(3))
    assert log is False and (y > 0).all() and (y < 1e-15).all()


def test_zeros_at_floor_only_the_zeros():
    assert figures.zeros_at(np.array([0.0, 2e-20, 3.0, 0.0]), 1e-21).tolist() == [1e-21, 2e-20, 3.0, 1e-21]


@pytest.mark.parametrize("values,helps", [
    ([[1.0, 100.0]], True), ([[1.0, 10.0]], False), ([[2.0, 15.0]], False), ([[2.0, 25.0]], True),
    ([[1.0, 10.5]], True), ([[0.0, 100.0]], False),
    ([[-1.0, 100.0]], False), ([np.array([])], False), ([[1.0, 2.0], [50.0]], True), ([[1.0, 2.0], [9.0]], False),
    ([[50.0], [1.0, 2.0]], True), ([[2.0, 30.0], [], [5.0]], False),
])
def test_log_helps_when_positive_and_more_than_tenfold(values, helps):
    assert figures.log_helps([np.asarray(v, dtype=float) for v in values]) is helps


def test_parity_floor_a_decade_below_the_smallest():
    a = Series("a", np.arange(3.0), np.array([0.0, 5.4e-20, 2.2e-16]))
    b = Series("b", np.arange(2.0), np.array([3e-16, 2.2e-16]))
    zeros = Series("c", np.arange(2.0), np.zeros(2))
    assert figures.parity_floor([a], 1e-12) == pytest.approx(1e-21, rel=1e-12, abs=0)
    assert figures.parity_floor([b], 1e-12) == pytest.approx(1e-17, rel=1e-12, abs=0)
    assert figures.parity_floor([zeros, b], 1e-12) == pytest.approx(1e-17, rel=1e-12, abs=0)
    assert figures.parity_floor([zeros], 1e-12) == pytest.approx(1e-13, rel=1e-12, abs=0)      # the tolerance's
    assert figures.parity_floor([b], 1e-17) == pytest.approx(1e-18, rel=1e-12, abs=0)
    one = Series("d", np.arange(1.0), np.array([1e-9]))
    assert figures.parity_floor([one], 1e-12) == pytest.approx(1e-13, rel=1e-12, abs=0)


# ---- decision maps

def test_scale_spans_every_panel_and_diverges_where_one_crosses():
    s = maps.Scale.of([np.array([[0.2, 0.7]]), np.array([[0.6, 0.9]])])
    assert (s.low, s.high, s.diverging) == (0.2, 0.9, True)
    s = maps.Scale.of([np.array([[0.6, 0.7]]), np.array([[0.55, 0.95]])])
    assert (s.low, s.high, s.diverging) == (0.55, 0.95, False)
    s = maps.Scale.of([np.array([[0.6, 0.7]]), np.array([[0.1, 0.4]])])   # 0.5 inside the range, crossed by none
    assert (s.low, s.high, s.diverging) == (0.1, 0.7, False)


@pytest.mark.parametrize("out,crosses", [([0.49, 0.51], True), ([0.5, 0.7], False), ([0.3, 0.5], False),
                                         ([0.6, 0.9], False), ([0.1, 0.2], False), ([0.0, 1.0], True)])
def test_crosses_half_strictly(out, crosses):
    assert maps.crosses_half(np.array([out])) is crosses


def test_colour_range():
    assert maps.colour_range(maps.Scale(0.2, 0.9, True)) == (0.2, 0.9, True)
    assert maps.colour_range(maps.Scale(0.2, 0.9, False)) == (0.2, 0.9, False)
    assert maps.colour_range(maps.Scale(0.6, 0.9, True))[2] is False        # 0.5 is outside the bar
    assert maps.colour_range(maps.Scale(0.5, 0.9, True))[2] is False
    assert maps.colour_range(maps.Scale(0.1, 0.5, True))[2] is False
    assert maps.colour_range(maps.Scale(0.0, 1e-12, False)) == (0.0, 1e-12, False)   # wide enough already
    low, high, diverging = maps.colour_range(maps.Scale(0.3, 0.3 + 1e-13, False))   # one value: widened
    assert low == pytest.approx(0.3 - 1e-6, abs=1e-15) and high == pytest.approx(0.3 + 1e-6, abs=1e-12)
    low, high, diverging = maps.colour_range(maps.Scale(0.5, 0.5, True))          # widened around 0.5
    assert low < 0.5 < high and high - low == pytest.approx(2e-6, rel=1e-6) and diverging is True


@pytest.mark.parametrize("low,high,levels", [
    (0.02, 0.61, [0.1, 0.2, 0.3, 0.4, 0.6]),          # step 0.1, the 0.5 left to the boundary line
    (0.2, 0.8, [0.3, 0.4, 0.6, 0.7]),                 # the ends of the range are no contour
    (0.971, 0.989, [0.972, 0.975, 0.978, 0.981, 0.984, 0.987]),   # a narrow range gets lines too
    (0.3, 0.3, []),
])
def test_contour_levels_round_numbers_inside_the_range(low, high, levels):
    out = np.array([[low, (low + high) / 2], [high, low]])
    np.testing.assert_allclose(maps.contour_levels(out), levels, rtol=1e-12, atol=0)


def test_classes_of_targets():
    zero, one = maps.classes_of(np.array([0.0, 0.5, 0.49, 1.0, 0.51]))
    assert zero.tolist() == [0, 2] and one.tolist() == [1, 3, 4]


def test_output_grid_against_torch():
    """The chosen output of the network at every grid point, the grid a little beyond [0, 1] both ways and
    symmetric about the square's centre, which it samples."""
    W = [np.array([[0.8, -1.2, 0.3], [0.2, 0.9, -0.7]]), np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]])]
    b = [np.array([[-0.3, 0.1, 0.2]]), np.array([[0.1, -0.2]])]
    e = SimpleNamespace(hidden_activation="leaky_relu", output_activation="sigmoid", leaky_slope=0.2)
    g1, g2, out = maps.output_grid(e, maps.Panel("t", W, b, output=1))
    assert g1.shape == g2.shape == out.shape and g1.shape[0] == g1.shape[1]
    assert -0.2 < g1.min() < 0 and 1 < g1.max() < 1.2 and g1.min() + g1.max() == pytest.approx(1.0, abs=1e-12)
    assert (g1[:, 0] == g1.min()).all() and (g2[0, :] == g2.min()).all() and (g2[-1, :] == g2.max()).all()
    mid = g1.shape[0] // 2
    assert g1[0, mid] == pytest.approx(0.5, abs=1e-12) and g2[mid, 0] == pytest.approx(0.5, abs=1e-12)
    x = torch.tensor(np.column_stack([g1.ravel(), g2.ravel()]))
    h = torch.nn.functional.leaky_relu(x @ torch.tensor(W[0]) + torch.tensor(b[0]), 0.2)
    want = torch.sigmoid(h @ torch.tensor(W[1]) + torch.tensor(b[1]))[:, 1].numpy().reshape(g1.shape)
    np.testing.assert_allclose(out, want, rtol=1e-13)
