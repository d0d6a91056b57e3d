"""The optimizer of an experiment: `[train] optimizer` and the keys it takes, validated with torch's rules.

Each optimizer takes torch.optim's own keyword names (`OPTIMIZER_KEYS`); a key that the chosen optimizer does
not take is an error naming the optimizers that do. Values are checked in two steps: the type here
(a number, a boolean, a pair of numbers), then torch's own range checks in torch's own words, by building the
NumPy optimizer of `numpy_impl` (whose checks are torch's, tested against torch) on a dummy parameter, so that
the rules live in one place and no torch is needed to validate a file.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import numpy as np

from compare.errors import ExperimentError
from compare.experiment.definition import OPTIMIZER_DEFAULTS, OPTIMIZER_KEYS, OPTIMIZERS, Experiment
from compare.experiment.values import boolean, fail, number

# every key any optimizer takes, in the order `--show` writes them
ALL_KEYS = ("momentum", "dampening", "nesterov", "betas", "eps", "amsgrad", "alpha", "centered", "lr_decay",
            "initial_accumulator_value", "weight_decay", "maximize")
BOOLEANS = ("nesterov", "amsgrad", "centered", "maximize")
TORCH_NAMES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad"}
# the start of each of torch's refusals, and the key it is about
TORCH_WORDS = {"Invalid learning rate": "lr", "Invalid epsilon value": "eps", "Invalid beta parameter": "betas",
               "Invalid weight_decay value": "weight_decay", "Invalid momentum value": "momentum",
               "Invalid alpha value": "alpha", "Invalid lr_decay value": "lr_decay",
               "Invalid initial_accumulator_value value": "initial_accumulator_value",
               "Nesterov momentum requires": "nesterov"}


def takers(key: str) -> str:
    """"sgd and rmsprop": the optimizers that take `key`."""
    names = [name for name in OPTIMIZERS if key in OPTIMIZER_KEYS[name]]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def optimizer_name(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise fail(where, "an optimizer name (" + ", ".join(OPTIMIZERS) + ")", value)
    if value not in OPTIMIZERS:
        close = difflib.get_close_matches(value.lower(), OPTIMIZERS, n=1, cutoff=0.5)
        hint = f"did you mean \"{close[0]}\"? " if close else ""
        raise ExperimentError(f"{where}: unknown optimizer {value!r} ({hint}optimizers: {', '.join(OPTIMIZERS)})")
    return value


def betas_pair(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise fail(where, "two numbers [beta1, beta2]", value)
    return number(value[0], f"{where}[0]"), number(value[1], f"{where}[1]")


def optimizer_fields(train: Mapping[str, Any], lr: float, where: Any) -> dict[str, Any]:
    """The `Experiment` fields of the optimizer (`optimizer` and every key of ALL_KEYS) from the [train]
    table; `where(path)` names a key for messages (`compare.experiment.validate.Where`)."""
    name = optimizer_name(train.get("optimizer", "sgd"), where("train.optimizer"))
    taken = OPTIMIZER_KEYS[name]
    for key in ALL_KEYS:
        if key in train and key not in taken:
            chosen = where("train.optimizer")
            chosen = f" ({chosen})" if chosen.startswith("--") else ""
            raise ExperimentError(f"{where('train.' + key)}: optimizer \"{name}\"{chosen} does not take {key} "
                                  f"({takers(key)} {'does' if ' and ' not in takers(key) else 'do'})")
    defaults = {field: Experiment.__dataclass_fields__[field].default for field in ALL_KEYS}
    defaults.update(OPTIMIZER_DEFAULTS[name])
    fields: dict[str, Any] = {"optimizer": name}
    for key in ALL_KEYS:
        value = train.get(key, defaults[key])
        if key == "betas":
            fields[key] = betas_pair(value, where("train.betas"))
        elif key in BOOLEANS:
            fields[key] = boolean(value, where("train." + key))
        elif key in ("momentum", "weight_decay") and name == "sgd":
            fields[key] = number(value, where("train." + key), lo=0)    # the words these flags always had
        else:
            fields[key] = number(value, where("train." + key))
    torch_checks(name, lr, fields, where)
    return fields


def torch_checks(name: str, lr: float, fields: Mapping[str, Any], where: Any) -> None:
    """torch's own range checks and words, through numpy_impl's optimizer of the same name."""
    from numpy_impl.optimizers import make_optimizer

    options = {"lr": lr, **{key: fields[key] for key in OPTIMIZER_KEYS[name]}}
    try:
        make_optimizer(name, [np.zeros(1)], **options)
    except ValueError as exc:
        message = str(exc)
        key = next((k for start, k in TORCH_WORDS.items() if message.startswith(start)), "optimizer")
        if key == "nesterov":   # the rule names two keys: say which values broke it, as torch does not
            message += f" (found momentum {fields['momentum']:g}, dampening {fields['dampening']:g})"
        else:
            message += f" (torch.optim.{TORCH_NAMES[name]} refuses it)"
        raise ExperimentError(f"{where('train.' + key)}: {message}") from None
