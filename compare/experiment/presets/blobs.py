"""The `blobs` data set: 1,000 samples of 8x8 "images" (64 inputs, intensities 0..9) in 10 classes, one-hot.

Generated from a seed, never downloaded, so anyone can check that `blobs.csv` beside this file is what this
code makes:

    python -m compare.experiment.presets.blobs           # rewrites blobs.csv (identical bytes for one seed)
    python -m compare.experiment.presets.blobs --check   # exit 1 if the committed file differs

Each class has a prototype, 64 intensities drawn uniformly from 0..9; a sample is its class's prototype plus
Gaussian noise (standard deviation NOISE), rounded and clipped back to 0..9. One digit per cell keeps the file
small, and the classes overlap enough that the network has to learn rather than look up. Classes cycle
0, 1, ..., 9, 0, 1, ... over the rows, so every class has exactly 100 samples.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np

SEED = 20240604
SAMPLES = 1000
INPUTS = 64            # 8 x 8
CLASSES = 10
LEVELS = 10            # intensities 0..9: one character per cell
NOISE = 2.5
CSV_PATH = Path(__file__).resolve().parent / "blobs.csv"
INPUT_COLUMNS = [f"x{i:02d}" for i in range(INPUTS)]
TARGET_COLUMNS = [f"class{k}" for k in range(CLASSES)]


def generate(seed: int = SEED, samples: int = SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """(X (samples, 64) integers 0..9, T (samples, 10) one-hot), from `numpy.random.default_rng(seed)`."""
    rng = np.random.default_rng(seed)
    prototypes = rng.integers(0, LEVELS, size=(CLASSES, INPUTS))                    # (10, 64)
    labels = np.arange(samples) % CLASSES                                           # (samples,)
    noisy = prototypes[labels] + rng.normal(0.0, NOISE, size=(samples, INPUTS))     # (samples, 64)
    X = np.clip(np.rint(noisy), 0, LEVELS - 1).astype(np.int64)                     # (samples, 64)
    T = np.eye(CLASSES, dtype=np.int64)[labels]                                     # (samples, 10)
    return X, T


def to_csv(X: np.ndarray, T: np.ndarray) -> str:
    """The CSV text: a header row, then one row per sample (inputs, then the one-hot targets)."""
    out = io.StringIO()
    out.write(",".join(INPUT_COLUMNS + TARGET_COLUMNS) + "\n")
    for x, t in zip(X, T):
        out.write(",".join(map(str, x.tolist() + t.tolist())) + "\n")
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compare.experiment.presets.blobs",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file, write nothing")
    args = parser.parse_args(argv)
    text = to_csv(*generate())
    if args.check:
        same = CSV_PATH.is_file() and CSV_PATH.read_text(encoding="utf-8") == text
        print(f"{CSV_PATH}: {'identical to' if same else 'DIFFERS from'} what the generator makes")
        return 0 if same else 1
    from compare.files.atomic import atomic_write
    atomic_write(CSV_PATH, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    print(f"wrote {CSV_PATH} ({SAMPLES} samples, {INPUTS} inputs, {CLASSES} classes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
