"""A suite structure check (batches, square, long) graded, as `check` runs it, in the closest setting and
depth a submission supports: a file that raises NotImplementedError on the seed's setting (sigmoid, loss
"sum") or depth (3 layers) is graded on the same experiment in ReLU/softmax/cross-entropy, ReLU/sigmoid/BCE
or two layers (`compare.usercode.suite.VERSIONS`), the first of them it can be told and does not raise on;
its result says which setting ran. Each version is drawn fresh at grade time like the check itself.

A check keeps its own setting alone when the rubric pins it: `fallback = false`, or an override of the
setting (`loss`, `hidden_activation`, `output_activation`, `leaky_slope`); with `sizes` the depth stays.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from compare.errors import DivergenceError, ExperimentError
from compare.grading.draw import fresh
from compare.grading.reference import numpy_trace

SETTING_KEYS = ("loss", "hidden_activation", "output_activation", "leaky_slope")
NOT_IMPLEMENTED = "is not implemented yet (NotImplementedError"


def drawn(check: Any, base: Any, where: str, key: list[int], reference: str) -> tuple[Any, Any]:
    """(experiment, NumPy reference's recording or None): `base` drawn fresh from SeedSequence(key +
    [attempt]) (or pinned by the check's seed), redrawn up to 8 times where the NumPy reference diverges."""
    for attempt in range(8):
        draw_seed = check.seed if check.seed is not None else int(
            np.random.SeedSequence([*key, attempt]).generate_state(1)[0] % 2**31)
        e = fresh(base, draw_seed, sizes=check.sizes, samples=check.samples) if check.fresh else base
        e = dataclasses.replace(e, name=check.name)
        try:
            return e, (numpy_trace(e) if reference == "numpy" else None)
        except DivergenceError:
            if check.seed is not None or not check.fresh:
                raise ExperimentError(f"{where}: the reference diverges on this experiment (seed "   # its own
                                      f"{e.seed}); pick a smaller lr or fewer epochs") from None     # when not drawn
    raise ExperimentError(f"{where}: the reference diverged on 8 draws; pick a smaller lr")


def versions_of(check: Any) -> tuple[Any, ...]:
    """The suite cases this check may fall back to, closest first (none where the rubric pins it)."""
    from compare.usercode.suite import VERSIONS, case
    if check.suite not in VERSIONS or not check.fallback or any(k in check.overrides for k in SETTING_KEYS):
        return ()
    depth = case(check.suite).depth
    return tuple(v for v in VERSIONS[check.suite] if check.sizes is None or v.depth == depth)


def prepare_versions(check: Any, seed: int, k: int, reference: str, where: str,
                     overridden: Callable[[Any, dict], Any], make: Callable[..., Any]) -> tuple[Any, ...]:
    """Each version drawn (`make(check, experiment, trace, needs, setting=..., version=...)`: a Prepared)."""
    out = []
    for j, version in enumerate(versions_of(check)):
        base = version.experiment()
        if check.overrides:
            base = overridden(base, check.overrides)
        e, trace = drawn(check, base, f"{where} ({version.name})", [seed, k, 1000 + j], reference)
        out.append(make(check, e, trace, tuple(version.needs), setting=version.where(), version=version.name))
    return tuple(out)


def fall_back(code: Any, p: Any, result: dict[str, Any], run: Callable[[Any, Any], dict[str, Any]],
              cannot_express: Callable[[Any, tuple[str, ...]], str]) -> dict[str, Any]:
    """`result` (the check raised NotImplementedError in its own setting) replaced by the first version
    the submission can be told and does not raise on, its message saying where it ran; else `result`,
    saying that every version raised."""
    raised = [p.setting]
    for v in p.versions:
        if cannot_express(code, v.needs):
            continue
        other = run(code, v)
        if other.pop("not_implemented", False):
            raised.append(v.setting)
            continue
        others = f" and {len(raised) - 1} other version{'s' if len(raised) > 2 else ''}" if len(raised) > 1 else ""
        other.update(ran_as=v.version, setting=v.setting, message=(
            f"ran in {v.setting}, the closest setting and depth the submission supports (it raised "
            f"NotImplementedError on {raised[0]}{others}): {other['message']}"))
        return other
    result["message"] += (f" (NotImplementedError on every version of it the submission can be told: "
                          f"{'; '.join(raised)})")
    return result
