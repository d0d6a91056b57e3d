"""A user's own backprop, loaded from a file and wrapped so that the harness can train with it.

The user's `FILE.py` defines, in the seed layout and with plain NumPy arrays:

    def backward(weights, biases, activations, targets):   # -> (dW, db), same shapes as (weights, biases)
    def forward(weights, biases, X):                        # optional -> [X, A1, ..., AL]

`backward` (and `forward`) may also accept keyword arguments `loss`, `hidden_activation`,
`output_activation`, `leaky_slope` (or `**kwargs`): then they receive the experiment's values (`leaky_slope`
only when the experiment uses leaky_relu).

    code = load_user_code("mine.py")                  # UserCodeError (exit 2) if it does not load
    user = UserBackprop(code, experiment)
    trainer = user.trainer(experiment, weights, biases)   # a NumpyTrainer running the user's formulas
    dW, db = user.call_backward(weights, biases, activations, targets, where="update 1")

Everything crosses the boundary checked and copied: the user's functions get copies (a file cannot change
our state), and what they return must be NumPy arrays of the right count and shapes, else a one-line
`UserCodeError` (exit 2; `compare.usercode.gate` reads them, trusting nothing of the objects). Anything raised
inside the user's code (`BaseException` included: `SystemExit`, `KeyboardInterrupt`, `GeneratorExit`) becomes
a `UserCodeError` whose `user_traceback` holds the user's frames only, never ours; our own SIGINT / SIGTERM
stay ours (exit 130 / 143), even when they land inside the user's code or it swallows them. NaN or inf in
what they return is NOT an error here: it flows into the weights, and the harness reports it as a
disagreement (exit 1) at that update, with the stage and layer named.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from compare import exits
from compare.errors import UserStop
from compare.experiment.definition import Experiment
from compare.usercode import gate
from compare.usercode.gate import UserCodeError

EXPERIMENT_KEYWORDS = ("loss", "hidden_activation", "output_activation", "leaky_slope")
# our own packages: frames from these are never shown in a user's traceback
_OUR_DIRS = tuple(str(Path(__file__).resolve().parents[2] / p) for p in ("compare", "numpy_impl", "torch_impl"))


@dataclass(frozen=True)
class UserCode:
    """A loaded user file: its `backward`, its optional `forward`, and which experiment keywords each
    accepts (`loss`, `hidden_activation`, `output_activation`: passed when the function names them)."""

    path: Path
    backward: Callable[..., Any]
    forward: Callable[..., Any] | None = None
    keywords: tuple[str, ...] = field(default=())
    forward_keywords: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return str(self.path)


def user_traceback(exc: BaseException) -> str:
    """The traceback of `exc` with our frames (and importlib's) removed: what the user wrote, only."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(_OUR_DIRS) and not f.filename.startswith("<frozen ")]
    text = "".join(traceback.format_exception_only(type(exc), exc))
    if not frames:
        return text
    return "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) + text


def _last_user_line(exc: BaseException, path: Path) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path]
    return f"line {frames[-1].lineno}" if frames else "its file"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def import_user_file(file: Path, module_name: str, shown: str) -> Any:
    """Import a user's file as module `module_name`, its own folder importable (for its helper modules).
    UserCodeError (exit 2, the user's traceback attached) for anything the import raises, SystemExit and
    KeyboardInterrupt included; our own interruptions and a grader's stop pass through. `shown`: the path
    as the user wrote it, for the message."""
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise UserCodeError(f"{shown}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(file.parent))
    try:
        with exits.user_code():
            spec.loader.exec_module(module)
    except BaseException as exc:   # a user's file may raise anything; our own signals stay ours
        if exits.is_ours(exc) or isinstance(exc, UserStop):
            raise
        exits.raise_pending()
        raise UserCodeError(f"{shown}: does not import ({_one_line(exc)})", user_traceback(exc)) from None
    finally:
        try:
            sys.path.remove(str(file.parent))
        except ValueError:
            pass
    exits.raise_pending()
    return module


def load_user_code(path: str | Path) -> UserCode:
    """Import the user's file and find `backward` (and `forward`). UserCodeError (exit 2) when the file is
    missing, does not import (their traceback attached), or defines no usable `backward`."""
    file = Path(path)
    if not file.exists():
        raise UserCodeError(f"{file}: no such file (expected a Python file defining backward(weights, biases, "
                            "activations, targets))")
    if not file.is_file():
        raise UserCodeError(f"{file}: is not a file (expected a Python file defining backward)")
    if file.suffix != ".py":
        raise UserCodeError(f"{file}: expected a .py file")
    file = file.resolve()
    module = import_user_file(file, f"_user_backprop_{abs(hash(str(file)))}", str(path))
    exits.raise_pending()
    backward = getattr(module, "backward", None)
    if backward is None or not callable(backward):
        found = "nothing" if backward is None else f"a {type(backward).__name__}"
        raise UserCodeError(f"{path}: defines no function `backward(weights, biases, activations, targets)` "
                            f"(found {found} under that name)")
    forward = getattr(module, "forward", None)
    if forward is not None and not callable(forward):
        raise UserCodeError(f"{path}: `forward` is a {type(forward).__name__}, expected a function "
                            "forward(weights, biases, X) -> [X, A1, ..., AL]")
    keywords = _check_signature(path, "backward", backward, 4, "weights, biases, activations, targets")
    forward_keywords = () if forward is None else _check_signature(path, "forward", forward, 3, "weights, biases, X")
    return UserCode(Path(path), backward, forward, keywords, forward_keywords)


def user_code_from_functions(backward: Callable[..., Any], forward: Callable[..., Any] | None = None) -> UserCode:
    """The same as `load_user_code`, for functions already in hand (the Python API, `compare.check`)."""
    if not callable(backward):
        raise UserCodeError(f"backward: expected a function backward(weights, biases, activations, targets), "
                            f"found a {type(backward).__name__}")
    if forward is not None and not callable(forward):
        raise UserCodeError(f"forward: expected a function forward(weights, biases, X), found a "
                            f"{type(forward).__name__}")
    code = getattr(backward, "__code__", None)
    path = Path(code.co_filename) if code is not None else Path(getattr(backward, "__qualname__", "backward"))
    keywords = _check_signature(path, "backward", backward, 4, "weights, biases, activations, targets")
    forward_keywords = () if forward is None else _check_signature(path, "forward", forward, 3, "weights, biases, X")
    return UserCode(path, backward, forward, keywords, forward_keywords)


def _check_signature(path: Any, name: str, fn: Callable, positional: int, names: str) -> tuple[str, ...]:
    """The experiment keywords `fn` accepts; UserCodeError if it cannot take `positional` arguments."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):   # a builtin or C function: call it and see
        return ()
    try:
        signature.bind(*([None] * positional))
    except TypeError:
        raise UserCodeError(f"{path}: `{name}{signature}` must accept {positional} positional arguments "
                            f"({names})") from None
    params = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return EXPERIMENT_KEYWORDS
    return tuple(k for k in EXPERIMENT_KEYWORDS if k in signature.parameters
                 and signature.parameters[k].kind is not inspect.Parameter.POSITIONAL_ONLY)


def call_user(fn: Callable, args: tuple, kwargs: dict, failure: Callable[[BaseException], UserCodeError]) -> Any:
    """fn(*args, **kwargs) across the boundary into a user's code: anything it raises (BaseException included)
    becomes `failure(exc)` (exit 2), except our own SIGINT / SIGTERM and our machinery's stops (`UserStop`),
    which stay ours wherever they land; a signal of ours the user's code swallowed is raised again here."""
    try:
        with exits.user_code():
            out = fn(*args, **kwargs)
    except BaseException as exc:
        if exits.is_ours(exc) or isinstance(exc, UserStop):   # ours, not the user's: they pass through
            raise
        exits.raise_pending()          # our signal arrived, and the user's code turned it into another error
        raise failure(exc) from None
    exits.raise_pending()              # our signal arrived, and the user's code swallowed it
    return out


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
        passed = [k for k in EXPERIMENT_KEYWORDS if k != "leaky_slope" or leaky]
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
                                     f"at {_last_user_line(exc, self.code.path.resolve())}): fill in its formulas")
            return UserCodeError(f"{self.code.name}: {what} raised {_one_line(exc)} at {where}", user_traceback(exc))
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
            raise UserCodeError(f"{self.code.name}: what it returned cannot be read ({_one_line(exc)})",
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
