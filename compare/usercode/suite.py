"""The check suite: the short experiments `python -m compare check FILE.py` runs when no experiment is named.

Designed together, so that every classic mistake of a hand-derived backprop changes some number in at least
one of them (docs/check-suite.md has the table of mistake classes x experiments, and why):

    batches          3-5-4-2 (no square matrix), 7 samples in mini-batches of 3 (3, 3, then 1: the batch size
                     > 1 and N not a multiple of it), 2 outputs whose targets differ per output and per sample,
                     asymmetric inputs, non-zero biases; sigmoid, loss "sum"
    square           3-3-3-3, all 5 samples in one batch: every W is square, so a transposed matrix or W
                     used for W.T still fits the shapes and shows as a wrong number, with its hint
    long             3-4-2, one sample per update, 24 epochs: 120 updates, for mistakes of state (a cached
                     or stale weight, an input changed in place, anything that drifts)
    loss-mean, loss-bce, cross-entropy        the other losses (your backward reads `loss`)
    hidden-<f>, output-<f>, leaky-slope       each activation, hidden and output (it reads `hidden_activation`,
                                              `output_activation`, `leaky_slope`)

The structure experiments (batches, square, long) also exist in the settings real course code is written
for (ReLU/softmax/cross-entropy; ReLU/sigmoid/BCE) and in two layers (`VERSIONS`): a file that raises
NotImplementedError on the seed's setting or depth runs them in the closest one it supports
(`compare.usercode.suite_run`).

Formula mistakes show at the first update, so every run is short. Each experiment's torch trajectory is
recorded once and shipped in `compare/usercode/suite_data/` (`compare.usercode.suite_record` regenerates
them), so the suite runs without torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from compare.experiment.definition import DEFAULT_ORDER, Experiment

_BUILT: dict[str, Experiment] = {}
DEFAULTS = {"loss": "sum", "hidden_activation": "sigmoid", "output_activation": "sigmoid", "leaky_slope": 0.01}


@dataclass(frozen=True)
class Case:
    """One experiment of the suite: its name, what it is for, and the experiment keywords it changes from
    their defaults (a file whose functions do not take them cannot express it)."""

    name: str
    purpose: str
    needs: tuple[str, ...]
    document: dict[str, Any]
    version_of: str | None = None          # a structure experiment in another setting or depth: its name
    def experiment(self) -> Experiment:
        """The validated experiment (built once per process: an Experiment is frozen and read-only)."""
        if self.name not in _BUILT:
            from compare.experiment.sources import experiment_from_document
            _BUILT[self.name] = experiment_from_document(self.document, Path(f"suite/{self.name}.toml"))
        return _BUILT[self.name]

    @property
    def depth(self) -> int:
        return len(self.document["network"]["sizes"]) - 1

    def where(self) -> str:
        """The setting and depth it runs in, in words: `hidden relu, output softmax, loss cross_entropy, 2 layers`."""
        network, train = self.document["network"], self.document["train"]
        act = [f"hidden {network.get('hidden_activation', 'sigmoid')}",
               f"output {network.get('output_activation', 'sigmoid')}", f"loss {train.get('loss', 'sum')}"]
        return ", ".join(act + [f"{self.depth} layers"])

    def setting(self) -> str:
        """What this experiment covers, in words: `hidden tanh`, `loss "mean"`."""
        network, train = self.document["network"], self.document["train"]
        parts = []
        for key in self.needs:
            value = network.get(key, train.get(key))
            parts.append(f"loss \"{value}\"" if key == "loss" else f"{key.replace('_', ' ')} {value}")
        return ", ".join(parts)


def _round(a: np.ndarray) -> list:
    return np.round(a, 2).tolist()


def _network(sizes: tuple[int, ...], seed: int) -> dict[str, Any]:
    """Distinct, non-zero initial weights and biases (2 decimals), drawn once from a fixed seed."""
    rng = np.random.default_rng(seed)
    weights = [_round(rng.uniform(-1.0, 1.0, size=(a, b))) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [_round(rng.uniform(-0.5, 0.5, size=b)) for b in sizes[1:]]
    return {"weights": weights, "biases": biases}


def _data(n: int, inputs: int, outputs: int, seed: int, *, onehot: bool = False) -> dict[str, Any]:
    """Asymmetric inputs in [-2, 2] (no two equal, no symmetry between features) and targets that differ
    per output and per sample, in [0.05, 0.95] (one-hot classes cycling 0, 1, 2, ... for cross-entropy)."""
    rng = np.random.default_rng(seed)
    X = _round(rng.uniform(-2.0, 2.0, size=(n, inputs)))
    if onehot:
        T = np.eye(outputs)[np.arange(n) % outputs].tolist()
    else:
        T = _round(rng.uniform(0.05, 0.95, size=(n, outputs)))
    return {"inputs": X, "targets": T}


def _case(name: str, purpose: str, *, sizes: tuple[int, ...] = (3, 5, 4, 2), n: int = 7, mode: str = "minibatch",
          epochs: int = 1, network: dict[str, Any] | None = None, train: dict[str, Any] | None = None,
          onehot: bool = False, seed: int = 11, version_of: str | None = None) -> Case:
    net = {"sizes": list(sizes), **(network or {})}
    tr = {"lr": 0.5, "epochs": epochs, "mode": mode, "order": DEFAULT_ORDER[mode], "batch_size": 3, "seed": 0,
          "report_every": 1,
          **(train or {})}
    needs = tuple(k for k in DEFAULTS if k in net or k in tr)
    document = {"name": f"suite-{name}", "description": purpose, "network": net, "init": _network(sizes, seed),
                "data": _data(n, sizes[0], sizes[-1], seed + 1, onehot=onehot), "train": tr}
    return Case(name, purpose, needs, document, version_of)


# the structure experiments' shapes (sizes, samples, mode, epochs, seed, train): `batches`, `square`, `long`
STRUCTURE: dict[str, dict[str, Any]] = {
    "batches": dict(epochs=2),
    "square": dict(sizes=(3, 3, 3, 3), n=5, mode="batch", epochs=3, seed=21),
    "long": dict(sizes=(3, 4, 2), n=5, mode="stochastic", epochs=24, seed=31, train={"lr": 0.3}),
}
# the settings of real course code, closest first after the seed's own: (name, network, train, one-hot targets)
SETTINGS: tuple[tuple[str, dict[str, str], dict[str, str], bool], ...] = (
    ("relu-softmax", {"hidden_activation": "relu", "output_activation": "softmax"}, {"loss": "cross_entropy"}, True),
    ("relu-bce", {"hidden_activation": "relu"}, {"loss": "bce"}, False),
)


def _two_layers(sizes: tuple[int, ...]) -> tuple[int, ...]:
    """The same network with one hidden layer: the first hidden width kept (3-5-4-2 -> 3-5-2, 3-3-3-3 -> 3-3-3),
    so a square layer stays square and no layer of distinct widths becomes square."""
    return sizes if len(sizes) <= 3 else (sizes[0], sizes[1], sizes[-1])


def _versions(base: str) -> tuple[Case, ...]:
    """`base` in every other setting and depth, closest first: the seed's depth in each setting, then two
    layers in the seed's setting and in each other (`long` is two layers already)."""
    shape = dict(STRUCTURE[base])
    sizes = shape.pop("sizes", (3, 5, 4, 2))
    out = []
    depths = [sizes] + ([_two_layers(sizes)] if _two_layers(sizes) != sizes else [])
    for depth_sizes in depths:
        for name, network, train, onehot in (("", {}, {}, False),) + SETTINGS:
            if not name and depth_sizes == sizes:
                continue   # the experiment itself
            suffix = (f"-{name}" if name else "") + ("-2layer" if depth_sizes != sizes else "")
            purpose = f"the structure experiment `{base}` in another setting or depth"
            out.append(_case(base + suffix, purpose, sizes=depth_sizes, network=network,
                             train={**shape.get("train", {}), **train}, onehot=onehot, version_of=base,
                             **{k: v for k, v in shape.items() if k != "train"}))
    return tuple(out)


SUITE: tuple[Case, ...] = (
    _case("batches", "mini-batches of 3, 3 and 1 on a 3-5-4-2 network: the batch average, the last partial "
          "batch, each output and each layer", **STRUCTURE["batches"]),
    _case("square", "every W square (3-3-3-3), one batch of 5: transposes that still fit the shapes",
          **STRUCTURE["square"]),
    _case("long", "120 single-sample updates: state carried between calls", **STRUCTURE["long"]),
    _case("loss-mean", "loss \"mean\" (MSELoss / 2): the other convention, a factor K apart",
          train={"loss": "mean"}),
    _case("loss-bce", "loss \"bce\" with a sigmoid output", train={"loss": "bce"}),
    _case("cross-entropy", "softmax output with loss \"cross_entropy\", one-hot targets", sizes=(3, 5, 4, 3),
          network={"output_activation": "softmax"}, train={"loss": "cross_entropy"}, onehot=True, seed=41),
    *(_case(f"hidden-{f}", f"hidden layers {f}, output sigmoid", network={"hidden_activation": f}, seed=51 + k)
      for k, f in enumerate(("tanh", "relu", "leaky_relu", "identity"))),
    _case("leaky-slope", "hidden leaky_relu with slope 0.2", network={"hidden_activation": "leaky_relu",
                                                                     "leaky_slope": 0.2}, seed=61),
    *(_case(f"output-{f}", f"output layer {f}, hidden sigmoid", network={"output_activation": f}, seed=71 + k)
      for k, f in enumerate(("tanh", "identity", "leaky_relu"))),
)

CORE = tuple(c.name for c in SUITE if not c.needs)
# each structure experiment's other versions, closest first
VERSIONS: dict[str, tuple[Case, ...]] = {base: _versions(base) for base in STRUCTURE}
# every experiment with a shipped recording: the suite's, then the versions
RECORDED: tuple[Case, ...] = SUITE + tuple(c for versions in VERSIONS.values() for c in versions)


def case(name: str) -> Case:
    for c in RECORDED:
        if c.name == name:
            return c
    raise KeyError(name)
