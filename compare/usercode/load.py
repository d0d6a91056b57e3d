"""A user's own backprop, loaded from a file (wrapped for an experiment by `compare.usercode.backprop`).

The user's `FILE.py` defines, in the seed layout and with plain NumPy arrays:

    def backward(weights, biases, activations, targets):   # -> (dW, db), same shapes as (weights, biases)
    def forward(weights, biases, X):                        # optional -> [X, A1, ..., AL]

`backward` (and `forward`) may also accept keyword arguments `loss`, `hidden_activation`,
`output_activation`, `leaky_slope` (or `**kwargs`): then they receive the experiment's values (`leaky_slope`
only when the experiment uses leaky_relu).

    code = load_user_code("mine.py")                  # UserCodeError (exit 2) if it does not load
    user = UserBackprop(code, experiment)             # compare.usercode.backprop
    trainer = user.trainer(experiment, weights, biases)   # a NumpyTrainer running the user's formulas
    dW, db = user.call_backward(weights, biases, activations, targets, where="update 1")

Everything crosses the boundary checked and copied: the user's functions get copies (a file cannot change
our state), and what they return must be NumPy arrays of the right count and shapes, else a one-line
`UserCodeError` (exit 2; `compare.usercode.gate` reads them, trusting nothing of the objects). Anything raised
inside the user's code (`BaseException` included: `SystemExit`, `KeyboardInterrupt`, `GeneratorExit`) becomes
a `UserCodeError` whose `user_traceback` holds the user's frames only, never ours; our own SIGINT / SIGTERM / SIGHUP
stay ours (exit 130 / 143 / 129), even when they land inside the user's code or it swallows them. NaN or inf in
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

from compare import exits
from compare.errors import UserStop
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


def last_user_line(exc: BaseException, path: Path) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path]
    return f"line {frames[-1].lineno}" if frames else "its file"


def one_line(exc: BaseException) -> str:
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
        raise UserCodeError(f"{shown}: does not import ({one_line(exc)})", user_traceback(exc)) from None
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
