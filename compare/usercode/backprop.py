"""The user's functions wrapped for one experiment: called with copies of our arrays, their answers read
through the strict gate (`compare.usercode.gate`) and checked for count and shape, layer by layer, at the
boundary; `trainer` builds the NumPy trainer that the harness drives with them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from compare import exits
from compare.experiment.definition import Experiment
from compare.usercode import gate
from compare.usercode.gate import UserCodeError
from compare.usercode.load import (
    CONVENTION_KEYWORDS,
    EXPERIMENT_KEYWORDS,
    UserCode,
    call_user,
    last_user_line,
    one_line,
    user_traceback,
)


class UserBackprop:
    """The user's functions, called with copies and checked at the boundary, for one experiment."""

    def __init__(self, code: UserCode, experiment: Experiment):
        self.code = code
        self.experiment = experiment
        self.dtype = np.dtype(experiment.dtype)
        self.sizes = experiment.sizes
        # leaky_slope only where it means something: a file written before it existed may pass **kwargs on
        # to a helper that does not take it
        leaky = "leaky_relu" in (experiment.hidden_activation, experiment.output_activation)
        passed = [k for k in EXPERIMENT_KEYWORDS + CONVENTION_KEYWORDS if k != "leaky_slope" or leaky]
        self.kwargs = {k: getattr(experiment, k) for k in code.keywords if k in passed}
        self.forward_kwargs = {k: getattr(experiment, k) for k in code.forward_keywords if k in passed}

    @property
    def has_forward(self) -> bool:
        return self.code.forward is not None

    def _call(self, what: str, fn: Callable, args: tuple, kwargs: dict, where: str) -> Any:
        def failure(exc: BaseException) -> UserCodeError:
            if isinstance(exc, NotImplementedError):
                detail = f": {str(exc).strip().splitlines()[0]}" if str(exc).strip() else ""
                return UserCodeError(f"{self.code.name}: {what} is not implemented yet (NotImplementedError{detail} "
                                     f"at {last_user_line(exc, self.code.path.resolve())}): fill in its formulas")
            return UserCodeError(f"{self.code.name}: {what} raised {one_line(exc)} at {where}", user_traceback(exc))
        return call_user(fn, args, kwargs, failure)

    def call_forward(self, weights: list[np.ndarray], biases: list[np.ndarray], X: np.ndarray,
                     where: str) -> list[np.ndarray]:
        """The user's forward on copies; returns [X, A1, ..., AL] checked and cast to the run's dtype."""
        assert self.code.forward is not None
        out = self._call("forward", self.code.forward, (_copies(weights), self._biases(biases), X.copy()),
                         self.forward_kwargs, where)
        B = X.shape[0]
        L = len(self.sizes) - 1
        what = f"{self.code.name}: forward at {where}"
        acts = self._guarded(lambda: gate.sequence(out, f"{what}: its return value", L + 1, "[X, A1, ..., AL]"))
        return [self._array(a, f"{what}: activations[{l}]", (B, n)) for l, (a, n) in enumerate(zip(acts, self.sizes))]

    def call_backward(self, weights: list[np.ndarray], biases: list[np.ndarray], activations: list[np.ndarray],
                      targets: np.ndarray, where: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The user's backward on copies; returns (dW, db) checked (count, type, shape) and cast to the run's
        dtype. A bias gradient of shape (n,) is accepted for (1, n)."""
        args = (_copies(weights), self._biases(biases), _copies(activations), targets.copy())
        out = self._call("backward", self.code.backward, args, self.kwargs, where)
        L = len(self.sizes) - 1
        what = f"{self.code.name}: backward at {where}"
        if not self.experiment.bias:
            return self._weights_only(out, what, L)
        pair = self._guarded(lambda: gate.sequence(out, f"{what}: its return value", 2, "(dW, db)"))
        dW = self._guarded(lambda: gate.sequence(pair[0], f"{what}: dW", L, "one array per layer, dW1 first"))
        db = self._guarded(lambda: gate.sequence(pair[1], f"{what}: db", L, "one array per layer, db1 first"))
        shapes = list(zip(self.sizes[:-1], self.sizes[1:]))
        grads_W = [self._array(g, f"{what}: dW[{l}] (the gradient of W{l + 1})", shape, layer_shapes=shapes)
                   for l, (g, shape) in enumerate(zip(dW, shapes))]
        grads_b = [self._array(g, f"{what}: db[{l}] (the gradient of b{l + 1})", (1, n_out))
                   for l, (g, (_, n_out)) in enumerate(zip(db, shapes))]
        return grads_W, grads_b

    def _biases(self, biases: list[np.ndarray]) -> list[Any]:
        """What the user's functions get as `biases`: copies, or None per layer in a network without biases."""
        return _copies(biases) if self.experiment.bias else [None] * len(biases)

    def _weights_only(self, out: Any, what: str, L: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """A network without biases (`bias = false`): the user returns dW (a list, one array per layer) or
        (dW, None); db comes back as zeros (the biases stay 0). A db returned anyway is bad input."""
        if type(out) in (list, tuple) and len(out) == 2 and out[1] is None:
            out = out[0]
        elif type(out) in (list, tuple) and len(out) == 2 and type(out[1]) in (list, tuple):
            raise UserCodeError(f"{what}: returned (dW, db), but this network has no biases (network.bias = "
                                "false): return dW only, or (dW, None)")
        dW = self._guarded(lambda: gate.sequence(out, f"{what}: its return value", L,
                                                 "dW, one array per layer (no biases: bias = false), or (dW, None)"))
        shapes = list(zip(self.sizes[:-1], self.sizes[1:]))
        grads_W = [self._array(g, f"{what}: dW[{l}] (the gradient of W{l + 1})", shape, layer_shapes=shapes)
                   for l, (g, shape) in enumerate(zip(dW, shapes))]
        return grads_W, [np.zeros((1, n_out), dtype=self.dtype) for _, n_out in shapes]

    def _guarded(self, read: Callable[[], Any]) -> Any:
        """`read()` through the gate; should a user's object still run code of its own there (a `__del__`,
        a hook we did not foresee), what it raises is the user's error, as in `_call`."""
        try:
            return read()
        except UserCodeError:
            raise
        except BaseException as exc:
            if exits.is_ours(exc):
                raise
            raise UserCodeError(f"{self.code.name}: what it returned cannot be read ({one_line(exc)})",
                                user_traceback(exc)) from None

    def _array(self, value: Any, what: str, shape: tuple[int, int],
               layer_shapes: list[tuple[int, int]] | None = None) -> np.ndarray:
        also = (shape[1],) if shape[0] == 1 else None    # db as (n,) is unambiguous: accepted for (1, n)
        array, found = self._guarded(lambda: gate.array(value, what, shape, self.dtype, also=also))
        if array is None:
            raise UserCodeError(f"{what} has shape {found}; expected {shape}"
                                + _shape_hint(found, shape, layer_shapes))
        return array

    def trainer(self, experiment: Experiment, weights: list[np.ndarray], biases: list[np.ndarray]) -> Any:
        """A `numpy_impl.trainer.NumpyTrainer` whose forward (when the file has one) and backward are the
        user's; the optimizer is ours (the experiment's). Usable as the harness's `numpy_factory`."""
        from numpy_impl.trainer import NumpyTrainer

        holder: list[Any] = []

        def where() -> str:
            return f"update {holder[0].updates + 1}" if holder else "the start"

        # the user's functions take no workspace: they return new arrays, which the step uses as they are
        def backward_fn(W: list, Zs: list, activations: list, T: np.ndarray, workspace: Any = None
                        ) -> tuple[list, list]:
            return self.call_backward(W, holder[0].biases, activations, T, where())

        forward_fn = None
        if self.has_forward:
            def forward_fn(W: list, b: list, X: np.ndarray, workspace: Any = None) -> tuple[list, list]:
                activations = self.call_forward(W, b, X, where())
                # the pre-activations of the user's own activations: only the cross-entropy loss log reads them
                Zs = [a @ w + c for a, w, c in zip(activations[:-1], W, b)]
                return Zs, activations

        trainer = NumpyTrainer(experiment, weights, biases, forward_fn=forward_fn, backward_fn=backward_fn)
        # what the file's functions can be told, for the hints (`compare.diagnosis.stages.capture_numpy`)
        trainer.user_keywords = self.code.keywords
        trainer.user_forward = self.has_forward
        trainer.user_forward_keywords = self.code.forward_keywords
        holder.append(trainer)
        return trainer

    def factory(self) -> Callable[[Experiment, list, list], Any]:
        """`trainer` as a `numpy_factory(experiment, weights, biases)` for `compare.lockstep.harness`."""
        return self.trainer


def _copies(arrays: list[np.ndarray]) -> list[np.ndarray]:
    return [np.array(a, copy=True) for a in arrays]


def _shape_hint(found: tuple, expected: tuple[int, int], layer_shapes: list[tuple[int, int]] | None) -> str:
    if len(found) == 2 and found == expected[::-1]:
        return " (transposed? dW[l] = activations[l].T @ delta, inputs x outputs, as W)"
    if layer_shapes and len(found) == 2 and found in layer_shapes:
        other = layer_shapes.index(found) + 1
        return f" (that is W{other}'s shape: are the layers in the right order, dW1 first?)"
    return ""
