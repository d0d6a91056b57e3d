"""The check suite's shipped recordings: where they live, how they load, and the command that makes them.

    python -m compare.usercode.suite_record            # records every suite experiment with torch, rewrites
                                                       # compare/usercode/suite_data/<name>.npz
    python -m compare.usercode.suite_record --verify   # fresh recordings against the shipped ones: each
                                                       # quantity that differs, by how much; exit 1 beyond
                                                       # the bound, 2 for a missing, damaged or foreign file

Each file is an ordinary trace (`compare.usercode.trace`: a compressed plain `.npz`, no pickle) of one
experiment of `compare.usercode.suite.RECORDED`, torch's every stage of every update. The bytes are
reproducible on one machine: the same torch with the same CPU kernels records the same file. On another CPU
(or under another forced kernel) the last bits of the floats may differ: `compare.usercode.suite_compare`
holds a fresh recording to the shipped one within a bound measured for that, and says why.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from compare import exits
from compare.errors import ExperimentError
from compare.usercode.suite import RECORDED, Case
from compare.usercode.suite_compare import BOUND_ULPS, Difference, compare_recordings
from compare.usercode.trace import Trace

REGENERATE = "python -m compare.usercode.suite_record"


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


def differences(shipped: dict[str, np.ndarray], fresh: dict[str, np.ndarray]) -> list[Difference]:
    """Every quantity that is not equal between two recordings, each saying by how much and whether that is
    beyond the bound (`compare.usercode.suite_compare`)."""
    return compare_recordings(shipped, fresh, same_experiment=lambda a, b: _experiment_text(a) == _experiment_text(b))


def beyond_bound(shipped: dict[str, np.ndarray], fresh: dict[str, np.ndarray]) -> list[str]:
    """What differs beyond the bound, one line each, or nothing: the recordings are the same run."""
    return [str(d) for d in differences(shipped, fresh) if d.beyond]


def read_arrays(case: Case) -> dict[str, np.ndarray]:
    """The shipped file's arrays as they are, after `load_recording` has checked it whole and the suite's."""
    load_recording(case)
    with np.load(recording_path(case), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compare.usercode.suite_record",
                                     description="Record the check suite's torch trajectories (needs torch).")
    parser.add_argument("--verify", action="store_true",
                        help="compare fresh recordings with the shipped ones instead of writing: each quantity "
                             "that differs, with its largest difference (absolute and relative to the "
                             f"quantity's scale); exit 1 when one is beyond {BOUND_ULPS} ulps of its scale, 2 "
                             "when a shipped recording is missing, damaged or another experiment's")
    args = parser.parse_args(argv)
    with exits.signals_as_exceptions():
        try:
            return verify() if args.verify else regenerate()
        except BaseException as exc:    # one line and a status, never a traceback (`compare.exits`)
            return exits.report(exc)


def verify() -> int:
    shipped = {case.name: read_arrays(case) for case in RECORDED}   # every file checked before torch runs
    bad = 0
    for case in RECORDED:
        found = differences(shipped[case.name], fresh_recording(case))
        beyond = [d for d in found if d.beyond]
        bad += bool(beyond)
        if not found:
            print(f"{case.name}: equal", flush=True)
            continue
        verdict = "DIFFERS beyond the bound" if beyond else f"within the bound ({BOUND_ULPS} ulps of each scale)"
        print(f"{case.name}: {verdict}", flush=True)
        for d in found:
            print(f"  {d}{'  <- beyond' if d.beyond else ''}", flush=True)
    print(f"{len(RECORDED) - bad} of {len(RECORDED)} recordings within the bound" +
          (f"; regenerate them with `{REGENERATE}` if the change is meant" if bad else ""))
    return 1 if bad else 0


def regenerate() -> int:
    from compare.usercode.trace import save_trace

    for case in RECORDED:
        fresh = fresh_recording(case)
        path = recording_path(case)
        path.parent.mkdir(parents=True, exist_ok=True)
        save_trace(path, fresh)
        print(f"{case.name}: {int(fresh['epoch'].shape[0])} updates -> {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
