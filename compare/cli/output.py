"""Turning results into what users see: the seed-style text log, and the JSON object of a run."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from compare.running.environment import environment
from compare.running.history import History


def json_text(obj: Any) -> str:
    """One line of strict JSON: a NaN or an infinity (a diverged value, a user's NaN gradient) is written as
    the string "nan", "inf" or "-inf", since JSON has no such numbers and many parsers reject Python's
    `NaN` token."""
    def strict(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
        if isinstance(x, dict):
            return {k: strict(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [strict(v) for v in x]
        return x
    return json.dumps(strict(obj), allow_nan=False)


def loss_line(epoch: int, loss: float) -> str:
    return f"epoch {epoch:>6}  loss {loss!r}"


MAX_ROWS = 20   # a data set of 1,000 samples is summarised, not printed


def outputs_block(history: History) -> str:
    """The final outputs (8 significant digits, as the seed prints) and predictions, per sample."""
    e = history.experiment
    width = max(len(n) for n in e.names)
    lines = ["output:"]

    def show(a: np.ndarray, fmt: str) -> str:
        return np.array2string(a, separator=" ", formatter={"all": fmt.format}, max_line_width=10**6)
    shown = min(len(e.names), MAX_ROWS)
    rows = zip(e.names[:shown], history.outputs, history.predictions, e.targets)
    for name, out, pred, target in rows:
        lines.append(f"  {name:<{width}}  {show(out, '{:.8f}')}  predict {show(pred, '{}')}  "
                     f"target {show(target, '{:g}')}")
    if shown < len(e.names):
        right = int((history.predictions == e.targets.astype(np.int64)).all(axis=1).sum())
        lines.append(f"  ... {len(e.names) - shown} more samples (--json has every output); "
                     f"{right} of {len(e.names)} predicted exactly right")
    return "\n".join(lines)


def run_json(history: History, parity: dict[str, Any] | None = None,
             env: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON object of one run; `env`: the environment the run had (this process's by default)."""
    e = history.experiment
    out: dict[str, Any] = {
        "experiment": e.name, "implementation": history.implementation, "mode": e.mode,
        "order": e.resolved_order, "batch_size": e.effective_batch_size, "seed": e.seed, "loss": e.loss,
        "conventions": e.convention_values(),
        "epochs": e.epochs, "updates_per_epoch": e.updates_per_epoch, "updates": history.updates,
        "loss_log": [[int(ep), float(v)] for ep, v in history.loss_log],
        "outputs": history.outputs.tolist(), "predictions": history.predictions.tolist(),
        "environment": env or environment(e.dtype, uses_torch=history.implementation != "numpy"
                                          or parity is not None),
    }
    if parity is not None:
        out["parity"] = parity
    return out


def parity_json(report: Any, failure: Any) -> dict[str, Any]:
    """The `parity` object; `failure`: a `compare.diagnosis.failure.Failure`, or None when the run agreed."""
    return {"ok": failure is None, "updates_checked": int(report.updates_checked),
            "max_abs_diff": float(report.max_abs_diff),
            "max_abs_diff_log": [[int(ep), float(v)] for ep, v in report.max_abs_diff_log],
            "tolerance": {"atol": report.tolerance.atol, "rtol": report.tolerance.rtol},
            "resync": bool(getattr(report, "resync", False)),
            "state_max_abs_diff": {k: float(v) for k, v in getattr(report, "state_max_abs_diff", {}).items()},
            "failure": None if failure is None else failure.as_json()}


def verdict(report: Any) -> str:
    drift = ("per-update error: NumPy resynced to torch before every update (--resync)"
             if getattr(report, "resync", False) else "accumulated drift, both sides running free")
    states = getattr(report, "state_max_abs_diff", {})
    checked = "every weight and bias" + (f" and the optimizer's {', '.join(states)}" if states else "")
    state_diff = "".join(f", {name} {value:.3g}" for name, value in states.items())
    experiment = getattr(report, "experiment", None)   # the loss's conventions, when not torch's defaults
    conventions = ", ".join(experiment.conventions()) if experiment is not None else ""
    loss = f", the loss {conventions}" if conventions else ""
    return (f"parity OK: {report.updates_checked} updates checked, {checked} after every update{loss}; "
            f"largest |numpy - torch| = {report.max_abs_diff:.3g}{state_diff} (tolerance "
            f"{report.tolerance.describe()}; {drift})")
