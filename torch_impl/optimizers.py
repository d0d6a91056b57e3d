"""The `torch.optim` optimizers by name, as an experiment names them: `make_optimizer("adam", params, lr=...)`.

Every optimizer is built with `foreach=False`: torch's per-parameter ("single-tensor") implementation, whose
order of operations `numpy_impl` follows line for line. torch already picks it for parameters on the CPU;
for CUDA parameters it would pick its multi-tensor (`foreach`) implementation, which computes the same update
in a different order (and so with different roundings), so it is named explicitly here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad,
}


def make_optimizer(name: str, params: Iterable[Any], **options: Any) -> torch.optim.Optimizer:
    """`torch.optim.<name>` on `params` with `options` (torch's keyword names, `lr` among them)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r} (optimizers: {', '.join(OPTIMIZERS)})")
    if "betas" in options:
        options["betas"] = tuple(float(b) for b in options["betas"])    # torch refuses a pair of ints
    return OPTIMIZERS[name](params, foreach=False, **options)
