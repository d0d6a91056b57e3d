"""The optimizers by name, as an experiment names them: `make_optimizer("adam", params, lr=..., betas=...)`.

Each is the NumPy twin of the `torch.optim` class of the same name (`torch_impl.optimizers`), with torch's
keyword names, defaults, checks and state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from numpy_impl.adagrad import Adagrad
from numpy_impl.adam import Adam, AdamW
from numpy_impl.optimizer import SGD
from numpy_impl.rmsprop import RMSprop

OPTIMIZERS: dict[str, type] = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}


def make_optimizer(name: str, params: Iterable[Any], **options: Any) -> Any:
    """The optimizer `name` (sgd, adam, adamw, rmsprop, adagrad) on `params`; `options` are its keyword
    arguments (`lr` among them). torch's ValueError, in torch's words, for a value torch refuses."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r} (optimizers: {', '.join(OPTIMIZERS)})")
    if "betas" in options:
        options["betas"] = tuple(float(b) for b in options["betas"])    # torch refuses a pair of ints
    return OPTIMIZERS[name](list(params), **options)
