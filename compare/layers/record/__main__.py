"""`python -m compare.layers.record [--check] [--out DIR]`: record every layer's designed inputs with torch.

Writes DIR/LAYER.npz (default: compare/layers/data, shipped with the package; no pickle), one file per layer:

    C/in/NAME            case C's arrays: the arguments, `bn_param.running_mean`, ...
    C/up/NAME            its upstream gradients (dout, dh, dnext_h, ...)
    C/ref/ITEM           torch's outputs, state and autograd gradients, the layer as the interface defines it
    C/alt/MISTAKE/ITEM   what a classic mistake computes instead
    C/num/NAME           the case's named numbers (N, 1/N, T, pad, ...) a factor hint may be
    torch                the torch version that recorded them

`--check` records again in memory and compares with the files there: exit 0 when every number agrees within
RECORD_BOUND (see docs/layers.md), 1 otherwise, naming the file and array.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from compare.files.atomic import atomic_write
from compare.layers.recorded import DATA, RECORD_BOUND
from compare.layers.table.types import Layer


def record_layer(layer_name: str, layer: Layer | None = None) -> dict[str, np.ndarray]:
    """The arrays of one layer's file (`layer`: the table's row with other cases, e.g. other seeds)."""
    import torch

    from compare.layers.record.alternatives import alternatives, run
    from compare.layers.record.inputs import case_inputs, case_numbers
    from compare.layers.table import LAYERS

    torch.set_default_dtype(torch.float64)
    layer = LAYERS[layer_name] if layer is None else layer
    arrays: dict[str, np.ndarray] = {"torch": np.array(torch.__version__.split("+")[0])}
    for c, case in enumerate(layer.cases):
        inputs = case_inputs(layer, case)
        for name, value in inputs.items():
            arrays[f"{c}/{'up' if name in layer.upstream else 'in'}/{name}"] = value
        for name, value in case_numbers(layer, case, inputs).items():
            arrays[f"{c}/num/{name}"] = np.array(value)
        if layer.kind == "dropout":          # the reference comes from the mask your forward draws
            continue
        ref = run(layer, case, inputs)
        arrays.update({f"{c}/ref/{k}": v for k, v in ref.items()})
        for mistake, items in alternatives(layer, case, inputs, ref).items():
            arrays.update({f"{c}/alt/{mistake}/{k}": v for k, v in items.items()})
    return arrays


def differences(recorded: dict[str, np.ndarray], shipped: dict[str, np.ndarray]) -> list[str]:
    """What differs between two recordings of one layer beyond RECORD_BOUND (the torch version aside)."""
    found = [f"{k}: only in {'the new recording' if k in recorded else 'the shipped file'}"
             for k in sorted(set(recorded) ^ set(shipped)) if k != "torch"]
    for key in sorted(set(recorded) & set(shipped) - {"torch"}):
        a, b = recorded[key], shipped[key]
        if a.shape != b.shape or a.dtype != b.dtype:
            found.append(f"{key}: {a.dtype}{a.shape} recorded, {b.dtype}{b.shape} shipped")
        elif a.dtype.kind == "f":
            same_nan = np.isnan(a) == np.isnan(b)
            diff = np.abs(np.where(np.isnan(a), 0, a) - np.where(np.isnan(b), 0, b))
            bound = RECORD_BOUND * np.maximum(1.0, np.abs(np.where(np.isnan(b), 0, b)))
            if not same_nan.all() or (diff > bound).any():
                found.append(f"{key}: differs by {np.nanmax(diff):.3g}")
        elif not np.array_equal(a, b):
            found.append(f"{key}: differs")
    return found


def main(argv: list[str] | None = None) -> int:
    from compare.layers.table import LAYERS

    parser = argparse.ArgumentParser(prog="python -m compare.layers.record", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DATA, help=f"folder of the .npz files (default {DATA})")
    parser.add_argument("--check", action="store_true", help="compare a new recording with the files in --out")
    parser.add_argument("--layer", action="append", choices=list(LAYERS), help="only this layer (repeatable)")
    args = parser.parse_args(argv)
    bad = 0
    for name in args.layer or LAYERS:
        arrays = record_layer(name)
        path = args.out / f"{name}.npz"
        if args.check:
            with np.load(path, allow_pickle=False) as f:
                found = differences(arrays, dict(f))
            for line in found:
                print(f"{path}: {line}")
            bad += bool(found)
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            atomic_write(path, lambda tmp: _savez(tmp, arrays))
            print(f"wrote {path} ({len(LAYERS[name].cases)} cases, {len(arrays)} arrays)")
    if args.check and not bad:   # say so: a silent success reads like nothing was compared
        print(f"{len(args.layer or LAYERS)} layer(s): a new recording agrees with the files in {args.out}")
    return 1 if bad else 0


def _savez(tmp: str, arrays: dict) -> None:
    with open(tmp, "wb") as handle:     # a handle: np.savez would append .npz to a bare name
        np.savez_compressed(handle, **arrays)


if __name__ == "__main__":
    sys.exit(main())
