"""Calling a layer's functions: fresh copies of the case's arguments in, a raise turned into a `Problem`
naming the function, and whether the forward changed its own arguments in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from compare.layers.recorded import Recorded
from compare.layers.results import Failure, Tally
from compare.layers.returns import Problem
from compare.layers.table.types import Case, Layer
from compare.usercode.load import call_user, one_line, user_traceback


def call(fn: Callable[..., Any], name: str, args: tuple, case: Case) -> Any:
    """A user's function called across the boundary; what it raises is a `Problem` naming it."""
    return call_user(fn, args, {}, lambda exc: Problem(
        f"{name} raised {one_line(exc)} (case \"{case.name}\")", name, user_traceback=user_traceback(exc),
        not_implemented=isinstance(exc, NotImplementedError)))


def arguments(layer: Layer, case: Case, rec: Recorded) -> list[Any]:
    """Fresh copies of the forward's arguments: arrays, parameter dictionaries (with their arrays), numbers."""
    args: list[Any] = []
    for name in layer.forward_args:
        if name in rec.inputs:
            args.append(rec.inputs[name].copy())
        elif isinstance(case.params.get(name), dict):
            given = dict(case.params[name])
            given.update({k.split(".", 1)[1]: v.copy() for k, v in rec.inputs.items() if k.startswith(name + ".")})
            args.append(given)
        else:
            args.append(case.params[name])
    return args


def mutated_arguments(layer: Layer, case: Case, rec: Recorded, args: list[Any], function: str,
                      tally: Tally) -> None:
    for name, value in zip(layer.forward_args, args):
        if name in rec.inputs and tally.mutated is None and not (
                isinstance(value, np.ndarray) and np.array_equal(value, rec.inputs[name])):
            tally.mutated = Failure(function, name, case.name, f"{function} changed its argument {name} in place "
                                    f"(case \"{case.name}\"): a layer leaves its inputs as they were")
