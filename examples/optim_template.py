"""Template: write the update rules of SGD with momentum, RMSprop and Adam in cs231n's form, then check them:

    python -m compare check examples/optim_template.py        # the default suite, against torch.optim

`rule(w, dw, config) -> (next_w, config)` is called once per parameter and update. `config` brings the
hyperparameters and keeps your state between calls (the check compares it with torch's state every update):

    sgd_momentum  learning_rate, momentum, weight_decay                 state: config['velocity'] (v <- mu v - lr g)
    rmsprop       learning_rate, decay_rate, epsilon, weight_decay,     state: config['cache'] (and with centered,
                  centered (optional)                                          config['grad_avg'])
    adam          learning_rate, beta1, beta2, epsilon, weight_decay    state: config['m'], config['v'], config['t']

g = dw + weight_decay * w (torch's L2 penalty). Return the config you were given, with your state in it.
The formulas, torch's order of operations and the classic mistakes: docs/optimizers.md.
"""

import numpy as np


def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    config.setdefault("weight_decay", 0.0)
    v = config.get("velocity", np.zeros_like(w))
    raise NotImplementedError("sgd_momentum: v <- momentum v - learning_rate g; next_w = w + v")
    config["velocity"] = v
    return next_w, config  # noqa: F821


def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("weight_decay", 0.0)
    config.setdefault("cache", np.zeros_like(w))
    raise NotImplementedError("rmsprop: cache <- decay_rate cache + (1 - decay_rate) g^2, then the step")


def adam(w, dw, config=None):
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
    raise NotImplementedError("adam: t, m, v, the bias corrections, then the step")
