"""The network as a `torch.nn.Module`: `nn.Linear` layers with an activation after each."""

from __future__ import annotations

import torch
from torch import nn

HIDDEN = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "identity": nn.Identity}


def make_activation(name: str, slope: float) -> nn.Module:
    if name == "leaky_relu":
        return nn.LeakyReLU(slope)
    if name == "softmax":
        # CrossEntropyLoss takes logits: the module ends at the last Linear, the softmax is applied only
        # when probabilities are asked for (`MLP.probabilities`)
        return nn.Identity()
    return HIDDEN[name]()


class MLP(nn.Module):
    """sizes = (n_0, ..., n_L); `forward` returns the network's output (logits for a softmax output).

    The layers are created with `nn.utils.skip_init`: their parameters are uninitialised memory until the
    caller loads them (`TorchTrainer` loads the experiment's initial weights). A plain `nn.Linear(...)` would
    draw weights it throws away from torch's GLOBAL generator, changing the global RNG state behind the
    user's back; the experiment's `torch-default` weights come from a seeded generator instead
    (`torch_impl.init`)."""

    def __init__(self, sizes: tuple[int, ...], hidden_activation: str = "sigmoid",
                 output_activation: str = "sigmoid", leaky_slope: float = 0.01,
                 dtype: torch.dtype = torch.float64, device: str = "cpu"):
        super().__init__()
        self.output_activation = output_activation
        self.linears = nn.ModuleList(nn.utils.skip_init(nn.Linear, n_in, n_out, dtype=dtype, device=device)
                                     for n_in, n_out in zip(sizes[:-1], sizes[1:]))
        last = len(self.linears) - 1
        self.activations = nn.ModuleList(
            make_activation(output_activation if l == last else hidden_activation, leaky_slope)
            for l in range(len(self.linears)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for linear, f in zip(self.linears, self.activations):
            x = f(linear(x))
        return x

    def probabilities(self, output: torch.Tensor) -> torch.Tensor:
        """The output activation A_L from `forward`'s result (softmax of the logits; else unchanged)."""
        return torch.softmax(output, dim=1) if self.output_activation == "softmax" else output
