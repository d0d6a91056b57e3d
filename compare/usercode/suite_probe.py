"""Where nothing in the check suite fits a file: a probe for a network the file does support, and the
`check FILE.py --sizes ...` command that would run it.

A file that raises NotImplementedError on every experiment of the suite and every version of its structure
experiments (`compare.usercode.suite.VERSIONS`) may still support some network: one of another depth, or
with one output only. Each candidate (depth 1 to 4, one to three outputs, each setting the file can be told)
is tried with one call of the file's functions on a small generated batch; the first that does not raise
NotImplementedError is suggested. Nothing is judged here: the command runs the real check.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from compare.usercode.load import UserCode, UserCodeError

# (flags, the experiment keys they set), the seed's setting first
_SETTINGS: tuple[tuple[str, dict[str, str]], ...] = (
    ("", {}),
    (" --hidden-activation relu --output-activation softmax --loss cross_entropy",
     {"hidden_activation": "relu", "output_activation": "softmax", "loss": "cross_entropy"}),
    (" --hidden-activation relu --loss bce", {"hidden_activation": "relu", "loss": "bce"}),
)
_HIDDEN = (5, 4, 4)


def _candidates(code: UserCode) -> list[tuple[tuple[int, ...], str, dict[str, str]]]:
    out = []
    for flags, keys in _SETTINGS:
        if any(k not in code.keywords or (code.forward is not None and k != "loss" and k not in code.forward_keywords)
               for k in keys):
            continue     # the file cannot be told this setting
        for outputs in (2, 1, 3):
            if keys.get("output_activation") == "softmax" and outputs == 1:
                continue
            for depth in (3, 2, 1, 4):
                out.append(((3, *_HIDDEN[:depth - 1], outputs), flags, keys))
    return out


def _supports(code: UserCode, sizes: tuple[int, ...], keys: dict[str, str]) -> bool:
    """Whether the file's functions answer on this network without NotImplementedError."""
    from compare.experiment.initial import initial_parameters
    from compare.experiment.sources import load_experiment
    from compare.usercode.backprop import UserBackprop
    from numpy_impl.network import forward

    e = load_experiment("hiring", {"sizes": list(sizes), **keys})
    user = UserBackprop(code, e)
    W, b = initial_parameters(e)
    X, T = np.asarray(e.inputs[:3]), np.asarray(e.targets[:3])
    try:
        with np.errstate(all="ignore"):
            if user.has_forward:
                user.call_forward(W, b, X, "a probe")
            _, activations = forward(W, b, X, hidden_activation=e.hidden_activation,
                                     output_activation=e.output_activation, leaky_slope=e.leaky_slope)
            user.call_backward(W, b, activations, T, "a probe")
    except UserCodeError as exc:
        return "is not implemented yet (NotImplementedError" not in str(exc)
    return True


def suggestion(code: UserCode, file: Any) -> str:
    """"; ... `python -m compare check FILE --sizes 3,5,1`" for the first network the file supports, or ""
    when it raises NotImplementedError on every one (then it is simply not written yet)."""
    for sizes, flags, keys in _candidates(code):
        if _supports(code, sizes, keys):
            command = f"python -m compare check {file} --sizes {','.join(map(str, sizes))}{flags}"
            return (f"; none of the suite's networks is one your file supports, but a {'-'.join(map(str, sizes))} "
                    f"network is: `{command}` checks it (pick the sizes your code is for)")
    return ""
