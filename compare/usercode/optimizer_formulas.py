"""The one-line formulas of the optimizer's step that `compare explain` prints: each state quantity (momentum
buffer, moments, sums, step count) and the parameter after the update, written for the experiment's optimizer
and options, in torch's order (`numpy_impl.optimizer`, `adam`, `rmsprop`, `adagrad` derive them).

`p` names a parameter ("W1"); `g` is its gradient as the optimizer sees it (`gradient`).
"""

from __future__ import annotations

from compare.experiment.definition import Experiment


def _num(x: float) -> str:
    return f"{x:g}"


def gradient(e: Experiment, p: str) -> str:
    """The g the optimizer feeds its update (maximize and coupled weight decay folded in)."""
    g = f"-d{p}" if e.maximize else f"d{p}"
    if e.weight_decay and e.optimizer != "adamw":
        g += f" + {_num(e.weight_decay)} {p}"
    return g


def _given(e: Experiment, p: str) -> str:
    return f", g = {gradient(e, p)}"


def state_formula(e: Experiment, name: str, p: str) -> str:
    """The formula of state quantity `name` (torch's) of parameter `p` after this update."""
    if name == "step":
        return f"t_{p} <- t_{p} + 1   (counted before it is used: 1 on the first update)"
    if e.optimizer == "sgd":
        return (f"buf_{p} <- {_num(e.momentum)} buf_{p} + (1 - {_num(e.dampening)}) g   (buf_{p} = g on the first "
                f"update){_given(e, p)}")
    if name == "exp_avg":
        return f"m_{p} <- {_num(e.betas[0])} m_{p} + (1 - {_num(e.betas[0])}) g   (first moment){_given(e, p)}"
    if name == "exp_avg_sq":
        return (f"v_{p} <- {_num(e.betas[1])} v_{p} + (1 - {_num(e.betas[1])}) g^2   (second moment)"
                f"{_given(e, p)}")
    if name == "max_exp_avg_sq":
        return f"v_max_{p} <- max(v_max_{p}, v_{p})   (amsgrad)"
    if name == "square_avg":
        return f"s_{p} <- {_num(e.alpha)} s_{p} + (1 - {_num(e.alpha)}) g^2{_given(e, p)}"
    if name == "grad_avg":
        return f"a_{p} <- {_num(e.alpha)} a_{p} + (1 - {_num(e.alpha)}) g   (centered){_given(e, p)}"
    if name == "momentum_buffer":     # RMSprop's: the normalised step, from 0
        return f"buf_{p} <- {_num(e.momentum)} buf_{p} + g / {_denominator(e, p)}   (buf_{p} = 0 at the start)"
    if name == "sum":
        return f"sum_{p} <- sum_{p} + g^2   (sum_{p} = {_num(e.initial_accumulator_value)} at the start){_given(e, p)}"
    raise KeyError(name)


def _denominator(e: Experiment, p: str) -> str:
    root = f"sqrt(s_{p} - a_{p}^2)" if e.centered else f"sqrt(s_{p})"
    return f"({root} + {_num(e.eps)})"


def update_formula(e: Experiment, p: str) -> str:
    """The parameter `p` after the update, for an optimizer other than SGD."""
    lr = _num(e.lr)
    if e.optimizer in ("adam", "adamw"):
        v = f"v_max_{p}" if e.amsgrad else f"v_{p}"
        b1, b2 = _num(e.betas[0]), _num(e.betas[1])
        decay = (f"{p} <- {p} (1 - {lr} * {_num(e.weight_decay)}) first (decoupled, AdamW); then "
                 if e.optimizer == "adamw" and e.weight_decay else "")
        return (f"{decay}{p} <- {p} - {lr} (m_{p} / (1 - {b1}^t)) / (sqrt({v} / (1 - {b2}^t)) + {_num(e.eps)})   "
                f"(torch.optim.{'AdamW' if e.optimizer == 'adamw' else 'Adam'}, t = t_{p})")
    if e.optimizer == "rmsprop":
        if e.momentum > 0:
            return f"{p} <- {p} - {lr} buf_{p}   (torch.optim.RMSprop)"
        return f"{p} <- {p} - {lr} g / {_denominator(e, p)}   (torch.optim.RMSprop){_given(e, p)}"
    clr = f"{lr} / (1 + (t_{p} - 1) {_num(e.lr_decay)})" if e.lr_decay else lr
    return (f"{p} <- {p} - {clr} g / (sqrt(sum_{p}) + {_num(e.eps)})   (torch.optim.Adagrad)"
            f"{_given(e, p)}")
