"""Reference solution: update rules in cs231n's form, `rule(w, dw, config) -> (next_w, config)`.

    python -m compare check examples/optim_solution.py            # every rule, on the default suite
    python -m compare check examples/optim_solution.py exercise3 --lr 0.01 --weight-decay 0.1

Each rule is called once per parameter and update with that parameter's own `config`: the hyperparameters
come in it (learning_rate, momentum, decay_rate, beta1, beta2, epsilon, weight_decay, ...), and the rule keeps
its state there between calls (velocity, cache, m, v, t). Each matches torch.optim's optimizer of the same name
(SGD, SGD with momentum, RMSprop, Adam, AdamW, Adagrad) element by element: the check compares the parameters
and the state after every update.
"""

import numpy as np


def sgd_momentum(w, dw, config=None):
    """torch.optim.SGD(momentum): v <- momentum v - lr g, w <- w + v (torch keeps buf = -v / lr).
    g = dw + weight_decay w (an L2 penalty's gradient)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    config.setdefault("weight_decay", 0.0)
    g = dw + config["weight_decay"] * w
    v = config.get("velocity")
    if v is None:
        v = -config["learning_rate"] * g               # torch starts its buffer at g itself
    else:
        v = config["momentum"] * v - config["learning_rate"] * g
    config["velocity"] = v
    return w + v, config


def rmsprop(w, dw, config=None):
    """torch.optim.RMSprop: cache <- decay cache + (1 - decay) g^2, w <- w - lr g / (sqrt(cache) + eps); with
    config['centered'], divide by sqrt(cache - mean^2), mean the running mean of g (no bias correction)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("weight_decay", 0.0)
    config.setdefault("cache", np.zeros_like(w))
    g = dw + config["weight_decay"] * w
    rho = config["decay_rate"]
    config["cache"] = rho * config["cache"] + (1 - rho) * g * g
    square = config["cache"]
    if config.get("centered"):
        config["grad_avg"] = rho * config.get("grad_avg", np.zeros_like(w)) + (1 - rho) * g
        square = square - config["grad_avg"] ** 2
    next_w = w - config["learning_rate"] * g / (np.sqrt(square) + config["epsilon"])
    return next_w, config


def adam(w, dw, config=None):
    """torch.optim.Adam: t counted first; m, v running means of g and g^2, both bias-corrected; eps outside
    the square root; weight decay coupled (added to g before the moments)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("weight_decay", 0.0)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    b1, b2 = config["beta1"], config["beta2"]
    g = dw + config["weight_decay"] * w
    config["t"] += 1
    config["m"] = b1 * config["m"] + (1 - b1) * g
    config["v"] = b2 * config["v"] + (1 - b2) * g * g
    m_hat = config["m"] / (1 - b1 ** config["t"])
    v_hat = config["v"] / (1 - b2 ** config["t"])
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    return next_w, config


def adamw(w, dw, config=None):
    """torch.optim.AdamW: Adam's moments of the raw gradient; the weight decays by itself, w (1 - lr wd),
    before the Adam step."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("weight_decay", 1e-2)
    decayed = w * (1 - config["learning_rate"] * config["weight_decay"])
    wd = config["weight_decay"]
    config["weight_decay"] = 0.0                       # the moments see the raw gradient
    try:
        next_w, config = adam(decayed, dw, config)
    finally:
        config["weight_decay"] = wd
    return next_w, config


def sgd(w, dw, config=None):
    """torch.optim.SGD without momentum: w <- w - lr (dw + weight_decay w)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("weight_decay", 0.0)
    return w - config["learning_rate"] * (dw + config["weight_decay"] * w), config


def adagrad(w, dw, config=None):
    """torch.optim.Adagrad: cache <- cache + g^2 (from initial_accumulator_value), w <- w - clr g /
    (sqrt(cache) + eps), clr = lr / (1 + (t - 1) lr_decay) with t counted first."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-10)
    config.setdefault("weight_decay", 0.0)
    config.setdefault("lr_decay", 0.0)
    config.setdefault("initial_accumulator_value", 0.0)
    config.setdefault("cache", np.full_like(w, config["initial_accumulator_value"]))
    config.setdefault("t", 0)
    g = dw + config["weight_decay"] * w
    config["t"] += 1
    config["cache"] = config["cache"] + g * g
    clr = config["learning_rate"] / (1 + (config["t"] - 1) * config["lr_decay"])
    return w - clr * g / (np.sqrt(config["cache"]) + config["epsilon"]), config
