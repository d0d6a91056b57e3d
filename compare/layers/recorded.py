"""The shipped recordings (compare/layers/data/LAYER.npz, made by `python -m compare.layers.record`), read
without torch and without pickle: per case, the inputs, the upstream gradients, torch's numbers and what
each recorded mistake computes instead."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compare.layers.table.types import Layer

DATA = Path(__file__).resolve().parent / "data"
# A new recording (another machine, another CPU's kernels) agrees with the shipped one to within this, relative
# to max(1, |value|): torch's float64 conv2d and matmul may sum in another order (measured: see docs/layers.md).
RECORD_BOUND = 1e-12


@dataclass(frozen=True)
class Recorded:
    """One case of a layer, as recorded."""

    inputs: dict[str, np.ndarray]
    upstream: dict[str, np.ndarray]
    ref: dict[str, np.ndarray]
    alts: dict[str, dict[str, np.ndarray]]
    numbers: dict[str, float]
    torch: str


def load_cases(layer: Layer, folder: Path = DATA) -> list[Recorded]:
    """Every case of `layer`, in the table's order."""
    with np.load(folder / f"{layer.name}.npz", allow_pickle=False) as f:
        return cases_from_arrays(layer, {k: f[k] for k in f.files})


def cases_from_arrays(layer: Layer, arrays: dict[str, np.ndarray]) -> list[Recorded]:
    """The cases of a recording's arrays (a shipped file's, or a recording made at grade time)."""
    cases = []
    for c in range(len(layer.cases)):
        parts: dict[str, dict[str, np.ndarray]] = {"in": {}, "up": {}, "ref": {}, "num": {}}
        alts: dict[str, dict[str, np.ndarray]] = {}
        for key, value in arrays.items():
            head, _, rest = key.partition("/")
            if head != str(c):
                continue
            kind, _, name = rest.partition("/")
            if kind == "alt":
                mistake, _, item = name.partition("/")
                alts.setdefault(mistake, {})[item] = value
            else:
                parts[kind][name] = value
        cases.append(Recorded(parts["in"], parts["up"], parts["ref"], alts,
                              {k: float(v) for k, v in parts["num"].items()}, str(arrays["torch"])))
    return cases
