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
import zipfile
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

FORMAT = "backprop-parity-trace"
VERSION = 1


def record(experiment: Experiment, weights: list[np.ndarray], biases: list[np.ndarray], *,
           on_epoch: Callable[[int, float | None], None] | None = None) -> dict[str, np.ndarray]:
    """Train the torch implementation, capturing every stage of every update; the trace's arrays."""
    from compare.diagnosis.stages import capture_torch
    from compare.running.divergence import divergence, end_of_epoch
    from compare.running.environment import environment
    from torch_impl.trainer import TorchTrainer

    e = experiment
    L = e.n_layers
    trainer = TorchTrainer(e, weights, biases)
    per_update: dict[str, list[np.ndarray]] = {k: [] for k in ("dW", "db", "W", "b")}
    per_sample: dict[str, list[list[np.ndarray]]] = {"A": [[] for _ in range(L)], "dZ": [[] for _ in range(L)]}
    samples, offsets, epochs, batches, losses = [], [0], [], [], []
    for epoch in range(e.epochs):
        for batch, (X, T, indices) in enumerate(trainer.loader):
            s = capture_torch(trainer, X, T)
            if not trainer.is_finite() or (s.loss is not None and not np.isfinite(s.loss)):
                found = (f"the batch loss is {s.loss!r}" if s.loss is not None and not np.isfinite(s.loss)
                         else "NaN or inf in the weights")
                raise divergence(e, f"update {trainer.updates} (epoch {epoch}, batch {batch}, samples "
                                 f"{indices.tolist()})", found + "; nothing recorded", update=trainer.updates)
            for l in range(L):
                per_sample["A"][l].append(s.activations[l + 1])
                per_sample["dZ"][l].append(s.dZ[l])
            for key, values in (("dW", s.dW), ("db", s.db), ("W", s.weights), ("b", s.biases)):
                per_update[key].append(values)
            samples.append(indices.numpy().astype(np.int64))
            offsets.append(offsets[-1] + len(indices))
            epochs.append(epoch)
            batches.append(batch)
            losses.append(s.loss if s.loss is not None else np.nan)
        end_of_epoch(e, epoch, trainer.updates, trainer.log_loss, None, on_epoch, note="; nothing recorded")
    explicit = dataclasses.replace(e, init_scheme=None, init_weights=tuple(np.array(w) for w in weights),
                                   init_biases=tuple(np.array(b).reshape(1, -1) for b in biases))
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT), "version": np.array(VERSION, dtype=np.int64),
        "experiment": np.array(to_toml(explicit)), "environment": np.array(json.dumps(environment(e.dtype))),
        "sizes": np.array(e.sizes, dtype=np.int64), "epoch": np.array(epochs, dtype=np.int64),
        "batch": np.array(batches, dtype=np.int64), "offsets": np.array(offsets, dtype=np.int64),
        "samples": np.concatenate(samples), "loss": np.array(losses, dtype=np.float64)}
    for l in range(L):
        arrays[f"initial_W{l + 1}"] = np.asarray(weights[l], dtype=np.float64)
        arrays[f"initial_b{l + 1}"] = np.asarray(biases[l], dtype=np.float64).reshape(1, -1)
        arrays[f"A{l + 1}"] = np.concatenate(per_sample["A"][l])
        arrays[f"dZ{l + 1}"] = np.concatenate(per_sample["dZ"][l])
        for key in ("dW", "db", "W", "b"):
            arrays[f"{key}{l + 1}"] = np.stack([u[l] for u in per_update[key]]).astype(np.float64)
    return arrays


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


def _text(arrays: dict[str, np.ndarray], key: str, where: str) -> str:
    value = arrays[key]
    if value.shape != () or value.dtype.kind != "U":
        raise ExperimentError(f"{where}: `{key}` is not a text field (damaged trace)")
    return str(value[()])


def load_trace(path: str | Path) -> Trace:
    """Read and validate a trace; ExperimentError (exit 2, one line) for anything that is not a whole,
    current trace of ours. Never unpickles, never imports torch."""
    file = Path(path)
    where = f"--against {file}"
    if not file.exists():
        raise ExperimentError(f"{where}: no such file")
    if not file.is_file():
        raise ExperimentError(f"{where}: is not a file")
    try:
        with file.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ExperimentError(f"{where}: cannot read ({exc.strerror})") from None
    if magic != b"PK\x03\x04":   # every .npz is a zip file; without this, numpy would try to unpickle it
        raise ExperimentError(f"{where}: not a readable trace: not an .npz file (record one with "
                              "`python -m compare record EXPERIMENT --out TRACE.npz`)")
    try:
        with np.load(file, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except ValueError:   # numpy refuses pickled object arrays without allow_pickle
        raise ExperimentError(f"{where}: refused: it holds pickled objects, which are never loaded (a trace "
                              "is plain arrays)") from None
    except (OSError, zipfile.BadZipFile, EOFError, KeyError, zipfile.LargeZipFile) as exc:
        raise ExperimentError(f"{where}: not a readable trace: truncated or not an .npz file ({exc})") from None
    except Exception as exc:   # zlib errors and the like from a damaged member
        raise ExperimentError(f"{where}: damaged trace ({type(exc).__name__}: {exc})") from None
    if "format" not in arrays or _text(arrays, "format", where) != FORMAT:
        raise ExperimentError(f"{where}: not a trace written by `python -m compare record` (no `format` = "
                              f"\"{FORMAT}\" in it; found arrays {sorted(arrays)[:6]})")
    version = arrays.get("version")
    if version is None or version.shape != () or int(version) != VERSION:
        raise ExperimentError(f"{where}: trace format version {None if version is None else version.tolist()}; "
                              f"this tool reads version {VERSION} (record it again)")
    for key in ("experiment", "environment", "sizes", "epoch", "batch", "offsets", "samples", "loss"):
        if key not in arrays:
            raise ExperimentError(f"{where}: missing `{key}` (truncated or damaged trace)")
    try:
        doc = tomllib.loads(_text(arrays, "experiment", where))
        environment = json.loads(_text(arrays, "environment", where))
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ExperimentError(f"{where}: damaged experiment or environment text ({exc})") from None
    experiment = build(doc, DocWhere(f"{where}: experiment", {}), default_name="trace")
    experiment = dataclasses.replace(experiment, source=str(file))
    _check_shapes(arrays, experiment, where)
    L = experiment.n_layers
    return Trace(file, experiment, environment if isinstance(environment, dict) else {},
                 [arrays[f"initial_W{l}"] for l in range(1, L + 1)],
                 [arrays[f"initial_b{l}"] for l in range(1, L + 1)], arrays)


def _check_shapes(a: dict[str, np.ndarray], e: Experiment, where: str) -> None:
    """Every array present with the shape the experiment implies, or one line naming the first that is not."""
    def fail(text: str) -> ExperimentError:
        return ExperimentError(f"{where}: {text} (truncated or damaged trace)")
    if a["sizes"].tolist() != list(e.sizes):
        raise fail(f"sizes {a['sizes'].tolist()} do not match its experiment's {list(e.sizes)}")
    U = a["epoch"].shape[0]
    if U != e.total_updates:
        raise fail(f"{U} updates recorded; its experiment has {e.total_updates}")
    off = a["offsets"]
    if a["batch"].shape != (U,) or off.shape != (U + 1,) or off[0] != 0 or np.any(np.diff(off) <= 0):
        raise fail("inconsistent batch offsets")
    S = int(off[-1])
    samples = a["samples"]
    if samples.shape != (S,) or samples.dtype.kind not in "iu" or (S and (samples.min() < 0 or
                                                                          samples.max() >= e.n_samples)):
        raise fail(f"sample indices do not fit its {e.n_samples} samples")
    if a["loss"].shape != (U,):
        raise fail("`loss` has the wrong shape")
    for l, (n_in, n_out) in enumerate(zip(e.sizes[:-1], e.sizes[1:]), start=1):
        expected = {f"initial_W{l}": (n_in, n_out), f"initial_b{l}": (1, n_out), f"A{l}": (S, n_out),
                    f"dZ{l}": (S, n_out), f"dW{l}": (U, n_in, n_out), f"db{l}": (U, 1, n_out),
                    f"W{l}": (U, n_in, n_out), f"b{l}": (U, 1, n_out)}
        for key, shape in expected.items():
            if key not in a:
                raise fail(f"missing `{key}`")
            if a[key].shape != shape or a[key].dtype != np.float64:
                raise fail(f"`{key}` has shape {a[key].shape} ({a[key].dtype}), expected {shape} (float64)")
