"""Dropout, whose mask is your forward's own draw: the reference is derived from it.

Train mode: the units your `out` keeps (out != 0; the designed x has no zero) are the mask m. They must be
about p of all (p the probability to KEEP; within 6 standard deviations of a binomial draw), every kept unit
must be x / p (torch's autograd of x * m / p: out = x * m / p, dx = dout * m / p), and your backward must
give dout * m / p. Test mode: out = x and dx = dout.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from compare.diagnosis.hints import same
from compare.layers import returns
from compare.layers.calls import arguments, call, mutated_arguments
from compare.layers.hints import RTOL
from compare.layers.recorded import Recorded
from compare.layers.results import Failure, Tally
from compare.layers.returns import Problem
from compare.layers.table.types import Case, Layer


def dropout_case(layer: Layer, case: Case, rec: Recorded, functions: dict[str, Callable[..., Any]],
                 tally: Tally) -> None:
    args = arguments(layer, case, rec)
    p = float(case.params["dropout_param"]["p"])
    train = case.params["dropout_param"]["mode"] == "train"
    x, dout = rec.inputs["x"], rec.upstream["dout"]
    out, cache = returns.items(call(functions[layer.forward], layer.forward, tuple(args), case), layer.forward,
                               ("out", "cache"))
    out = returns.array(out, layer.forward, "out")
    if out.shape != x.shape:
        raise Problem(f"{layer.forward}: out has shape {out.shape}; expected x's shape {x.shape} (case "
                      f"\"{case.name}\")", layer.forward, "out")
    keep = out != 0 if train else np.ones(x.shape, dtype=bool)
    if train:
        _kept_fraction(layer, case, keep, p, tally)
    scale = 1 / p if train else 1.0
    ref_out = np.where(keep, x * scale, 0.0)
    # hints from every case whose out is wrong join the first failure of out: each is true of its own case's
    # numbers (a 2017-style file is told both that it keeps 1 - p and that test mode is the identity)
    if tally.compare(case, rec, layer.forward, "out", out, ref_out).ok is False and tally.failure.item == "out" \
            and not (train and keep.all()):          # nothing dropped: _kept_fraction said so
        _hint(tally, layer, case, out, {"scaled-by-p": np.where(keep, x * p, 0.0), "not-scaled": np.where(keep, x, 0.0),
                                         "test-masked": None})
    mutated_arguments(layer, case, rec, args, layer.forward, tally)
    before = returns.snapshot(cache)
    dx = returns.items(call(functions[layer.backward], layer.backward, (dout.copy(), cache), case), layer.backward,
                       ("dx",))[0]
    dx = returns.array(dx, layer.backward, "dx")
    failed_before = tally.failure is not None
    ref_dx = np.where(keep, dout * scale, 0.0)
    if not tally.compare(case, rec, layer.backward, "dx", dx, ref_dx).ok and not failed_before:
        _hint(tally, layer, case, dx, {"scaled-by-p": np.where(keep, dout * p, 0.0),
                                       "not-scaled": np.where(keep, dout, 0.0), "unmasked": dout * scale,
                                       "test-masked": None})
    where = returns.changed(cache, before)
    if where is not None and tally.mutated is None:
        tally.mutated = Failure(layer.backward, "cache", case.name, f"{layer.backward} changed {where} in place "
                                f"(case \"{case.name}\")")


def _kept_fraction(layer: Layer, case: Case, keep: np.ndarray, p: float, tally: Tally) -> None:
    """A keep-mask drawn with probability p: its fraction within 6 standard deviations of p."""
    kept, n = float(keep.mean()), keep.size
    spread = 6 * math.sqrt(p * (1 - p) / n)
    if abs(kept - p) <= spread or tally.failure is not None:
        return
    hints = (layer.mistake("drop-probability").hint,) if abs(kept - (1 - p)) <= spread else ()
    if keep.all():
        hints = ("nothing is dropped: every unit kept, as in test mode; in train mode each unit is kept with "
                 "probability p and dropped (0) otherwise",)
    tally.failure = Failure(layer.forward, "out", case.name,
                            f"{layer.forward}: out keeps {kept:.1%} of the {n} units (case \"{case.name}\"); with "
                            f"p = {p:g} the probability to keep a unit, expected {p:.0%} +- {spread:.1%}", hints)


def _hint(tally: Tally, layer: Layer, case: Case, yours: np.ndarray, alternatives: dict[str, Any]) -> None:
    """Add to the failure the hints whose numbers are yours (in test mode, only `test-masked`)."""
    failure = tally.failure
    if failure is None:
        return
    train = case.params["dropout_param"]["mode"] == "train"
    if train:
        found = [layer.mistake(k).hint for k, v in alternatives.items() if v is not None and same(yours, v, RTOL)]
    else:
        found = [layer.mistake("test-masked").hint]
    tally.failure = Failure(failure.function, failure.item, failure.case, failure.message,
                            failure.hints + tuple(found), failure.index, failure.yours, failure.torch)
