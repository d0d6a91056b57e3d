"""Checking a user's update rule against torch's optimizer, every update, every parameter, every state quantity.

The network trains with OUR forward and backward (`numpy_impl`), so the gradients are right, and the user's
rule moves the parameters: `rule(w, dw, config)` once per parameter and update, each parameter with its own
config (cs231n's form, `compare.usercode.rules`), or `step(params, grads, config)` once per update for the
whole model. torch trains the same network from the same weights on the same batches with the optimizer the
rule implements (`foreach=False`). After every update each parameter is compared, and (per-parameter form) each
state quantity the rule keeps in its config (m, v, t, cache, velocity) with torch's (exp_avg, exp_avg_sq,
step, square_avg, momentum_buffer); the first disagreement names the update, the quantity, the parameter
(output layer first), the element and both values, with the classic mistake that reproduces it, if one does
(`compare.usercode.rule_hints`).

What the rule returns is checked at the boundary: a pair (array of the parameter's shape, dict), the dict
keeping every key it was given; else one line, exit 2. NaN or inf in it is a disagreement (exit 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compare.errors import ParityError
from compare.experiment.definition import Experiment
from compare.running.optimizer_state import LABELS
from compare.running.tolerances import state_tolerance_for, tolerance_for
from compare.usercode import gate
from compare.usercode.load import UserCodeError, call_user, one_line, user_traceback
from compare.usercode.rule_hints import rule_hints, state_hints
from compare.usercode.rules import RULES, WHOLE_MODEL

QUANTITY = {"exp_avg": "first moment", "exp_avg_sq": "second moment", "step": "step",
            "square_avg": "running mean of dw^2", "momentum_buffer": "velocity", "sum": "sum of dw^2",
            "grad_avg": "running mean of dw"}


@dataclass
class RuleReport:
    """What one rule's run on one experiment found (raised inside a ParityError when it disagrees)."""

    rule: str
    experiment: Experiment
    updates_checked: int = 0
    max_abs_diff: float = 0.0
    state_max_abs_diff: dict[str, float] = field(default_factory=dict)
    unchecked_state: list[str] = field(default_factory=list)   # config keys the rule never kept


def rule_config(rule: str, e: Experiment) -> dict[str, Any]:
    """The hyperparameters handed to the rule, under the rule's config keys, from the experiment."""
    spec = RULES[rule]
    options = e.optimizer_options
    config: dict[str, Any] = {}
    for key, torch_key in spec.options.items():
        if torch_key in ("betas0", "betas1"):
            config[key] = float(e.betas[int(torch_key[-1])])
        elif torch_key in options:
            config[key] = options[torch_key]
    if rule == "rmsprop" and e.centered:
        config["centered"] = True
    return config


def _layer_names(sizes: tuple[int, ...]) -> list[str]:
    return [f"{kind}{l}" for l in range(1, len(sizes)) for kind in ("W", "b")]


def _call(fn: Any, rule: str, args: tuple, where: str) -> Any:
    def failure(exc: BaseException) -> UserCodeError:
        if isinstance(exc, NotImplementedError):
            return UserCodeError(f"{rule} is not implemented yet (NotImplementedError at {where}): fill in its "
                                 "formulas")
        return UserCodeError(f"{rule} raised {one_line(exc)} at {where}", user_traceback(exc))
    return call_user(fn, args, {}, failure)


def _checked(out: Any, rule: str, where: str, shape: tuple[int, ...], given: dict[str, Any]) -> tuple:
    # through the strict gate (compare.usercode.gate): nothing of the returned objects' own code is trusted
    if not isinstance(out, tuple):
        raise UserCodeError(f"{rule} at {where}: returned {type(out).__name__}; expected a pair (next_w, config)")
    next_w, config = gate.sequence(out, f"{rule} at {where}: its return value", 2, "a pair (next_w, config)")
    array, found = gate.array(next_w, f"{rule} at {where}: next_w", shape, np.dtype(np.float64))
    if array is None:
        raise UserCodeError(f"{rule} at {where}: next_w has shape {found}; expected {shape} (w's own)")
    if not isinstance(config, dict):
        raise UserCodeError(f"{rule} at {where}: config is {gate.type_name(config)}; expected the dict it was "
                            "given")
    config = dict.copy(config)          # a plain dict: a subclass's __contains__ or __iter__ never runs
    lost = [k for k in given if k not in config]
    if lost:
        raise UserCodeError(f"{rule} at {where}: the returned config lost {', '.join(map(repr, lost))}; return "
                            "the config you were given, with your state added")
    return array, config


def check_rule(fn: Any, rule: str, e: Experiment, *, on_update: Any = None) -> RuleReport:
    """Train with the user's rule `fn` (a name of RULES, or WHOLE_MODEL) and compare with torch at every
    update; the report, or ParityError (exit 1) at the first disagreement, UserCodeError (exit 2) for a
    return value that breaks the interface."""
    from compare.lockstep.harness import Lockstep

    run = Lockstep(e)
    names = _layer_names(e.sizes)
    params = [p for pair in zip(run.numpy.weights, run.numpy.biases) for p in pair]
    spec = RULES.get(rule)
    base = rule_config(rule, e) if spec else {"optimizer": e.optimizer, **e.optimizer_options}
    configs = [dict(base) for _ in params] if spec else [dict(base)]
    report = RuleReport(rule, e)
    tol, state_tol = tolerance_for(e.dtype), state_tolerance_for(e.dtype)
    options = {**e.optimizer_options, "decoupled": e.optimizer == "adamw", "centered": e.centered}
    update = 0
    with np.errstate(over="ignore"):
        for epoch in range(e.epochs):
            for batch, (X, T, indices) in enumerate(run.torch.loader):
                update += 1
                where = f"update {update} (epoch {epoch}, batch {batch})"
                samples = indices.numpy()
                before = [p.copy() for p in params]
                state_before = {k: v.copy() for k, v in run.torch_state().items()}
                dW, db = run.numpy.gradients(run.numpy.X[samples], run.numpy.T[samples])
                grads = [g for pair in zip(dW, db) for g in pair]
                if spec:
                    for i, (p, g) in enumerate(zip(params, grads)):
                        given = configs[i]
                        out = _call(fn, rule, (p.copy(), np.array(g, dtype=np.float64), given),
                                    f"{where}, parameter {names[i]}")
                        p[...], configs[i] = _checked(out, rule, f"{where}, parameter {names[i]}", p.shape,
                                                      dict(given))
                else:
                    out = _call(fn, rule, ({n: p.copy() for n, p in zip(names, params)},
                                           {n: np.array(g) for n, g in zip(names, grads)}, configs[0]), where)
                    out = gate.sequence(out, f"{rule} at {where}: its return value", 2, "(next_params, config)")
                    if not isinstance(out[0], dict):
                        raise UserCodeError(f"{rule} at {where}: expected (next_params, config), next_params a "
                                            "dict W1, b1, ...")
                    out[0] = dict.copy(out[0])      # a plain dict: a subclass's own methods never run
                    missing = [n for n in names if n not in out[0]]
                    if missing:
                        raise UserCodeError(f"{rule} at {where}: next_params lacks {', '.join(missing)}")
                    for n, p in zip(names, params):
                        p[...], _ = _checked((out[0][n], out[1]), rule, f"{where}, parameter {n}", p.shape,
                                             dict(configs[0]))
                    configs[0] = out[1]
                run.torch.step(X, T)
                failure = _compare(run, e, spec, configs, names, params, before, grads, state_before, options,
                                   report, where, update, tol, state_tol)
                if failure is not None:
                    raise ParityError(failure["message"], failure, report)
                report.updates_checked = update
                if on_update is not None:
                    on_update(update)
    return report


def _ours_state(spec: Any, configs: list[dict], lr: float, report: RuleReport,
                torch_names: Any) -> dict[str, np.ndarray]:
    """The rule's state in torch's terms, flat in the seed layout ({} for the whole-model form)."""
    out: dict[str, np.ndarray] = {}
    if spec is None:
        return out
    for key, (name, scale) in spec.state.items():
        if name not in torch_names:
            continue
        if any(key not in c for c in configs):
            if key not in report.unchecked_state:
                report.unchecked_state.append(key)
            continue
        try:
            values = [np.asarray(c[key], dtype=np.float64).ravel() for c in configs]
        except (TypeError, ValueError):
            raise UserCodeError(f"{spec.name}: config[{key!r}] is not numbers") from None
        flat = np.concatenate(values) if name != "step" else np.array([float(v[0]) if v.size else np.nan
                                                                        for v in values])
        out[name] = flat / -lr if scale == "-lr" else flat
    return out


def _compare(run: Any, e: Experiment, spec: Any, configs: list[dict], names: list[str], params: list,
             before: list, grads: list, state_before: dict, options: dict, report: RuleReport, where: str,
             update: int, tol: Any, state_tol: Any) -> dict[str, Any] | None:
    theirs_flat = run.theirs
    ours_flat = run.numpy.theta
    diff = np.abs(ours_flat - theirs_flat)
    report.max_abs_diff = max(report.max_abs_diff, float(np.nan_to_num(diff.max(), nan=np.inf)))
    torch_now = run.torch_state()
    ours_state = _ours_state(spec, configs, e.lr, report, torch_now.keys())
    offsets = np.cumsum([0] + [p.size for p in params])
    order = sorted(range(len(params)), key=lambda i: (-(i // 2), i % 2))      # output layer first, W then b
    # the state first: a wrong moment is where the rule broke, a wrong weight its consequence
    for name in [n for n in ("step", "exp_avg", "exp_avg_sq", "square_avg", "grad_avg", "momentum_buffer", "sum")
                 if n in ours_state and n in torch_now]:
        mine, want = ours_state[name], torch_now[name]
        if mine.shape != want.shape:
            raise UserCodeError(f"{spec.name} at {where}: config[{_key(spec, name)!r}] has "
                                f"{mine.size} numbers in all; expected {want.size} (one per element of w)")
        with np.errstate(invalid="ignore"):
            d = np.abs(mine - want)
            bad = ~(d <= (0.0 if name == "step" else state_tol.atol + state_tol.rtol * np.abs(want)))
        report.state_max_abs_diff[name] = max(report.state_max_abs_diff.get(name, 0.0),
                                              float(np.nan_to_num(d.max(), nan=np.inf)))
        for i in order:
            sl = slice(i, i + 1) if name == "step" else slice(offsets[i], offsets[i + 1])
            if bad[sl].any():
                k = int(np.flatnonzero(bad[sl])[0])
                element = "" if name == "step" else _element(params[i].shape, k)
                hints = [] if name == "step" else state_hints(
                    e.optimizer, name, before[i], np.asarray(grads[i], dtype=np.float64),
                    _param_state(state_before, slice(offsets[i], offsets[i + 1]), params[i].shape, i), options,
                    mine[sl].reshape(params[i].shape))
                a, b = float(mine[sl][k]), float(want[sl][k])
                if spec.state[_key(spec, name)][1] == "-lr":       # shown in the rule's own units
                    a, b = -e.lr * a, -e.lr * b
                return _failure(e, spec, name, names[i], element, a, b, where, update, hints,
                                "equal counts" if name == "step" else state_tol.describe())
    with np.errstate(invalid="ignore"):
        bad = ~(diff <= tol.atol + tol.rtol * np.abs(theirs_flat))
    for i in order:
        sl = slice(offsets[i], offsets[i + 1])
        if bad[sl].any():
            k = int(np.flatnonzero(bad[sl])[0])
            state = _param_state(state_before, sl, params[i].shape, i)
            hints = rule_hints(e.optimizer, before[i], np.asarray(grads[i], dtype=np.float64), state, options,
                               ours_flat[sl].reshape(params[i].shape).astype(np.float64))
            what = "bias correction or the step itself" if e.optimizer in ("adam", "adamw") else "the step itself"
            return _failure(e, spec, "parameter", names[i], _element(params[i].shape, k), float(ours_flat[sl][k]),
                            float(theirs_flat[sl][k]), where, update, hints, tol.describe(), what)
    return None


def _key(spec: Any, name: str) -> str:
    return next(k for k, (n, _) in spec.state.items() if n == name)


def _element(shape: tuple[int, ...], k: int) -> str:
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(k, shape)) + "]"


def _param_state(state: dict[str, np.ndarray], sl: slice, shape: tuple[int, ...], i: int) -> dict[str, Any]:
    """torch's state of parameter i before the update (step 0 and zero moments before the first one)."""
    out: dict[str, Any] = {"step": 0.0}
    for name, flat in state.items():
        if name != "step":
            out[name] = flat[sl].reshape(shape)
    steps = state.get("step")
    if steps is not None and steps.size:
        out["step"] = float(steps[i])
    for name in ("exp_avg", "exp_avg_sq", "square_avg", "grad_avg", "sum"):
        out.setdefault(name, np.zeros(shape))
    return out


def _failure(e: Experiment, spec: Any, name: str, parameter: str, element: str, a: float, b: float, where: str,
             update: int, hints: list[str], tolerance: str, what: str = "") -> dict[str, Any]:
    rule = spec.name if spec else WHOLE_MODEL
    if name == "parameter":
        quantity = what
        head = f"{parameter}{element} after the update"
    else:
        quantity = QUANTITY[name]
        key = _key(spec, name)
        label = "v = -lr x torch's momentum_buffer" if spec.state[key][1] == "-lr" else LABELS[name]
        head = f"config[{key!r}] ({label}) of {parameter}{element}"
    lines = [f"rule check FAILED: {rule} at {where}: {head}: yours {a!r}, torch {b!r}, |diff| {abs(a - b):.3g} > "
             f"tolerance ({tolerance})",
             f"  wrong quantity: {quantity}" + ("" if name == "parameter" else
                                                "; every quantity checked before it agrees")]
    lines += [f"  hint: {h}" for h in hints]
    return {"message": "\n".join(lines), "rule": rule, "update": update, "quantity": quantity,
            "state": None if name == "parameter" else name, "parameter": parameter, "element": element,
            "yours": a, "torch": b, "hints": hints}
