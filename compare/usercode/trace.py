"""A recording of a torch run, to check a user's backprop against without torch.

A trace is a plain `.npz` (no pickled objects; loaded with `allow_pickle=False`) holding:

    format, version                 "backprop-parity-trace", 1
    experiment                      the resolved experiment as TOML (`compare.experiment.show.to_toml`), with the
                                    initial weights written out, so that it loads without torch
    environment                     JSON: python, numpy, torch versions, dtype, threads, platform
    sizes                           (L + 1,) layer widths
    initial_W1, initial_b1, ...     the weights before update 1, seed layout (W (n_in, n_out), b (1, n_out))
    epoch, batch                    (U,) for each update (from 0)
    offsets                         (U + 1,) update u used samples[offsets[u]:offsets[u + 1]]
    samples                         (S,) the sample indices the DataLoader yielded, batch after batch
    loss                            (U,) the batch loss before each update
    A1 ... AL, dZ1 ... dZL          (S, n_l) the forward pass and autograd's dL/dZ, the batches' rows stacked
    dW1 ... dWL, db1 ... dbL        (U, n_{l-1}, n_l), (U, 1, n_l) the gradients (read before the step)
    W1 ... WL, b1 ... bL            (U, ...) the weights after each update

Everything numerical is float64 (a float32 run's values are exact in it). Loading checks the format, the
version and the consistency of every array, so a foreign, older or truncated file is one clear line.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from compare.diagnosis.stages import Stages
from compare.errors import ExperimentError
from compare.experiment.definition import Experiment
from compare.experiment.show import to_toml
from compare.experiment.validate import Where as DocWhere
from compare.experiment.validate import build
from compare.files.atomic import save_npz
from compare.files.bounded import TRACE_BYTES, Archive

FORMAT = "backprop-parity-trace"
VERSION = 1


class TraceBuilder:
    """A trace's arrays, built update by update: `add` each update's captured stages (`Stages`), then `arrays`.
    One layout for every recorder (torch's run here, the NumPy reference of `compare.grading`)."""

    def __init__(self, n_layers: int):
        self.L = n_layers
        self.per_update: dict[str, list[list[np.ndarray]]] = {k: [] for k in ("dW", "db", "W", "b")}
        self.per_sample: dict[str, list[list[np.ndarray]]] = {k: [[] for _ in range(n_layers)] for k in ("A", "dZ")}
        self.samples: list[np.ndarray] = []
        self.offsets, self.epochs, self.batches, self.losses = [0], [], [], []

    def add(self, epoch: int, batch: int, indices: np.ndarray, s: Stages,
            dZ: list[np.ndarray] | None = None) -> None:
        """Update number len(epochs) + 1: the batch `indices` of (epoch, batch) and what it computed.
        `dZ`: dL/dZ of the batch loss per layer, when `s` does not carry it (`s.dZ`)."""
        dZ = s.dZ if dZ is None else dZ
        for l in range(self.L):
            self.per_sample["A"][l].append(s.activations[l + 1])                       # (B, n_{l+1})
            self.per_sample["dZ"][l].append(dZ[l])                                     # (B, n_{l+1})
        for key, values in (("dW", s.dW), ("db", s.db), ("W", s.weights), ("b", s.biases)):
            self.per_update[key].append(values)
        self.samples.append(np.asarray(indices, dtype=np.int64))
        self.offsets.append(self.offsets[-1] + len(indices))
        self.epochs.append(epoch)
        self.batches.append(batch)
        self.losses.append(s.loss if s.loss is not None else np.nan)

    def arrays(self, e: Experiment, weights: list[np.ndarray], biases: list[np.ndarray], *,
               write_weights: bool = True) -> dict[str, np.ndarray]:
        """Every array of the trace (module docstring). `write_weights`: the experiment's TOML carries the
        initial weights written out (so that a file loads without torch); else the experiment as it is."""
        from compare.running.environment import environment

        explicit = e if not write_weights else dataclasses.replace(
            e, init_scheme=None, init_weights=tuple(np.array(w) for w in weights),
            init_biases=tuple(np.array(b).reshape(1, -1) for b in biases))
        arrays: dict[str, np.ndarray] = {
            "format": np.array(FORMAT), "version": np.array(VERSION, dtype=np.int64),
            "experiment": np.array(to_toml(explicit)), "environment": np.array(json.dumps(environment(e.dtype))),
            "sizes": np.array(e.sizes, dtype=np.int64), "epoch": np.array(self.epochs, dtype=np.int64),
            "batch": np.array(self.batches, dtype=np.int64), "offsets": np.array(self.offsets, dtype=np.int64),
            "samples": np.concatenate(self.samples), "loss": np.array(self.losses, dtype=np.float64)}
        for l in range(self.L):
            arrays[f"initial_W{l + 1}"] = np.asarray(weights[l], dtype=np.float64)
            arrays[f"initial_b{l + 1}"] = np.asarray(biases[l], dtype=np.float64).reshape(1, -1)
            for key in ("A", "dZ"):
                arrays[f"{key}{l + 1}"] = np.concatenate(self.per_sample[key][l]).astype(np.float64)
            for key in ("dW", "db", "W", "b"):
                arrays[f"{key}{l + 1}"] = np.stack([u[l] for u in self.per_update[key]]).astype(np.float64)
        return arrays


def record(experiment: Experiment, weights: list[np.ndarray], biases: list[np.ndarray], *,
           on_epoch: Callable[[int, float | None], None] | None = None) -> dict[str, np.ndarray]:
    """Train the torch implementation, capturing every stage of every update; the trace's arrays."""
    from compare.diagnosis.stages import capture_torch
    from compare.running.divergence import divergence, end_of_epoch
    from torch_impl.trainer import TorchTrainer

    e = experiment
    trainer = TorchTrainer(e, weights, biases)
    trace = TraceBuilder(e.n_layers)
    for epoch in range(e.epochs):
        for batch, (X, T, indices) in enumerate(trainer.loader):
            s = capture_torch(trainer, X, T)
            if not trainer.is_finite() or (s.loss is not None and not np.isfinite(s.loss)):
                found = (f"the batch loss is {s.loss!r}" if s.loss is not None and not np.isfinite(s.loss)
                         else "NaN or inf in the weights")
                raise divergence(e, f"update {trainer.updates} (epoch {epoch}, batch {batch}, samples "
                                 f"{indices.tolist()})", found + "; nothing recorded", update=trainer.updates)
            trace.add(epoch, batch, indices.numpy(), s)
        end_of_epoch(e, epoch, trainer.updates, trainer.log_loss, None, on_epoch, note="; nothing recorded")
    return trace.arrays(e, weights, biases)


def trace_bytes(e: Experiment) -> int:
    """The bytes a trace of `e` holds inflated (what `load_trace` reads), computed before recording."""
    U = e.total_updates
    S = e.epochs * (e.effective_samples_per_epoch if not e.drop_last else
                    e.updates_per_epoch * e.effective_batch_size)
    parameters = sum(n_in * n_out + n_out for n_in, n_out in zip(e.sizes[:-1], e.sizes[1:]))
    activations = sum(e.sizes[1:])
    # the experiment, its weights written out (at most 26 characters each: the longest repr of a float64, 24,
    # and ", "), the environment
    text = 4 * (2 * len(to_toml(e)) + 26 * parameters + 4096)
    return 8 * (U * 2 * parameters + S * 2 * activations + parameters + 4 * U + S) + text


def check_recordable(e: Experiment, where: str) -> None:
    """Exit 2 before any training when the trace would be larger than a trace is read (`TRACE_BYTES`)."""
    size = trace_bytes(e)
    if size > TRACE_BYTES:
        raise ExperimentError(f"{where}: this run's trace would hold {size / 2**30:.1f} GiB of arrays; traces are "
                              f"read up to {TRACE_BYTES // 2**30} GiB (record fewer epochs: its first epochs "
                              "check the same formulas)")


def save_trace(path: str | Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write the arrays as a compressed plain `.npz`, atomically (no half-written trace is ever left) and
    byte-reproducibly (the same run records the same bytes)."""
    return save_npz(path, arrays, compress=True)


@dataclass
class Trace:
    """A loaded trace: the experiment and, per update u (from 0), what torch computed."""

    path: Path
    experiment: Experiment
    environment: dict[str, Any]
    initial_weights: list[np.ndarray]
    initial_biases: list[np.ndarray]
    arrays: dict[str, np.ndarray]

    @property
    def updates(self) -> int:
        return int(self.arrays["epoch"].shape[0])

    def samples(self, u: int) -> np.ndarray:
        off = self.arrays["offsets"]
        return self.arrays["samples"][off[u]:off[u + 1]]

    def epoch_batch(self, u: int) -> tuple[int, int]:
        return int(self.arrays["epoch"][u]), int(self.arrays["batch"][u])

    def before(self, u: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The weights and biases update u started from."""
        if u == 0:
            return self.initial_weights, self.initial_biases
        L = self.experiment.n_layers
        return ([self.arrays[f"W{l}"][u - 1] for l in range(1, L + 1)],
                [self.arrays[f"b{l}"][u - 1] for l in range(1, L + 1)])

    def stages(self, u: int, X: np.ndarray) -> Stages:
        """Update u as `compare.diagnosis.stages.Stages` (X: the batch's inputs, from the experiment's data)."""
        L = self.experiment.n_layers
        off = self.arrays["offsets"]
        rows = slice(int(off[u]), int(off[u + 1]))
        a = self.arrays
        activations = [X] + [a[f"A{l}"][rows] for l in range(1, L + 1)]
        W, b = self.before(u)
        Zs = [activations[l] @ W[l] + b[l] for l in range(L)]   # recomputed: only hints read them
        return Stages(Zs, activations, [a[f"dW{l}"][u] for l in range(1, L + 1)],
                      [a[f"db{l}"][u] for l in range(1, L + 1)], [a[f"W{l}"][u] for l in range(1, L + 1)],
                      [a[f"b{l}"][u] for l in range(1, L + 1)], [a[f"dZ{l}"][rows] for l in range(1, L + 1)],
                      float(a["loss"][u]))


INTEGERS = ("sizes", "epoch", "batch", "offsets", "samples")
TEXTS = {"format": 256, "experiment": 64 << 20, "environment": 1 << 20}   # the most characters each may hold


def load_trace(path: str | Path) -> Trace:
    """Read and validate a trace; ExperimentError (exit 2, one line naming the member) for anything that is
    not a whole, current trace of ours. Bounded: every member's declared shape and dtype are checked against
    what its experiment implies before its data is inflated. Never unpickles, never imports torch."""
    file = Path(path)
    where = f"--against {file}"
    with Archive(file, where, TRACE_BYTES, total_cap=TRACE_BYTES, kind="a readable trace") as archive:
        members = archive.members

        def fail(text: str) -> ExperimentError:
            return ExperimentError(f"{where}: {text} (truncated or damaged trace)")

        def need(key: str, kind: str, shape: tuple[int, ...] | None, *, size: int | None = None) -> np.ndarray:
            if key not in members:
                raise fail(f"missing `{key}`")
            m = members[key]
            kinds = {"text": "U", "int": "iu", "float": "f"}[kind]
            if m.dtype.kind not in kinds or (kind == "float" and m.dtype != np.float64):
                wanted = {"text": "text", "int": "integers", "float": "float64"}[kind]
                raise fail(f"`{key}` holds {m.dtype}, expected {wanted}")
            if shape is not None and m.shape != shape:
                raise fail(f"`{key}` has shape {m.shape}, expected {shape}")
            if size is not None and m.dtype.itemsize > 4 * size:
                raise fail(f"`{key}` is longer than a trace's {size:,} characters")
            return archive.load(key)

        if "format" not in members or members["format"].dtype.kind != "U" or members["format"].shape != () \
                or str(need("format", "text", (), size=TEXTS["format"])[()]) != FORMAT:
            shown = ", ".join(sorted(members)[:6]) if all(k.isidentifier() and k.isascii() for k in members) \
                else f"{len(members)} members"
            raise ExperimentError(f"{where}: not a trace written by `python -m compare record` (no `format` = "
                                  f"\"{FORMAT}\" in it; found {shown})")
        if "version" not in members or members["version"].dtype.kind not in "iu" or members["version"].shape != ():
            raise ExperimentError(f"{where}: no trace format version in it; this tool reads version {VERSION} "
                                  "(record it again)")
        version = int(need("version", "int", ())[()])
        if version != VERSION:
            raise ExperimentError(f"{where}: trace format version {version}; this tool reads version {VERSION} "
                                  "(record it again)")
        text = str(need("experiment", "text", (), size=TEXTS["experiment"])[()])
        env_text = str(need("environment", "text", (), size=TEXTS["environment"])[()])
        try:
            doc = tomllib.loads(text)
            environment = json.loads(env_text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise fail(f"its experiment or environment text does not parse ({type(exc).__name__})") from None
        experiment = build(doc, DocWhere(f"{where}: experiment", {}), default_name="trace")
        experiment = dataclasses.replace(experiment, source=str(file))
        e = experiment
        U = e.total_updates
        arrays: dict[str, np.ndarray] = {"format": np.array(FORMAT), "version": np.array(version),
                                         "experiment": np.array(text), "environment": np.array(env_text)}
        arrays["sizes"] = need("sizes", "int", (len(e.sizes),))
        if arrays["sizes"].tolist() != list(e.sizes):
            raise fail(f"`sizes` {arrays['sizes'].tolist()} do not match its experiment's {list(e.sizes)}")
        if "epoch" in members and members["epoch"].shape[:1] != (U,):
            raise fail(f"{members['epoch'].shape[0] if members['epoch'].shape else 0} updates recorded; its "
                       f"experiment has {U}")
        for key, shape in (("epoch", (U,)), ("batch", (U,)), ("offsets", (U + 1,))):
            arrays[key] = need(key, "int", shape)
        _check_schedule(arrays, e, fail)
        S = int(arrays["offsets"][-1])
        arrays["samples"] = need("samples", "int", (S,))
        samples = arrays["samples"]
        if S and (samples.min() < 0 or samples.max() >= e.n_samples):
            raise fail(f"`samples`: sample indices do not fit its {e.n_samples} samples")
        arrays["loss"] = need("loss", "float", (U,))
        for l, (n_in, n_out) in enumerate(zip(e.sizes[:-1], e.sizes[1:]), start=1):
            expected = {f"initial_W{l}": (n_in, n_out), f"initial_b{l}": (1, n_out), f"A{l}": (S, n_out),
                        f"dZ{l}": (S, n_out), f"dW{l}": (U, n_in, n_out), f"db{l}": (U, 1, n_out),
                        f"W{l}": (U, n_in, n_out), f"b{l}": (U, 1, n_out)}
            for key, shape in expected.items():   # every header checked before the large members are read
                if key not in members:
                    raise fail(f"missing `{key}`")
                m = members[key]
                if m.shape != shape or m.dtype != np.float64:
                    raise fail(f"`{key}` has shape {m.shape} ({m.dtype}), expected {shape} (float64)")
        for l in range(1, e.n_layers + 1):
            for key in (f"initial_W{l}", f"initial_b{l}", f"A{l}", f"dZ{l}", f"dW{l}", f"db{l}", f"W{l}", f"b{l}"):
                arrays[key] = archive.load(key)
    L = experiment.n_layers
    return Trace(file, experiment, environment if isinstance(environment, dict) else {},
                 [arrays[f"initial_W{l}"] for l in range(1, L + 1)],
                 [arrays[f"initial_b{l}"] for l in range(1, L + 1)], arrays)


def _check_schedule(a: dict[str, np.ndarray], e: Experiment, fail: Callable[[str], ExperimentError]) -> None:
    """`epoch`, `batch` and `offsets` as the experiment's schedule implies: epoch e's updates numbered
    0, 1, ... in order, each batch as large as the mode makes it."""
    per_epoch = e.updates_per_epoch
    if not np.array_equal(a["epoch"], np.repeat(np.arange(e.epochs), per_epoch)):
        raise fail("`epoch`: not the epoch numbers of its experiment's updates")
    if not np.array_equal(a["batch"], np.tile(np.arange(per_epoch), e.epochs)):
        raise fail("`batch`: not the batch numbers of its experiment's updates")
    off = a["offsets"]
    n, k = e.effective_samples_per_epoch, e.effective_batch_size
    sizes = [k] * (n // k) + ([n % k] if n % k and not e.drop_last else [])
    if off[0] != 0 or not np.array_equal(np.diff(off), np.tile(np.array(sizes, dtype=np.int64), e.epochs)):
        raise fail("`offsets`: inconsistent batch offsets")
