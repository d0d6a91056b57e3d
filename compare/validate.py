"""Turn a parsed experiment document (TOML plus flags) into an `Experiment`, or say exactly what is wrong.

Every error is one line naming where (the file and key path, or the flag), what was expected and what was
found. Shapes are checked here, at the boundary, so that NumPy broadcasting never gets the chance to accept
a wrong one downstream.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from compare.errors import ExperimentError
from compare.experiment import (
    DEVICES,
    DTYPES,
    HIDDEN_ACTIVATIONS,
    INIT_SCHEMES,
    LOSSES,
    MODES,
    ORDERS,
    OUTPUT_ACTIVATIONS,
    Experiment,
)

SCHEMA: dict[str, tuple[str, ...]] = {
    "": ("name", "description", "network", "init", "data", "train"),
    "network": ("sizes", "activation", "hidden_activation", "output_activation", "leaky_slope"),
    "init": ("weights", "biases", "scheme"),
    "data": ("inputs", "targets", "names", "csv", "input_columns", "target_columns"),
    "train": ("lr", "epochs", "report_every", "mode", "order", "batch_size", "samples_per_epoch",
              "drop_last", "seed", "loss", "dtype", "momentum", "dampening", "nesterov", "weight_decay",
              "maximize", "device"),
}
MAX_EPOCHS = 10_000_000
MAX_WIDTH = 100_000
# A teaching tool runs small networks; these bounds turn a typo (`epochs = 10000000000`, a width of 10^5 in
# every layer) into one clear line instead of hours of training or an exhausted memory.
MAX_UPDATES = 10_000_000          # epochs x updates per epoch (the harness keeps one float per update)
MAX_PARAMETERS = 1_000_000        # weights + biases
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class Found(str):
    """A description of what was found ("shape 2x1"), printed without quotes."""


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


def _fail(where: str, expected: str, found: Any) -> ExperimentError:
    """`found` is shown with repr(); a `Found` (a description, not a value) is shown as it is."""
    if isinstance(found, int) and not isinstance(found, bool) and found.bit_length() > 256:
        # repr() refuses integers of more than 4300 digits
        found = Found(f"an integer of about {int(found.bit_length() * math.log10(2)) + 1} digits")
    text = str(found) if isinstance(found, Found) else repr(found)
    if len(text) > 80:
        text = text[:77] + "..."
    return ExperimentError(f"{where}: expected {expected}, found {text}")


def check_keys(doc: Mapping[str, Any], where: Where) -> None:
    """Unknown sections and keys are errors, with the nearest valid name when one is close."""
    for section, allowed in SCHEMA.items():
        table = doc if not section else doc.get(section, {})
        if not isinstance(table, Mapping):
            raise _fail(where(section), "a table [" + section + "]", table)
        for key in table:
            if key not in allowed:
                path = key_path(section, key)
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else f" (valid: {', '.join(allowed)})"
                raise ExperimentError(f"{where(path)}: unknown key{hint}")


def _number(value: Any, where: str, *, lo: float | None = None, lo_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(where, "a number", value)
    if isinstance(value, int) and value.bit_length() > 1000:   # float() would overflow
        raise _fail(where, "a finite number", value)
    value = float(value)
    if not math.isfinite(value):
        raise _fail(where, "a finite number", value)
    if lo is not None and (value <= lo if lo_open else value < lo):
        raise _fail(where, f"a number {'>' if lo_open else '>='} {lo:g}", value)
    return value


def _integer(value: Any, where: str, *, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, "an integer", value)
    if value < lo or (hi is not None and value > hi):
        raise _fail(where, f"an integer in {lo}..{hi}" if hi is not None else f"an integer >= {lo}", value)
    return value


def _choice(value: Any, where: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _fail(where, "one of " + ", ".join(f'"{c}"' for c in choices), value)
    return value


def _boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "true or false", value)
    return value


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, "a string", value)
    return value


def to_matrix(value: Any, where: str, shape: tuple[int | None, int | None]) -> np.ndarray:
    """A 2-D list (or array) of finite numbers of the given shape (None: any length) -> float64 array."""
    if isinstance(value, np.ndarray):
        if value.dtype == object or value.dtype.kind not in "iuf":
            raise _fail(where, "an array of numbers", Found(f"dtype {value.dtype}"))
        array = value.astype(np.float64)
    else:
        if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
            raise _fail(where, "a 2-D list (one list per row)", value)
        for i, row in enumerate(value):
            for j, x in enumerate(row):
                if isinstance(x, bool) or not isinstance(x, (int, float)):
                    raise _fail(f"{where}[{i}][{j}]", "a number", x)
                if isinstance(x, int) and x.bit_length() > 1000:   # float() would overflow
                    raise _fail(f"{where}[{i}][{j}]", "a finite number", x)
        lengths = {len(row) for row in value}
        if len(lengths) > 1:
            raise _fail(where, "rows of equal length", Found(f"lengths {sorted(lengths)}"))
        array = np.array(value, dtype=np.float64).reshape(len(value), lengths.pop() if lengths else 0)
    want = "x".join("N" if n is None else str(n) for n in shape)
    if array.ndim != 2 or any(n is not None and n != m for n, m in zip(shape, array.shape)):
        raise _fail(where, f"shape {want}", Found(f"shape {'x'.join(map(str, array.shape))}"))
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        i, j = bad[0]
        raise _fail(f"{where}[{i}][{j}]", "a finite number", float(array[i, j]))
    array.setflags(write=False)
    return array


def to_bias(value: Any, where: str, width: int) -> np.ndarray:
    """A bias: 1-D list of length `width`, or (1, width); returned as (1, width)."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.reshape(1, -1)
    elif isinstance(value, list) and not any(isinstance(x, list) for x in value):
        value = [value]
    return to_matrix(value, where, (1, width))


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

    name = _string(doc.get("name", default_name), where("name"))
    description = _string(doc.get("description", ""), where("description"))

    sizes_raw = need(net, "network", "sizes")
    if not isinstance(sizes_raw, list) or len(sizes_raw) < 2:
        raise _fail(where("network.sizes"), "a list of at least 2 layer widths", sizes_raw)
    sizes = tuple(_integer(s, f"{where('network.sizes')}[{i}]", lo=1, hi=MAX_WIDTH)
                  for i, s in enumerate(sizes_raw))
    n_parameters = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if n_parameters > MAX_PARAMETERS:
        raise _fail(where("network.sizes"), f"at most {MAX_PARAMETERS} weights and biases in all",
                    Found(f"{list(sizes)}: {n_parameters} parameters"))
    both = _choice(net.get("activation", "sigmoid"), where("network.activation"), OUTPUT_ACTIVATIONS)
    if both == "softmax" and "hidden_activation" not in net:
        raise ExperimentError(f"{where('network.activation')}: softmax is for the output layer only; set "
                              "output_activation = \"softmax\" and a hidden_activation")
    hidden = _choice(net.get("hidden_activation", both), where("network.hidden_activation"), HIDDEN_ACTIVATIONS)
    output = _choice(net.get("output_activation", both), where("network.output_activation"), OUTPUT_ACTIVATIONS)
    slope = _number(net.get("leaky_slope", 0.01), where("network.leaky_slope"))

    lr = _number(need(train, "train", "lr"), where("train.lr"), lo=0, lo_open=True)
    epochs = _integer(need(train, "train", "epochs"), where("train.epochs"), lo=1, hi=MAX_EPOCHS)
    report_every = _integer(train.get("report_every", max(1, epochs // 10)), where("train.report_every"), lo=1)
    mode = _choice(train.get("mode", "stochastic"), where("train.mode"), MODES)
    order = train.get("order")
    if order is not None:
        order = _choice(order, where("train.order"), ORDERS)
    drop_last = _boolean(train.get("drop_last", False), where("train.drop_last"))
    seed = _integer(train.get("seed", 0), where("train.seed"), lo=0, hi=2**63 - 1)
    loss = _choice(train.get("loss", "sum"), where("train.loss"), LOSSES)
    dtype = _choice(train.get("dtype", "float64"), where("train.dtype"), DTYPES)
    momentum = _number(train.get("momentum", 0.0), where("train.momentum"), lo=0)
    dampening = _number(train.get("dampening", 0.0), where("train.dampening"))
    nesterov = _boolean(train.get("nesterov", False), where("train.nesterov"))
    weight_decay = _number(train.get("weight_decay", 0.0), where("train.weight_decay"), lo=0)
    maximize = _boolean(train.get("maximize", False), where("train.maximize"))
    device = _choice(train.get("device", "cpu"), where("train.device"), DEVICES)
    if nesterov and (momentum <= 0 or dampening != 0):
        # torch.optim.SGD's own rule and words
        raise ExperimentError(f"{where('train.nesterov')}: Nesterov momentum requires a momentum and zero "
                              f"dampening (found momentum {momentum:g}, dampening {dampening:g})")
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
        raise _fail(where("data.inputs"), "at least one sample", Found("none"))
    targets = to_matrix(need(data, "data", "targets"), where("data.targets"), (n, sizes[-1]))
    _check_targets(targets, loss, where("data.targets"))
    names_raw = data.get("names", [f"sample {i}" for i in range(n)])
    if not isinstance(names_raw, list) or len(names_raw) != n:
        raise _fail(where("data.names"), f"a list of {n} names (one per sample)", names_raw)
    names = tuple(_string(s, f"{where('data.names')}[{i}]") for i, s in enumerate(names_raw))

    batch_size = 2
    if mode == "minibatch":
        batch_size = _integer(train.get("batch_size", 2), where("train.batch_size"), lo=1, hi=n)
    elif "batch_size" in train:
        _integer(train["batch_size"], where("train.batch_size"), lo=1)
        batch_size = train["batch_size"]
    samples_per_epoch = None
    if "samples_per_epoch" in train:
        samples_per_epoch = _integer(train["samples_per_epoch"], where("train.samples_per_epoch"), lo=1,
                                     hi=MAX_EPOCHS)

    weights = biases = scheme = None
    if "scheme" in init:
        scheme = _choice(init["scheme"], where("init.scheme"), INIT_SCHEMES)
        if "weights" in init or "biases" in init:
            raise ExperimentError(f"{where('init.scheme')}: give either a scheme or weights + biases, not both")
    else:
        w_raw, b_raw = need(init, "init", "weights"), need(init, "init", "biases")
        layers = len(sizes) - 1
        for key, raw in (("weights", w_raw), ("biases", b_raw)):
            if not isinstance(raw, (list, tuple)) or len(raw) != layers:
                found = Found(f"{len(raw)} arrays") if isinstance(raw, (list, tuple)) else raw
                raise _fail(where(f"init.{key}"), f"{layers} arrays (one per layer, sizes {list(sizes)})", found)
        weights = tuple(to_matrix(w, f"{where('init.weights')}[{i}]", (sizes[i], sizes[i + 1]))
                        for i, w in enumerate(w_raw))
        biases = tuple(to_bias(b, f"{where('init.biases')}[{i}]", sizes[i + 1]) for i, b in enumerate(b_raw))

    experiment = Experiment(
        name=name, description=description, sizes=sizes, inputs=inputs, targets=targets, names=names,
        lr=lr, epochs=epochs, report_every=report_every, hidden_activation=hidden, output_activation=output,
        leaky_slope=slope, init_weights=weights, init_biases=biases, init_scheme=scheme, mode=mode,
        order=order, batch_size=batch_size, samples_per_epoch=samples_per_epoch, drop_last=drop_last,
        seed=seed, loss=loss, dtype=dtype, momentum=momentum, dampening=dampening, nesterov=nesterov,
        weight_decay=weight_decay, maximize=maximize, device=device, source=where(""))
    if experiment.total_updates > MAX_UPDATES:
        key = "train.samples_per_epoch" if experiment.resolved_order == "replacement" else "train.epochs"
        raise _fail(where(key), f"at most {MAX_UPDATES} updates in all (epochs x updates per epoch)",
                    Found(f"{epochs} x {experiment.updates_per_epoch} = {experiment.total_updates}"))
    if experiment.updates_per_epoch == 0:
        raise ExperimentError(
            f"{where('train.drop_last')}: every batch would be dropped (batch size "
            f"{experiment.effective_batch_size}, {experiment.effective_samples_per_epoch} sample(s) per epoch)")
    return experiment


def _check_targets(targets: np.ndarray, loss: str, where: str) -> None:
    if loss == "bce":
        bad = np.argwhere((targets < 0) | (targets > 1))
        if bad.size:
            i, j = bad[0]
            raise _fail(f"{where}[{i}][{j}]", "a target in [0, 1] for loss \"bce\"", float(targets[i, j]))
    if loss == "cross_entropy":
        onehot = np.all((targets == 0) | (targets == 1), axis=1) & (targets.sum(axis=1) == 1)
        if not onehot.all():
            i = int(np.argmin(onehot))
            raise _fail(f"{where}[{i}]", "a one-hot row for loss \"cross_entropy\"", targets[i].tolist())

