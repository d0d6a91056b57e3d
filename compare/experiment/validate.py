"""Turn a parsed experiment document (TOML plus flags) into an `Experiment`, or say exactly what is wrong.

Every error is one line naming where (the file and key path, or the flag), what was expected and what was
found. Shapes are checked here, at the boundary, so that NumPy broadcasting never gets the chance to accept
a wrong one downstream.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from compare.errors import ExperimentError
from compare.experiment.definition import (
    DEVICES,
    DTYPES,
    HIDDEN_ACTIVATIONS,
    INIT_SCHEMES,
    LOSSES,
    MODES,
    MSE_SCALES,
    ORDERS,
    OUTPUT_ACTIVATIONS,
    REDUCTIONS,
    Experiment,
)
from compare.experiment.optimizers import optimizer_fields
from compare.experiment.values import Found, boolean, choice, fail, integer, number, string, to_bias, to_matrix

SCHEMA: dict[str, tuple[str, ...]] = {
    "": ("name", "description", "network", "init", "data", "train"),
    "network": ("sizes", "activation", "hidden_activation", "output_activation", "leaky_slope", "bias"),
    "init": ("weights", "biases", "scheme"),
    "data": ("inputs", "targets", "names", "csv", "input_columns", "target_columns"),
    "train": ("lr", "epochs", "report_every", "mode", "order", "batch_size", "samples_per_epoch",
              "drop_last", "seed", "loss", "dtype", "momentum", "dampening", "nesterov", "weight_decay",
              "maximize", "device", "optimizer", "betas", "eps", "amsgrad", "alpha", "centered", "lr_decay",
              "initial_accumulator_value", "weight_decay_biases", "reduction", "bce_outputs", "l2", "l2_biases",
              "mse_scale"),
}
MAX_EPOCHS = 10_000_000
MAX_WIDTH = 100_000
# A teaching tool runs small networks; these bounds turn a typo (`epochs = 10000000000`, a width of 10^5 in
# every layer) into one clear line instead of hours of training or an exhausted memory.
MAX_UPDATES = 10_000_000          # epochs x updates per epoch (the harness keeps one float per update)
MAX_PARAMETERS = 1_000_000        # weights + biases
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class Where:
    """Names a key for messages: `file.toml: train.lr`, or `--lr` when a flag set it."""

    def __init__(self, source: str, flags: Mapping[str, str]):
        self.source, self.flags = source, flags

    def __call__(self, path: str) -> str:
        if path in self.flags:
            return self.flags[path]
        return f"{self.source}: {path}" if path else self.source


def key_path(section: str, key: Any) -> str:
    """`train.lr`; a key that is not a bare TOML key is quoted, so that a message stays one line."""
    text = str(key) if BARE_KEY.fullmatch(str(key)) else json.dumps(str(key))
    return f"{section}.{text}" if section else text


def check_keys(doc: Mapping[str, Any], where: Where) -> None:
    """Unknown sections and keys are errors, with the nearest valid name when one is close."""
    for section, allowed in SCHEMA.items():
        table = doc if not section else doc.get(section, {})
        if not isinstance(table, Mapping):
            raise fail(where(section), "a table [" + section + "]", table)
        for key in table:
            if key not in allowed:
                path = key_path(section, key)
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else f" (valid: {', '.join(allowed)})"
                raise ExperimentError(f"{where(path)}: unknown key{hint}")


def build(doc: Mapping[str, Any], where: Where, *, default_name: str = "experiment") -> Experiment:
    """Validate a document whose `[data]` holds `inputs`/`targets` arrays (CSV already read)."""
    check_keys(doc, where)
    for section in ("network", "init", "data", "train"):
        if section not in doc:
            raise ExperimentError(f"{where('')}: missing required section [{section}]")
    net, init, data, train = doc["network"], doc["init"], doc["data"], doc["train"]

    def need(table: Mapping[str, Any], section: str, key: str) -> Any:
        if key not in table:
            raise ExperimentError(f"{where(section + '.' + key)}: missing required key")
        return table[key]

    name = string(doc.get("name", default_name), where("name"))
    description = string(doc.get("description", ""), where("description"))

    sizes_raw = need(net, "network", "sizes")
    if not isinstance(sizes_raw, list) or len(sizes_raw) < 2:
        raise fail(where("network.sizes"), "a list of at least 2 layer widths", sizes_raw)
    sizes = tuple(integer(s, f"{where('network.sizes')}[{i}]", lo=1, hi=MAX_WIDTH)
                  for i, s in enumerate(sizes_raw))
    n_parameters = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if n_parameters > MAX_PARAMETERS:
        raise fail(where("network.sizes"), f"at most {MAX_PARAMETERS} weights and biases in all",
                    Found(f"{list(sizes)}: {n_parameters} parameters"))
    both = choice(net.get("activation", "sigmoid"), where("network.activation"), OUTPUT_ACTIVATIONS)
    if both == "softmax" and "hidden_activation" not in net:
        raise ExperimentError(f"{where('network.activation')}: softmax is for the output layer only; set "
                              "output_activation = \"softmax\" and a hidden_activation")
    hidden = choice(net.get("hidden_activation", both), where("network.hidden_activation"), HIDDEN_ACTIVATIONS)
    output = choice(net.get("output_activation", both), where("network.output_activation"), OUTPUT_ACTIVATIONS)
    slope = number(net.get("leaky_slope", 0.01), where("network.leaky_slope"))
    bias = boolean(net.get("bias", True), where("network.bias"))

    lr = number(need(train, "train", "lr"), where("train.lr"), lo=0, lo_open=True)
    epochs = integer(need(train, "train", "epochs"), where("train.epochs"), lo=1, hi=MAX_EPOCHS)
    report_every = integer(train.get("report_every", max(1, epochs // 10)), where("train.report_every"), lo=1)
    mode = choice(train.get("mode", "stochastic"), where("train.mode"), MODES)
    order = train.get("order")
    if order is not None:
        order = choice(order, where("train.order"), ORDERS)
    drop_last = boolean(train.get("drop_last", False), where("train.drop_last"))
    seed = integer(train.get("seed", 0), where("train.seed"), lo=0, hi=2**63 - 1)
    loss = choice(train.get("loss", "sum"), where("train.loss"), LOSSES)
    dtype = choice(train.get("dtype", "float64"), where("train.dtype"), DTYPES)
    optimizer = optimizer_fields(train, lr, where)     # the optimizer and its keys, torch's rules
    device = choice(train.get("device", "cpu"), where("train.device"), DEVICES)
    decay_biases = boolean(train.get("weight_decay_biases", True), where("train.weight_decay_biases"))
    reduction, bce_outputs, l2, l2_biases = _conventions(train, loss, bias, where)
    mse_scale = _mse_scale(train.get("mse_scale", 0.5), loss, where("train.mse_scale"))
    if output == "softmax" and loss != "cross_entropy":
        raise ExperimentError(f"{where('network.output_activation')}: softmax needs loss = \"cross_entropy\", "
                              f"found loss = \"{loss}\"")
    if loss == "cross_entropy" and output != "softmax":
        raise ExperimentError(f"{where('train.loss')}: cross_entropy needs output_activation = \"softmax\", "
                              f"found \"{output}\"")
    if loss == "bce" and output != "sigmoid":
        raise ExperimentError(f"{where('train.loss')}: bce needs output_activation = \"sigmoid\", "
                              f"found \"{output}\"")

    inputs = to_matrix(need(data, "data", "inputs"), where("data.inputs"), (None, sizes[0]))
    n = inputs.shape[0]
    if n < 1:
        raise fail(where("data.inputs"), "at least one sample", Found("none"))
    targets = to_matrix(need(data, "data", "targets"), where("data.targets"), (n, sizes[-1]))
    _check_targets(targets, loss, where("data.targets"))
    names_raw = data.get("names", [f"sample {i}" for i in range(n)])
    if not isinstance(names_raw, list) or len(names_raw) != n:
        raise fail(where("data.names"), f"a list of {n} names (one per sample)", names_raw)
    names = tuple(string(s, f"{where('data.names')}[{i}]") for i, s in enumerate(names_raw))

    batch_size = 2
    if mode == "minibatch":
        batch_size = integer(train.get("batch_size", 2), where("train.batch_size"), lo=1, hi=n)
    elif "batch_size" in train:
        integer(train["batch_size"], where("train.batch_size"), lo=1)
        batch_size = train["batch_size"]
    samples_per_epoch = None
    if "samples_per_epoch" in train:
        samples_per_epoch = integer(train["samples_per_epoch"], where("train.samples_per_epoch"), lo=1,
                                     hi=MAX_EPOCHS)

    weights = biases = scheme = None
    if "scheme" in init:
        scheme = choice(init["scheme"], where("init.scheme"), INIT_SCHEMES)
        if "weights" in init or "biases" in init:
            raise ExperimentError(f"{where('init.scheme')}: give either a scheme or weights + biases, not both")
    else:
        layers = len(sizes) - 1
        if not bias and "biases" in init:
            raise ExperimentError(f"{where('init.biases')}: the network has no biases (network.bias = false); "
                                  "remove init.biases")
        w_raw = need(init, "init", "weights")
        b_raw = need(init, "init", "biases") if bias else [[0.0] * n for n in sizes[1:]]
        for key, raw in (("weights", w_raw), ("biases", b_raw)):
            if not isinstance(raw, (list, tuple)) or len(raw) != layers:
                found = Found(f"{len(raw)} arrays") if isinstance(raw, (list, tuple)) else raw
                raise fail(where(f"init.{key}"), f"{layers} arrays (one per layer, sizes {list(sizes)})", found)
        weights = tuple(to_matrix(w, f"{where('init.weights')}[{i}]", (sizes[i], sizes[i + 1]))
                        for i, w in enumerate(w_raw))
        biases = tuple(to_bias(b, f"{where('init.biases')}[{i}]", sizes[i + 1]) for i, b in enumerate(b_raw))

    experiment = Experiment(
        name=name, description=description, sizes=sizes, inputs=inputs, targets=targets, names=names,
        lr=lr, epochs=epochs, report_every=report_every, hidden_activation=hidden, output_activation=output,
        leaky_slope=slope, bias=bias, weight_decay_biases=decay_biases,
        init_weights=weights, init_biases=biases, init_scheme=scheme, mode=mode,
        order=order, batch_size=batch_size, samples_per_epoch=samples_per_epoch, drop_last=drop_last,
        seed=seed, loss=loss, dtype=dtype, **optimizer, device=device, reduction=reduction,
        bce_outputs=bce_outputs, l2=l2, l2_biases=l2_biases, mse_scale=mse_scale, source=where(""))
    if experiment.total_updates > MAX_UPDATES:
        key = "train.samples_per_epoch" if experiment.resolved_order == "replacement" else "train.epochs"
        raise fail(where(key), f"at most {MAX_UPDATES} updates in all (epochs x updates per epoch)",
                    Found(f"{epochs} x {experiment.updates_per_epoch} = {experiment.total_updates}"))
    if experiment.updates_per_epoch == 0:
        raise ExperimentError(
            f"{where('train.drop_last')}: every batch would be dropped (batch size "
            f"{experiment.effective_batch_size}, {experiment.effective_samples_per_epoch} sample(s) per epoch)")
    return experiment


def _conventions(train: Mapping[str, Any], loss: str, bias: bool, where: Where) -> tuple[str, str, float, bool]:
    """`reduction`, `bce_outputs`, `l2`, `l2_biases`: the loss's conventions, each checked against the loss
    and the network it applies to."""
    reduction = choice(train.get("reduction", "mean"), where("train.reduction"), REDUCTIONS)
    bce_outputs = choice(train.get("bce_outputs", "mean"), where("train.bce_outputs"), REDUCTIONS)
    if bce_outputs == "sum" and loss != "bce":
        raise ExperimentError(f"{where('train.bce_outputs')}: sums loss \"bce\" over the outputs, but the loss is "
                              f"\"{loss}\" (for the MSE losses, loss \"sum\" / \"mean\" say it)")
    l2 = number(train.get("l2", 0.0), where("train.l2"), lo=0)
    l2_biases = boolean(train.get("l2_biases", False), where("train.l2_biases"))
    if l2_biases and not bias:
        raise ExperimentError(f"{where('train.l2_biases')}: the network has no biases (network.bias = false) to "
                              "put in the L2 penalty")
    if l2_biases and not l2:
        raise ExperimentError(f"{where('train.l2_biases')}: puts the biases in the L2 penalty, but l2 = 0 (no "
                              "penalty): set l2 = LAMBDA too")
    return reduction, bce_outputs, l2, l2_biases


def _mse_scale(value: Any, loss: str, where: str) -> float:
    """`mse_scale`: the MSE losses' factor of (t - a)^2, exactly 0.5 (the lesson's) or 1 (torch's MSELoss)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value not in MSE_SCALES:
        raise fail(where, "0.5 (the loss (t - a)^2 / 2) or 1 (the loss (t - a)^2, torch's MSELoss)", value)
    if value != 0.5 and loss not in ("sum", "mean"):
        raise ExperimentError(f"{where}: applies to the MSE losses (\"sum\", \"mean\") only, but the loss is "
                              f"\"{loss}\" (found mse_scale = {float(value):g})")
    return float(value)


def _check_targets(targets: np.ndarray, loss: str, where: str) -> None:
    if loss == "bce":
        bad = np.argwhere((targets < 0) | (targets > 1))
        if bad.size:
            i, j = bad[0]
            raise fail(f"{where}[{i}][{j}]", "a target in [0, 1] for loss \"bce\"", float(targets[i, j]))
    if loss == "cross_entropy":
        onehot = np.all((targets == 0) | (targets == 1), axis=1) & (targets.sum(axis=1) == 1)
        if not onehot.all():
            i = int(np.argmin(onehot))
            raise fail(f"{where}[{i}]", "a one-hot row for loss \"cross_entropy\"", targets[i].tolist())

