"""The check suite's shipped recordings: where they live, how they load, and the command that makes them.

    python -m compare.usercode.suite_record            # records every suite experiment with torch, rewrites
                                                       # compare/usercode/suite_data/<name>.npz
    python -m compare.usercode.suite_record --verify   # exit 1 if a fresh recording differs from a shipped one

Each file is an ordinary trace (`compare.usercode.trace`: a compressed plain `.npz`, no pickle) of one
experiment of `compare.usercode.suite.SUITE`, torch's every stage of every update. The bytes are
reproducible: the same torch records the same file.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from compare.errors import ExperimentError
from compare.usercode.suite import RECORDED, Case
from compare.usercode.trace import Trace

REGENERATE = "python -m compare.usercode.suite_record"
# the environment differs from machine to machine; everything else must be equal element for element
NOT_COMPARED = ("environment",)


def data_dir() -> Path:
    return Path(str(resources.files("compare.usercode"))) / "suite_data"


def recording_path(case: Case) -> Path:
    return data_dir() / f"{case.name}.npz"


def load_recording(case: Case) -> Trace:
    """The shipped trace of `case`, checked to record exactly the suite's experiment; ExperimentError (exit 2,
    one line, saying how to regenerate) when it is missing, damaged or stale."""
    from compare.usercode.trace import load_trace

    path = recording_path(case)
    how = f"reinstall the package, or regenerate them with torch installed: `{REGENERATE}`"
    if not path.is_file():
        raise ExperimentError(f"the check suite's recording {path} is missing: {how}")
    try:
        trace = load_trace(path)
    except ExperimentError as exc:
        raise ExperimentError(f"the check suite's recording {path} is damaged ({exc}): {how}") from None
    if _rendered(trace.experiment) != _rendered(case.experiment()):
        raise ExperimentError(f"the check suite's recording {path} records another experiment than the suite's "
                              f"`{case.name}` (out of date): {how}")
    return trace


def _rendered(e: Any) -> str:
    """An experiment as today's TOML, without the comment naming its source: two experiments that render
    the same are the same run (the text a recording carries may predate a key added since, at its default)."""
    from compare.experiment.show import to_toml
    return "\n".join(line for line in to_toml(e).splitlines() if not line.startswith("#"))


def _experiment_text(text: str) -> str:
    import tomllib

    from compare.experiment.validate import Where, build
    return _rendered(build(tomllib.loads(text), Where("recording", {}), default_name="recording"))


def fresh_recording(case: Case) -> dict[str, np.ndarray]:
    """Record `case` with torch now: the arrays a shipped file must hold."""
    from compare.experiment.initial import initial_parameters
    from compare.usercode.trace import record

    e = case.experiment()
    return record(e, *initial_parameters(e))


def differences(shipped: dict[str, np.ndarray], fresh: dict[str, np.ndarray]) -> list[str]:
    """What differs between two recordings (keys, shapes, dtypes, any element), or nothing."""
    out = []
    for key in sorted(set(shipped) | set(fresh)):
        if key in NOT_COMPARED:
            continue
        if key not in shipped or key not in fresh:
            out.append(f"`{key}` only in the {'fresh' if key in fresh else 'shipped'} recording")
            continue
        a, b = shipped[key], fresh[key]
        if key == "experiment":   # the same run, whatever keys at their defaults the text spells out
            if _experiment_text(str(a[()])) != _experiment_text(str(b[()])):
                out.append("`experiment` differs")
        elif a.shape != b.shape or a.dtype != b.dtype or not np.array_equal(a, b):
            out.append(f"`{key}` differs")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compare.usercode.suite_record",
                                     description="Record the check suite's torch trajectories (needs torch).")
    parser.add_argument("--verify", action="store_true",
                        help="compare fresh recordings with the shipped ones instead of writing; exit 1 on a "
                             "difference")
    args = parser.parse_args(argv)
    from compare.usercode.trace import save_trace

    bad = 0
    for case in RECORDED:
        fresh = fresh_recording(case)
        path = recording_path(case)
        if args.verify:
            with np.load(path, allow_pickle=False) as npz:
                shipped = {k: npz[k] for k in npz.files}
            found = differences(shipped, fresh)
            bad += bool(found)
            print(f"{case.name}: {'differs: ' + ', '.join(found) if found else 'equal'}")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_trace(path, fresh)
            print(f"{case.name}: {int(fresh['epoch'].shape[0])} updates -> {path} ({path.stat().st_size} bytes)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
