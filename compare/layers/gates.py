"""An LSTM whose gates are read from a's four blocks in another order than the interface's i, f, o, g:
its outputs, recomputed from a case's inputs with NumPy, for every order but the interface's own and torch's
(i, f, g, o, a recorded mistake of its own). `compare.layers.hints` names the mistake when one of them equals
yours (kind "gates")."""

from __future__ import annotations

import itertools

import numpy as np

# which block of a each of i, f, o, g is read from; (0, 1, 2, 3) is the interface, (0, 1, 3, 2) torch's order
ORDERS = tuple(p for p in itertools.permutations(range(4)) if p not in ((0, 1, 2, 3), (0, 1, 3, 2)))


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def _step(x: np.ndarray, h: np.ndarray, c: np.ndarray, inputs: dict[str, np.ndarray],
          order: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    a = x @ inputs["Wx"] + h @ inputs["Wh"] + inputs["b"]          # (N, 4H)
    H = h.shape[1]
    i, f, o, g = (a[:, k * H:(k + 1) * H] for k in order)
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c), c


def outputs(inputs: dict[str, np.ndarray], order: tuple[int, ...]) -> dict[str, np.ndarray]:
    """lstm_step's next_h and next_c, or lstm's h, with the gates read in `order`."""
    with np.errstate(all="ignore"):
        if "prev_c" in inputs:
            h, c = _step(inputs["x"], inputs["prev_h"], inputs["prev_c"], inputs, order)
            return {"next_h": h, "next_c": c}
        x, h = inputs["x"], inputs["h0"]
        c, hs = np.zeros_like(h), []
        for t in range(x.shape[1]):
            h, c = _step(x[:, t, :], h, c, inputs, order)
            hs.append(h)
        return {"h": np.stack(hs, axis=1)}                          # (N, T, H)


def read_in_another_order(inputs: dict[str, np.ndarray], item: str, yours: np.ndarray, same) -> bool:
    """Whether `yours` (an output of the forward) is what some other gate order computes."""
    for order in ORDERS:
        theirs = outputs(inputs, order).get(item)
        if theirs is not None and same(yours, theirs):
            return True
    return False
