"""`--show`: the resolved experiment (file + flags + defaults) as TOML that loads back to the same thing."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from compare.experiment.definition import Experiment


def _value(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return repr(float(x))
    if isinstance(x, str):
        return json.dumps(x, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(x, np.ndarray):
        return _value(x.tolist())
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in x) + "]"
    raise TypeError(type(x))


def to_toml(e: Experiment) -> str:
    lines = [f"# resolved from {e.source}", f"name = {_value(e.name)}",
             f"description = {_value(e.description)}", "", "[network]", f"sizes = {_value(list(e.sizes))}",
             f"hidden_activation = {_value(e.hidden_activation)}",
             f"output_activation = {_value(e.output_activation)}", f"leaky_slope = {_value(e.leaky_slope)}"]
    if not e.bias:
        lines.append("bias = false")
    lines += ["", "[init]"]
    if e.init_scheme:
        lines.append(f"scheme = {_value(e.init_scheme)}")
    else:
        lines.append(f"weights = {_value([w.tolist() for w in e.init_weights])}")
        if e.bias:
            lines.append(f"biases = {_value([b[0].tolist() for b in e.init_biases])}")
    lines += ["", "[data]", f"inputs = {_value(e.inputs)}", f"targets = {_value(e.targets)}",
              f"names = {_value(list(e.names))}", "", "[train]"]
    train = {"lr": e.lr, "epochs": e.epochs, "report_every": e.report_every, "mode": e.mode,
             "order": e.resolved_order, "batch_size": e.batch_size,
             "samples_per_epoch": e.effective_samples_per_epoch if e.resolved_order == "replacement"
             else (e.samples_per_epoch or e.n_samples),
             "drop_last": e.drop_last, "seed": e.seed, "loss": e.loss, "dtype": e.dtype,
             "optimizer": e.optimizer, **{k: v for k, v in e.optimizer_options.items() if k != "lr"},
             "device": e.device}
    if not e.weight_decay_biases:
        train["weight_decay_biases"] = False
    # the loss's conventions, written when they differ from torch's defaults (a recording made before they
    # existed renders the same)
    for key, default in (("reduction", "mean"), ("bce_outputs", "mean"), ("l2", 0.0), ("l2_biases", False),
                         ("mse_scale", 0.5)):
        if getattr(e, key) != default:
            train[key] = getattr(e, key)
    lines += [f"{k} = {_value(v)}" for k, v in train.items()]
    if e.bce_outputs == "sum" and e.sizes[-1] == 1:
        lines[-1 - list(reversed(train)).index("bce_outputs")] += ("  # one output: the sum over outputs is the "
                                                                   "mean, this changes nothing")
    return "\n".join(lines) + "\n"
