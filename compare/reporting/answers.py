"""The answers as code: the corrected NumPy program of each exercise (`examples/answers/*.py` in the
repository), shown in the report, copied beside it (DIR/answers/), and the command that makes it print the
report's numbers.

The programs train exactly as `numpy_impl` does, operation for operation, so a deterministic run prints the
very numbers of the report's parity-checked run. Exercise 3's random modes draw their order with NumPy's
`default_rng(seed)`, like `python -m numpy_impl`, not with torch's DataLoader: for those the report runs
`numpy_impl` alone (`numpy_order`) and shows what the program prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compare.files.atomic import atomic_write
from compare.reporting.plan import Plan

FOLDER = "answers"                    # inside the report folder, and under the repository's examples/
PROGRAMS = {"hiring": "hiring.py", "exercise1": "exercise1.py", "exercise2": "exercise2.py",
            "exercise3": "exercise3.py"}


def examples_dir() -> Path | None:
    """The examples: installed, compare/examples/ (the wheel maps the repository's examples/ there, see
    setup.py); in a checkout, the repository's examples/. None when neither is there (a broken install)."""
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "examples", package.parent / "examples"):
        if (folder / FOLDER).is_dir():
            return folder
    return None


def program_text(section: str) -> str | None:
    folder = examples_dir()
    path = None if folder is None else folder / FOLDER / PROGRAMS[section]
    return path.read_text(encoding="utf-8") if path is not None and path.is_file() else None


def command(section: str, plan: Plan) -> str:
    """The command line that makes the program print the numbers of the report's runs like `plan`."""
    parts = [f"python {FOLDER}/{PROGRAMS[section]}"]      # run in the report's folder, beside its copy
    flags = dict(plan.flags)
    if "epochs" in flags:
        parts.append(f"--epochs {flags['epochs']}")
    if plan.table_every != 1000:
        parts.append(f"--report-every {plan.table_every}")
    if section == "exercise3" and plan.seed:
        parts.append(f"--seed {plan.seed}")
    return " ".join(parts)


def copy_into(folder: Path) -> list[str]:
    """Write every program into `folder/answers/`; the names written."""
    written = []
    for section, name in PROGRAMS.items():
        text = program_text(section)
        if text is None:
            continue
        (folder / FOLDER).mkdir(exist_ok=True)
        atomic_write(folder / FOLDER / name, lambda tmp, text=text: Path(tmp).write_text(text, encoding="utf-8"))
        written.append(name)
    return written


@dataclass(frozen=True)
class NumpyRun:
    """What the program prints for one random mode: `numpy_impl` alone with NumPy's order."""
    loss_log: list[tuple[int, float]]
    outputs: np.ndarray
    predictions: np.ndarray


def numpy_order(plan: Plan) -> NumpyRun:
    """`plan`'s run trained by `numpy_impl` alone (NumPy's `default_rng(seed)` order), logged at the
    command's epochs."""
    from compare.experiment.initial import initial_parameters
    from compare.running.loops import train_numpy
    experiment = plan.experiment()
    history = train_numpy(experiment, *initial_parameters(experiment, torch_allowed=False))
    log = [(e, v) for e, v in history.loss_log if e % plan.table_every == 0]
    return NumpyRun(log, history.outputs, history.predictions)
