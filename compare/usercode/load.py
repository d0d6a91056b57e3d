"""A user's own backprop, loaded from a file (wrapped for an experiment by `compare.usercode.backprop`).

The user's `FILE.py` defines, in the seed layout and with plain NumPy arrays:

    def backward(weights, biases, activations, targets):   # -> (dW, db), same shapes as (weights, biases)
    def forward(weights, biases, X):                        # optional -> [X, A1, ..., AL]

`backward` (and `forward`) may also accept keyword arguments `loss`, `hidden_activation`,
`output_activation`, `leaky_slope` (or `**kwargs`): then they receive the experiment's values (`leaky_slope`
only when the experiment uses leaky_relu); a function that names `reduction`, `bce_outputs`, `l2`,
`l2_biases` or `mse_scale` receives those too (through `**kwargs` they are not passed).

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
from compare.usercode.not_brought import not_brought

EXPERIMENT_KEYWORDS = ("loss", "hidden_activation", "output_activation", "leaky_slope")
# the loss's conventions: passed to a function that names them, never through **kwargs (a file that passes its
# **kwargs on to code written before them would break)
CONVENTION_KEYWORDS = ("reduction", "bce_outputs", "l2", "l2_biases", "mse_scale")
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
    """Import a user's file as module `module_name`, the way `python FILE.py` would find its own modules: its
    folder first on sys.path during the import, so `import network` loads the `network.py` beside it.
    Those sibling modules are then taken out of sys.modules again (the file keeps them), so that the next
    file checked in this process imports its own `network.py`, never this one's. UserCodeError (exit 2, the
    user's traceback attached) for anything the import raises, SystemExit and KeyboardInterrupt included
    (a module it imports but did not bring is said in a student's words); our own interruptions and a
    grader's stop pass through. `shown`: the path as the user wrote it, for the message."""
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise UserCodeError(f"{shown}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    folder = str(file.parent)
    before = set(sys.modules)
    sys.path.insert(0, folder)
    try:
        with exits.user_code():
            spec.loader.exec_module(module)
    except BaseException as exc:   # a user's file may raise anything; our own signals stay ours
        if exits.is_ours(exc) or isinstance(exc, UserStop):
            raise
        exits.raise_pending()
        raise UserCodeError(f"{shown}: does not import ({one_line(exc)}){not_brought(exc, file)}",
                            user_traceback(exc)) from None
    finally:
        try:
            sys.path.remove(folder)
        except ValueError:
            pass
        _forget_siblings(before, file.parent)
    exits.raise_pending()
    return module


def _defines_backward(file: Path) -> bool:
    """True when the file defines `backward` at its top level (a def, an assignment or an import as)."""
    import ast

    try:
        with open(file, "rb") as f:
            raw = f.read(1 << 20)
    except OSError:
        return False
    try:
        tree = ast.parse(raw)
    # it does not parse (nested too deep: RecursionError, MemoryError): its error is shown when it is imported
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return b"def backward" in raw
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "backward":
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "backward" for t in node.targets):
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (a.asname or a.name) == "backward" for a in node.names):
            return True
    return False


def entry_point(folder: Path, shown: str, defines: Callable[[Path], bool] | None = None,
                what: str = "backward", several: str = "keep backward in one file") -> Path:
    """A submission folder's entry: its `submission.py`, else the one `.py` file at its top for which
    `defines` holds (default: it defines `backward`; `what` names that in messages). UserCodeError (exit 2)
    naming the candidates when there is none, or more than one (`several`: what to do then)."""
    defines = defines or _defines_backward
    files = sorted(p for p in folder.iterdir() if p.suffix == ".py" and not p.name.startswith(".")
                   and p.is_file() and not p.is_symlink())
    if any(p.name == "submission.py" for p in files):
        return folder / "submission.py"
    defining = [p for p in files if defines(p)]
    if len(defining) == 1:
        return defining[0]
    names = ", ".join(p.name for p in (defining or files)[:6]) + (", ..." if len(defining or files) > 6 else "")
    if not defining:
        found = f" (its .py files: {names})" if files else " (it has no .py file at its top)"
        raise UserCodeError(f"{shown}: no file in this folder defines {what}{found}; a folder submission's "
                            f"entry is submission.py, else the one file defining {what}")
    raise UserCodeError(f"{shown}: {len(defining)} files define {what} ({names}); name the entry "
                        f"submission.py, or {several}")


def _forget_siblings(before: set[str], folder: Path) -> None:
    """Take the modules this import loaded from the user's folder out of sys.modules."""
    for name in set(sys.modules) - before:
        origin = getattr(sys.modules.get(name), "__file__", None)
        if origin and Path(origin).resolve().is_relative_to(folder.resolve()):
            sys.modules.pop(name, None)


def load_user_code(path: str | Path) -> UserCode:
    """Import the user's file (or a folder's entry point, `entry_point`) and find `backward` (and
    `forward`). UserCodeError (exit 2) when the file is missing, does not import (their traceback
    attached), or defines no usable `backward`."""
    file = Path(path)
    if file.is_dir():
        file = entry_point(file, str(path))
        path = file
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
        pairs = sorted(n for n, v in vars(module).items() if callable(v) and n.endswith(("_forward", "_backward"))
                       and getattr(v, "__module__", None) == module.__name__)
        other = (f"; its functions {', '.join(pairs[:6])}{', ...' if len(pairs) > 6 else ''} are no layer the check "
                 "knows: layer files use cs231n's names and signatures (affine_forward(x, w, b), "
                 "conv_forward_naive(x, w, b, conv_param) with x (N, C, H, W), ...: docs/layers.md)" if pairs else "")
        raise UserCodeError(f"{path}: defines no function `backward(weights, biases, activations, targets)` "
                            f"(found {found} under that name){other}")
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
    named = tuple(k for k in EXPERIMENT_KEYWORDS + CONVENTION_KEYWORDS if k in signature.parameters
                  and signature.parameters[k].kind is not inspect.Parameter.POSITIONAL_ONLY)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return EXPERIMENT_KEYWORDS + tuple(k for k in named if k in CONVENTION_KEYWORDS)
    return named


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
