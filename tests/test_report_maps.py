"""Decision maps: the 0.5 boundary is drawn, and named in the legend, only where the output crosses 0.5;
every candidate's class is in the legend; the colour scale spans the output's own range."""

from __future__ import annotations

import numpy as np
import pytest
from test_report import png_size

import compare
from compare.reporting import maps

WORDS = maps.MapWords("x", "y", "output", "output = 0.5", ("target 0", "target 1"),
                      ("Zhang San", "Li Si", "Wang Wu", "Zhao Liu"))


def panel(W3: list, b3: float) -> maps.Panel:
    W = [np.array([[0.8, 0.2], [0.2, 0.8]]), np.array([[0.5, 0.0], [0.5, 1.0]]), np.array(W3, dtype=float)]
    b = [np.array([[-1.0, 0.3]]), np.array([[0.1, -0.1]]), np.array([[b3]])]
    return maps.Panel("a network", W, b)


@pytest.mark.parametrize("W3, b3, crosses", [([[0.5], [0.5]], 5.0, False),      # sure everywhere: > 0.5
                                              ([[12.0], [-12.0]], 0.0, True)])   # a boundary inside
def test_the_boundary_only_where_it_exists(tmp_path, W3, b3, crosses):
    experiment = compare.load_experiment("exercise3")
    p = panel(W3, b3)
    out = maps.output_grid(experiment, p)[2]
    assert maps.crosses_half(out) is crosses
    labels, facts = maps.decision_map(tmp_path / "map.png", experiment, p, WORDS)
    assert facts.boundary is crosses and (facts.low, facts.high) == (out.min(), out.max())
    assert ("output = 0.5" in labels) is crosses
    assert {"target 0", "target 1"} <= set(labels)
    width, height = png_size((tmp_path / "map.png").read_bytes())
    assert width > 400 and height > 400


def test_the_grid_reaches_beyond_the_square_so_edge_candidates_are_whole():
    g1, g2, _ = maps.output_grid(compare.load_experiment("hiring"), panel([[0.5], [0.5]], -0.6))
    assert g1.min() < 0 and g1.max() > 1 and g2.min() < 0 and g2.max() > 1
