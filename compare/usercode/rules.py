"""A user's own update rules: which function names we take, what each is compared with, and loading them.

Per-parameter form (cs231n's `optim.py`): `rule(w, dw, config) -> (next_w, config)`, called once per parameter
and update with that parameter's own `config`, which carries the hyperparameters in and the rule's state from
one call to the next:

    name           torch optimizer                      hyperparameters (config keys)       state kept in config
    sgd            SGD                                   learning_rate, weight_decay          -
    sgd_momentum   SGD(momentum)                         learning_rate, momentum,             velocity (= -lr buf)
                                                         weight_decay
    rmsprop        RMSprop                               learning_rate, decay_rate (alpha),   cache (square_avg),
                                                         epsilon, weight_decay, centered      grad_avg (centred)
    adam           Adam                                  learning_rate, beta1, beta2,         m, v, t
                                                         epsilon, weight_decay (coupled)
    adamw          AdamW                                 the same, weight_decay decoupled     m, v, t
    adagrad        Adagrad                               learning_rate, epsilon, weight_decay, cache (sum), t
                                                         lr_decay, initial_accumulator_value

Whole-model form: `step(params, grads, config) -> (next_params, config)`, params and grads dicts
{"W1": ..., "b1": ..., ...} in the seed layout, one config for the whole model (its state is the rule's own
business: only the parameters are compared); the optimizer it implements is the experiment's (`--optimizer`).

A file may define several rules: each is checked. Detection reads the file's syntax (`ast`), so a file is
taken for a rule file before any of its code runs.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compare.errors import ExperimentError
from compare.files.bounded import read_bytes
from compare.usercode.load import UserCodeError, import_user_file


@dataclass(frozen=True)
class RuleSpec:
    """One accepted rule name: the torch optimizer it is compared with, how config keys map to torch's
    options, and which config keys hold which torch state quantity (with the scale from torch's to ours)."""

    name: str
    optimizer: str
    options: dict[str, str]               # config key -> torch keyword
    state: dict[str, tuple[str, str]]     # config key -> (torch state name, "lr" scale or "")
    extra: dict[str, Any]                 # fixed torch options (momentum for sgd_momentum)


RULES: dict[str, RuleSpec] = {
    "sgd": RuleSpec("sgd", "sgd", {"learning_rate": "lr", "weight_decay": "weight_decay"}, {}, {}),
    "sgd_momentum": RuleSpec("sgd_momentum", "sgd", {"learning_rate": "lr", "momentum": "momentum",
                                                      "weight_decay": "weight_decay"},
                             {"velocity": ("momentum_buffer", "-lr")}, {}),
    "rmsprop": RuleSpec("rmsprop", "rmsprop", {"learning_rate": "lr", "decay_rate": "alpha", "epsilon": "eps",
                                               "weight_decay": "weight_decay"},
                        {"cache": ("square_avg", ""), "grad_avg": ("grad_avg", "")}, {}),
    "adam": RuleSpec("adam", "adam", {"learning_rate": "lr", "beta1": "betas0", "beta2": "betas1",
                                      "epsilon": "eps", "weight_decay": "weight_decay"},
                     {"m": ("exp_avg", ""), "v": ("exp_avg_sq", ""), "t": ("step", "")}, {}),
    "adamw": RuleSpec("adamw", "adamw", {"learning_rate": "lr", "beta1": "betas0", "beta2": "betas1",
                                        "epsilon": "eps", "weight_decay": "weight_decay"},
                      {"m": ("exp_avg", ""), "v": ("exp_avg_sq", ""), "t": ("step", "")}, {}),
    "adagrad": RuleSpec("adagrad", "adagrad", {"learning_rate": "lr", "epsilon": "eps",
                                               "weight_decay": "weight_decay", "lr_decay": "lr_decay",
                                               "initial_accumulator_value": "initial_accumulator_value"},
                        {"cache": ("sum", ""), "t": ("step", "")}, {}),
}
SOURCE_BYTES = 16 << 20   # a rule file read to find its functions
WHOLE_MODEL = "step"
ACCEPTED = tuple(RULES) + (WHOLE_MODEL,)


def rule_names(path: str | Path) -> list[str]:
    """The accepted rule functions `path` defines at top level (read from its syntax, nothing run); [] for a
    file that defines `backward` (a backprop file) or no rule. UserCodeError for a file that does not parse."""
    file = Path(path)
    try:   # bounded, and a regular file only (a FIFO would block here)
        tree = ast.parse(read_bytes(file, str(file), SOURCE_BYTES), filename=str(file))
    except (ExperimentError, ValueError, SyntaxError, RecursionError, MemoryError):
        return []                 # missing, unreadable or not Python: the loader of backward files says so
    defined = [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if "backward" in defined:
        return []
    return [name for name in ACCEPTED if name in defined]


def load_rules(path: str | Path, names: list[str]) -> dict[str, Any]:
    """Import the file and return its rule functions by name. UserCodeError (exit 2) if it does not import
    or a name is not a function."""
    file = Path(path).resolve()
    module = import_user_file(file, f"_user_rules_{abs(hash(str(file)))}", str(path))
    rules = {}
    for name in names:
        fn = getattr(module, name, None)
        if not callable(fn):
            raise UserCodeError(f"{path}: `{name}` is not a function (found {type(fn).__name__})")
        rules[name] = fn
    return rules
