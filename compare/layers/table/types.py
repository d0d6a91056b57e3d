"""The rows of the table of layers: a layer (its functions, signature, shapes, cache, torch reference), its
designed inputs (cases) and its classic mistakes (each with the hint said when your numbers show it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# How a mistake is recognised in your numbers (compare.layers.hints):
#   recorded   yours equals an alternative recorded with torch (the layer computed the mistaken way)
#   factor     yours equals torch's times a named number of the case (`arg`: "N", "1/p", ...)
#   transpose  yours equals torch's transposed (a 2-D gradient)
#   reshape    yours holds torch's numbers in another shape (dx left as (N, D))
#   crop       yours is larger by the padding on each side, and its inside equals torch's (`arg`: "pad")
#   flip       yours equals torch's with the last two axes reversed (a flipped kernel)
#   blocks     yours equals torch's with the third and fourth column blocks swapped (LSTM gates o, g)
#   drawn      dropout: checked against the mask your forward drew (compare.layers.dropout)
#   gates      yours equals an LSTM reading a's four blocks in another gate order (compare.layers.gates)
KINDS = ("recorded", "factor", "transpose", "reshape", "crop", "flip", "blocks", "drawn", "gates")


@dataclass(frozen=True)
class Mistake:
    """One classic mistake: its id, the outputs and gradients it changes, how it is recognised, the
    sentence said when it is, and the case (designed input) that exposes it."""

    id: str
    items: tuple[str, ...]
    hint: str
    kind: str = "recorded"
    arg: str = ""
    case: str = ""           # the case exposing it; "" = every case

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"mistake {self.id}: kind {self.kind!r} not in {KINDS}")


@dataclass(frozen=True)
class Case:
    """One designed input: its shapes (every array argument and upstream gradient), its non-array
    arguments (`conv_param`, `G`, ...), what it is designed to expose, and its seed."""

    name: str
    pins: str
    shapes: dict[str, tuple[int, ...]]
    params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    design: str = ""               # what the inputs builder does beyond random values (compare.layers.record)
    forward_only: bool = False     # batchnorm's test mode: no backward is defined for it
    # a case pinning torch's rule at ties: yours following another named rule there (a mistake of this case
    # whose numbers are yours) is said in a note, not counted as a disagreement
    convention: bool = False


@dataclass(frozen=True)
class Layer:
    """One layer of the interface.

    kind "pair": `forward(*forward_args) -> (*outputs, cache)`, `backward(*upstream, cache) -> gradients`;
    kind "loss": `forward(*forward_args) -> (loss, dx)`, no backward (upstream 1); kind "dropout": a pair
    whose reference is derived from the mask your forward drew. `grad_of[i]`: the argument gradient i is the
    gradient of (it has that argument's shape). `state`: arrays your forward leaves in its parameter
    dictionary (`bn_param["running_mean"]`), checked like outputs. `arrays`: the arguments that are arrays."""

    name: str
    kind: str
    forward: str
    forward_args: tuple[str, ...]
    arrays: tuple[str, ...]
    outputs: tuple[str, ...]
    backward: str | None
    upstream: tuple[str, ...]
    gradients: tuple[str, ...]
    grad_of: tuple[str, ...]
    shapes: dict[str, str]         # argument or returned value -> its shape, in the interface's letters
    cache: str                     # what the cache holds (the interface's convention; we never read it)
    reference: str                 # the torch computation the recordings come from
    cases: tuple[Case, ...]
    mistakes: tuple[Mistake, ...]
    state: tuple[str, ...] = ()
    state_in: str = ""             # the dictionary argument holding `state`

    @property
    def functions(self) -> tuple[str, ...]:
        return (self.forward,) if self.backward is None else (self.forward, self.backward)

    @property
    def items(self) -> tuple[str, ...]:
        """Everything compared, in order: outputs, state, then gradients."""
        return self.outputs + self.state + self.gradients

    def forward_signature(self) -> str:
        return f"{self.forward}({', '.join(self.forward_args)})"

    def backward_signature(self) -> str:
        return f"{self.backward}({', '.join(self.upstream + ('cache',))})"

    def returns(self) -> str:
        if self.kind == "loss":
            return "(loss, dx)"
        return "(" + ", ".join(self.outputs + ("cache",)) + ")"

    def backward_returns(self) -> str:
        return self.gradients[0] if len(self.gradients) == 1 else "(" + ", ".join(self.gradients) + ")"

    def mistake(self, mistake_id: str) -> Mistake:
        return next(m for m in self.mistakes if m.id == mistake_id)
