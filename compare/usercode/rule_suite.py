"""The default suite for update rules: `python -m compare check RULES.py` with no experiment.

Each case trains exercise3 (4 samples, 2-2-2-1, sigmoid) with the rule for a dozen updates or more, so that
every classic mistake shows (`compare.usercode.rule_hints`):

- several steps: the bias corrections and the step count change from update to update (a rule right at
  t = 1 only, or counting from 0, fails by update 2);
- weight decay on: coupled (Adam, RMSprop, Adagrad, SGD) versus decoupled (AdamW), or ignored;
- eps large (1e-3, near sqrt(v) here): eps inside the square root, or added before the bias correction, moves
  the step by a tenth; also with torch's default eps (1e-8), inside the root it moves the weights by ~1e-7,
  far outside the tolerance;
- RMSprop centred (`config['centered']`), Adagrad with learning-rate decay and an initial accumulator,
  single-sample updates (stochastic mode) as well as the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compare.experiment.definition import Experiment
from compare.experiment.sources import load_experiment
from compare.usercode.rules import RULES


@dataclass(frozen=True)
class RuleCase:
    name: str
    experiment: Experiment


LR = {"sgd": 0.5, "sgd_momentum": 0.1, "rmsprop": 0.01, "adam": 0.05, "adamw": 0.05, "adagrad": 0.1}


def rule_experiment(rule: str, base: str | Experiment = "exercise3", **overrides: Any) -> Experiment:
    """`base` (a preset, a path or an experiment's source) with the rule's optimizer and `overrides`."""
    spec = RULES[rule]
    options: dict[str, Any] = {"optimizer": spec.optimizer, **overrides}
    if rule == "sgd_momentum":
        options.setdefault("momentum", 0.9)
    return load_experiment(base, options) if isinstance(base, str) else load_experiment(base.source, options)


def suite(rule: str) -> list[RuleCase]:
    """The cases for one rule name (a name of `compare.usercode.rules.RULES`)."""
    lr = LR[rule]
    batch = dict(mode="batch", epochs=15, lr=lr)
    single = dict(mode="stochastic", order="sequential", epochs=4, lr=lr)
    cases = [("several steps", batch), ("single samples", single), ("weight decay", {**batch, "weight_decay": 0.1})]
    if rule in ("rmsprop", "adam", "adamw", "adagrad"):
        cases.append(("eps large", {**batch, "eps": 1e-3}))
    if rule == "rmsprop":
        cases.append(("centred", {**batch, "centered": True, "alpha": 0.9}))
    if rule in ("adam", "adamw"):
        cases.append(("other betas", {**batch, "betas": [0.5, 0.9], "weight_decay": 0.05}))
    if rule == "adagrad":
        cases.append(("lr decay, initial accumulator", {**batch, "lr_decay": 0.1,
                                                        "initial_accumulator_value": 0.1}))
    return [RuleCase(name, rule_experiment(rule, **options)) for name, options in cases]
