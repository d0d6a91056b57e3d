"""What a wrong update rule's numbers suggest: the classic mistakes, each recomputed from the same starting
point (the parameter, its gradient and torch's state before the update), named only when it reproduces the
user's result (right or silent).

Adam/AdamW: no bias correction (of either moment or both), eps inside the square root, the step counted after
use or twice, the bias correction of v without its square root, weight decay coupled where AdamW decouples it
(and the reverse), weight decay ignored. RMSprop: eps inside the square root, the running mean's weights
swapped, not centred when asked to be, weight decay ignored. SGD with momentum: momentum or weight decay
ignored. Adagrad: eps inside the square root, the learning-rate decay counted from t instead of t - 1, weight
decay or the initial accumulator ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Variant = Callable[[np.ndarray, np.ndarray, dict[str, Any], dict[str, Any]], np.ndarray]


def _adam(p: np.ndarray, g: np.ndarray, s: dict[str, Any], o: dict[str, Any], *, bias: str = "m v",
          eps_inside: bool = False, t_shift: int = 0, sqrt_v: bool = True, decay: str = "") -> np.ndarray:
    b1, b2 = o["betas"]
    lr, eps, wd = o["lr"], o["eps"], o["weight_decay"]
    p = p.copy()
    decay = decay or ("decoupled" if o.get("decoupled") else "coupled")
    if wd and decay == "coupled":
        g = g + wd * p
    elif wd and decay == "decoupled":
        p = p * (1 - lr * wd)
    t = s["step"] + 1 + t_shift
    m = b1 * s["exp_avg"] + (1 - b1) * g
    v = b2 * s["exp_avg_sq"] + (1 - b2) * g * g
    with np.errstate(divide="ignore", invalid="ignore"):
        # `bias`: the moments that are bias-corrected ("m v" right, "" neither, "m" or "v" one of them)
        c1 = 1 - b1 ** t if "m" in bias else 1.0
        c2 = 1 - b2 ** t if "v" in bias else 1.0
        v_hat = v / (c2 if sqrt_v else c2 * c2)
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        return p - lr * (m / c1) / denom


def _rmsprop(p, g, s, o, *, eps_inside=False, swapped=False, centered=None, decay=True) -> np.ndarray:
    a, lr, eps, wd = o["alpha"], o["lr"], o["eps"], o["weight_decay"]
    if wd and decay:
        g = g + wd * p
    w_old, w_new = ((1 - a), a) if swapped else (a, 1 - a)
    sq = w_old * s["square_avg"] + w_new * g * g
    centered = o.get("centered", False) if centered is None else centered
    with np.errstate(invalid="ignore"):
        if centered:
            ga = a * s.get("grad_avg", 0.0) + (1 - a) * g
            sq = sq - ga * ga
        denom = np.sqrt(sq + eps) if eps_inside else np.sqrt(sq) + eps
    return p - lr * g / denom


def _sgd(p, g, s, o, *, momentum=True, decay=True) -> np.ndarray:
    if o["weight_decay"] and decay:
        g = g + o["weight_decay"] * p
    if momentum and o.get("momentum"):
        buf = s.get("momentum_buffer")
        g = g.copy() if buf is None else o["momentum"] * buf + g
    return p - o["lr"] * g


def _adagrad(p, g, s, o, *, eps_inside=False, t_shift=0, decay=True, initial=True) -> np.ndarray:
    lr, eps, wd = o["lr"], o["eps"], o["weight_decay"]
    if wd and decay:
        g = g + wd * p
    t = s["step"] + 1
    clr = lr / (1 + (t - 1 + t_shift) * o["lr_decay"])
    total = (s["sum"] if initial or s["step"] else s["sum"] - o["initial_accumulator_value"]) + g * g
    with np.errstate(invalid="ignore"):
        std = np.sqrt(total + eps) if eps_inside else np.sqrt(total) + eps
    return p - clr * g / std


# (description, optimizer(s), variant); a variant is only tried where the option it concerns is on
VARIANTS: list[tuple[str, tuple[str, ...], str, Variant]] = [
    ("no bias correction: m and v must be divided by (1 - beta1^t) and (1 - beta2^t)", ("adam", "adamw"), "",
     lambda p, g, s, o: _adam(p, g, s, o, bias="")),
    ("m without its bias correction: m_hat = m / (1 - beta1^t) (v's correction is right)", ("adam", "adamw"), "",
     lambda p, g, s, o: _adam(p, g, s, o, bias="v")),
    ("v without its bias correction: v_hat = v / (1 - beta2^t) (m's correction is right)", ("adam", "adamw"), "",
     lambda p, g, s, o: _adam(p, g, s, o, bias="m")),
    ("eps inside the square root: the denominator is sqrt(v_hat) + eps, not sqrt(v_hat + eps)", ("adam", "adamw"),
     "", lambda p, g, s, o: _adam(p, g, s, o, eps_inside=True)),
    ("the step counter is off by one: t is incremented BEFORE the bias corrections use it (t = 1 on the first "
     "update)", ("adam", "adamw"), "", lambda p, g, s, o: _adam(p, g, s, o, t_shift=-1)),
    ("the step counter runs one ahead (incremented twice?): t = 1 on the first update", ("adam", "adamw"), "",
     lambda p, g, s, o: _adam(p, g, s, o, t_shift=1)),
    ("v's bias correction without its square root: divide sqrt(v) by sqrt(1 - beta2^t)", ("adam", "adamw"), "",
     lambda p, g, s, o: _adam(p, g, s, o, sqrt_v=False)),
    ("weight decay coupled (added to the gradient, as Adam does): AdamW decays the weight itself, "
     "w <- w (1 - lr wd), outside the moments", ("adamw",), "weight_decay",
     lambda p, g, s, o: _adam(p, g, s, o, decay="coupled")),
    ("weight decay decoupled (AdamW's w <- w (1 - lr wd)): Adam adds wd w to the gradient, before the moments",
     ("adam",), "weight_decay", lambda p, g, s, o: _adam(p, g, s, o, decay="decoupled")),
    ("config['weight_decay'] ignored", ("adam", "adamw"), "weight_decay",
     lambda p, g, s, o: _adam(p, g, s, o, decay="none")),
    ("eps inside the square root: the denominator is sqrt(cache) + eps, not sqrt(cache + eps)", ("rmsprop",), "",
     lambda p, g, s, o: _rmsprop(p, g, s, o, eps_inside=True)),
    ("the running mean's weights swapped: cache <- decay_rate cache + (1 - decay_rate) dw^2", ("rmsprop",), "",
     lambda p, g, s, o: _rmsprop(p, g, s, o, swapped=True)),
    ("not centred: with centered, divide by sqrt(cache - mean^2), the mean being the running mean of dw",
     ("rmsprop",), "centered", lambda p, g, s, o: _rmsprop(p, g, s, o, centered=False)),
    ("config['weight_decay'] ignored (torch adds weight_decay * w to the gradient first)", ("rmsprop",),
     "weight_decay", lambda p, g, s, o: _rmsprop(p, g, s, o, decay=False)),
    ("momentum ignored: v <- momentum v - learning_rate dw, then w <- w + v", ("sgd",), "momentum",
     lambda p, g, s, o: _sgd(p, g, s, o, momentum=False)),
    ("config['weight_decay'] ignored (torch adds weight_decay * w to the gradient first)", ("sgd",),
     "weight_decay", lambda p, g, s, o: _sgd(p, g, s, o, decay=False)),
    ("eps inside the square root: the denominator is sqrt(cache) + eps, not sqrt(cache + eps)", ("adagrad",), "",
     lambda p, g, s, o: _adagrad(p, g, s, o, eps_inside=True)),
    ("the learning-rate decay counted from t, not t - 1: lr / (1 + (t - 1) lr_decay)", ("adagrad",), "lr_decay",
     lambda p, g, s, o: _adagrad(p, g, s, o, t_shift=1)),
    ("config['weight_decay'] ignored (torch adds weight_decay * w to the gradient first)", ("adagrad",),
     "weight_decay", lambda p, g, s, o: _adagrad(p, g, s, o, decay=False)),
    ("the initial accumulator ignored: cache starts at initial_accumulator_value", ("adagrad",),
     "initial_accumulator_value", lambda p, g, s, o: _adagrad(p, g, s, o, initial=False)),
]


def rule_hints(optimizer: str, p: np.ndarray, g: np.ndarray, state: dict[str, Any], options: dict[str, Any],
               yours: np.ndarray) -> list[str]:
    """The classic mistakes whose result equals `yours` (the user's next parameter), recomputed from the
    parameter `p`, its gradient `g` and torch's `state` before the update; [] when none fits."""
    out = []
    scale = max(float(np.abs(yours[np.isfinite(yours)]).max(initial=0.0)), 1e-300)
    for description, optimizers, option, variant in VARIANTS:
        if optimizer not in optimizers or (option and not options.get(option)):
            continue
        if optimizer == "sgd" and "momentum" in option and not options.get("momentum"):
            continue
        guess = variant(p, g, state, options)
        same_nonfinite = np.array_equal(~np.isfinite(guess), ~np.isfinite(yours))
        finite = np.isfinite(guess) & np.isfinite(yours)
        if same_nonfinite and (not finite.any() or np.abs(guess - yours)[finite].max() <= 1e-9 * scale):
            out.append(description)
    return out


def _state_after(optimizer: str, name: str, g: np.ndarray, s: dict[str, Any], o: dict[str, Any]) -> np.ndarray:
    """State quantity `name` after an update whose (decayed or not) gradient is g, torch's formula."""
    if name == "exp_avg":
        return o["betas"][0] * s["exp_avg"] + (1 - o["betas"][0]) * g
    if name == "exp_avg_sq":
        return o["betas"][1] * s["exp_avg_sq"] + (1 - o["betas"][1]) * g * g
    if name == "square_avg":
        return o["alpha"] * s["square_avg"] + (1 - o["alpha"]) * g * g
    if name == "grad_avg":
        return o["alpha"] * s["grad_avg"] + (1 - o["alpha"]) * g
    if name == "sum":
        return s["sum"] + g * g
    buf = s.get("momentum_buffer")
    return g.copy() if buf is None else o["momentum"] * buf + g


def state_hints(optimizer: str, name: str, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                options: dict[str, Any], yours: np.ndarray) -> list[str]:
    """Whether a wrong state quantity is the right formula fed the gradient with the weight decay treated the
    wrong way (ignored or decoupled where torch couples it; coupled where AdamW decouples it)."""
    wd = options.get("weight_decay", 0.0)
    if not wd or name == "step":
        return []
    decoupled = optimizer == "adamw"
    wrong_g = g + wd * p if decoupled else g
    guess = _state_after(optimizer, name, wrong_g, state, options)
    scale = max(float(np.abs(yours[np.isfinite(yours)]).max(initial=0.0)), 1e-300)
    if guess.shape != yours.shape or not np.all(np.abs(guess - yours) <= 1e-9 * scale):
        return []
    if decoupled:
        return ["weight decay coupled (added to the gradient, as Adam does): AdamW's moments see dw itself and the "
                "weight decays by itself, w <- w (1 - lr wd)"]
    return [f"this state is fed dw without the weight decay (ignored, or decoupled as AdamW does it): "
            f"torch.optim's {optimizer} adds weight_decay * w to the gradient first (coupled)"]
