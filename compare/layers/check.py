"""Checking one layer: its functions called on every designed input, what they return compared with the
recording, item by item. A layer's problem (a raise, a wrong count, shape or dtype, a NaN, a cache changed
in place) ends that layer only.

    result = check_layer(LAYERS["conv"], {"conv_forward_naive": f, "conv_backward_naive": g})
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from compare.layers import returns
from compare.layers.calls import arguments, call, mutated_arguments
from compare.layers.dropout import dropout_case
from compare.layers.recorded import Recorded, load_cases
from compare.layers.results import Failure, LayerResult, Tally, problem_result
from compare.layers.returns import Problem
from compare.layers.table.types import Case, Layer


def check_layer(layer: Layer, functions: dict[str, Callable[..., Any]],
                cases: list[Recorded] | None = None, unwritten: frozenset[str] = frozenset()) -> LayerResult:
    """`functions`: the layer's functions by name (forward, and backward unless a loss); `unwritten`: those
    whose body is still the template's (`compare.layers.unwritten`): their failure means "not written yet"."""
    cases = load_cases(layer) if cases is None else cases
    tally = Tally(layer)
    case = layer.cases[0]
    try:
        for case, rec in zip(layer.cases, cases):
            if layer.kind == "dropout":
                dropout_case(layer, case, rec, functions, tally)
            elif layer.kind == "loss":
                _loss_case(layer, case, rec, functions[layer.forward], tally)
            else:
                _pair_case(layer, case, rec, functions, tally)
    except Problem as problem:
        if problem.not_implemented:        # a template's function not written yet: not this layer's error
            return LayerResult(layer.name, "not checked", failure=Failure(
                problem.function, "", case.name, f"{problem.function} raises NotImplementedError (not written yet)"))
        if problem.function in unwritten:  # cs231n's template: `out = None ... return out, cache`
            return LayerResult(layer.name, "not checked", failure=Failure(
                problem.function, "", case.name, f"{problem.function} is not written yet (its YOUR CODE blocks are "
                "empty)"))
        return problem_result(layer, tally, problem, case.name)
    return tally.result()


def _pair_case(layer: Layer, case: Case, rec: Recorded, functions: dict[str, Callable[..., Any]],
               tally: Tally) -> None:
    args = arguments(layer, case, rec)
    got = returns.items(call(functions[layer.forward], layer.forward, tuple(args), case), layer.forward,
                        layer.outputs + ("cache",))
    cache = got[-1]
    for name, value in zip(layer.outputs, got):
        tally.compare(case, rec, layer.forward, name, returns.array(value, layer.forward, name), rec.ref[name])
    mutated_arguments(layer, case, rec, args, layer.forward, tally)
    _state(layer, case, rec, args, tally)
    if case.forward_only:
        return
    before = returns.snapshot(cache)
    upstream = tuple(rec.upstream[name].copy() for name in layer.upstream)
    grads = returns.items(call(functions[layer.backward], layer.backward, upstream + (cache,), case),
                          layer.backward, layer.gradients)
    for name, value in zip(layer.gradients, grads):
        tally.compare(case, rec, layer.backward, name, returns.array(value, layer.backward, name), rec.ref[name])
    where = returns.changed(cache, before)
    if where is not None and tally.mutated is None:
        tally.mutated = Failure(layer.backward, "cache", case.name, f"{layer.backward} changed {where} in place "
                                f"(case \"{case.name}\"): the cache is not what {layer.forward} returned; a "
                                "backward reads its cache and leaves it as it was")


def _state(layer: Layer, case: Case, rec: Recorded, args: list[Any], tally: Tally) -> None:
    """The arrays the forward leaves in its parameter dictionary (`bn_param["running_mean"]`)."""
    if not layer.state:
        return
    held = args[layer.forward_args.index(layer.state_in)]
    for name in layer.state:
        # test mode records no update: the interface leaves the running statistics as they were given
        kept = name not in rec.ref
        ref = rec.inputs.get(f"{layer.state_in}.{name}") if kept else rec.ref[name]
        if ref is None:
            continue
        value = dict.get(held, name) if type(held) is dict else None
        if value is None:
            raise Problem(f"{layer.forward} left no {name} in {layer.state_in} (case \"{case.name}\"): "
                          + (f"in test mode it leaves {layer.state_in}['{name}'] as it was" if kept else
                             f"in train mode it updates {layer.state_in}['{name}']"), layer.forward, name)
        yours = returns.array(value, layer.forward, f"{layer.state_in}['{name}']")
        tally.compare(case, rec, layer.forward, name, yours, ref)
        given = rec.inputs.get(f"{layer.state_in}.{name}")
        failure = tally.failure
        if failure is None or (failure.item, failure.case) != (name, case.name) or failure.hints:
            continue
        where = f"{layer.state_in}['{name}']"
        if kept:
            hint = (f"{where} changed in test mode: the running statistics are only read there (they are updated "
                    "in train mode only)")
        elif given is not None and yours.shape == given.shape and np.array_equal(yours, given):
            hint = (f"{where} is unchanged, the array passed in: in train mode the forward stores the updated "
                    f"running statistic back in {where}")
        else:
            continue
        tally.failure = replace(failure, hints=(hint,))


def _loss_case(layer: Layer, case: Case, rec: Recorded, fn: Callable[..., Any], tally: Tally) -> None:
    args = arguments(layer, case, rec)
    loss, dx = returns.items(call(fn, layer.forward, tuple(args), case), layer.forward, ("loss", "dx"))
    tally.compare(case, rec, layer.forward, "loss", returns.number(loss, layer.forward, "loss"), rec.ref["loss"])
    mutated_arguments(layer, case, rec, args, layer.forward, tally)
    tally.compare(case, rec, layer.forward, "dx", returns.array(dx, layer.forward, "dx"), rec.ref["dx"])
