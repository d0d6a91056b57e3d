"""The torch training step: `TorchTrainer.step(X, T)` is THE step (zero_grad, forward, loss, backward,
optimizer.step), whichever loop drives it from the `DataLoader`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from torch_impl.config import TrainingConfig
from torch_impl.data import make_loader
from torch_impl.layout import linear_to_seed, seed_to_linear
from torch_impl.losses import l2_penalty, make_log_loss, make_loss
from torch_impl.model import MLP
from torch_impl.optimizers import make_optimizer


def torch_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device cuda: CUDA is not available on this machine (torch "
                              f"{torch.__version__}, built {'with' if torch.version.cuda else 'without'} CUDA)")
    return torch.device(name)


class TorchTrainer:
    """The `nn.Module`, its loss, the `torch.optim` optimizer (`torch_impl.optimizers`) and the `DataLoader`.

    The parameters are views into one flat tensor `flat` (per layer: weight (out, in) row-major, then bias),
    so the whole model can be read at once; the optimizer updates them in place as usual.
    """

    def __init__(self, experiment: TrainingConfig, weights: list[np.ndarray], biases: list[np.ndarray]):
        self.experiment = e = experiment
        self.dtype = getattr(torch, e.dtype)
        self.device = torch_device(e.device)
        self.model = MLP(e.sizes, e.hidden_activation, e.output_activation, e.leaky_slope, self.dtype,
                         self.device)
        count = sum(n_in * n_out + n_out for n_in, n_out in zip(e.sizes[:-1], e.sizes[1:]))
        self.flat = torch.empty(count, dtype=self.dtype, device=self.device)
        offset = 0
        with torch.no_grad():
            for linear, W, b in zip(self.model.linears, weights, biases):
                weight, bias = seed_to_linear(W, b)
                n_out, n_in = weight.shape
                weight_view = self.flat[offset:offset + n_out * n_in].view(n_out, n_in)  # (out, in)
                offset += n_out * n_in
                bias_view = self.flat[offset:offset + n_out]                              # (out,)
                offset += n_out
                weight_view.copy_(torch.from_numpy(weight))
                bias_view.copy_(torch.from_numpy(bias))
                linear.weight = nn.Parameter(weight_view)
                # no biases (`bias = False`): nn.Linear(bias=False) computes A @ weight.T; the slot stays 0
                linear.bias = nn.Parameter(bias_view) if getattr(e, "bias", True) else None
        # on the CPU a NumPy view of `flat` reads the parameters without a copy
        self.flat_numpy = self.flat.detach().numpy() if self.device.type == "cpu" else None
        self.X = torch.tensor(e.inputs, dtype=self.dtype)                                # (N, n_0)
        self.T = torch.tensor(e.targets, dtype=self.dtype)                               # (N, n_L)
        self.loader = make_loader(e, self.X, self.T)
        self.X_device, self.T_device = self.X.to(self.device), self.T.to(self.device)
        self.loss_fn = make_loss(e.loss, getattr(e, "reduction", "mean"), getattr(e, "bce_outputs", "mean"),
                                 getattr(e, "mse_scale", 0.5))
        self.l2, self.l2_biases = getattr(e, "l2", 0.0), getattr(e, "l2_biases", False)
        self.log_loss_fn = make_log_loss(e.loss)
        params: list = list(self.model.parameters())           # weight1, bias1, weight2, ... (or weights only)
        if getattr(e, "bias", True) and not getattr(e, "weight_decay_biases", True):
            # torch parameter groups: weight decay on the weights only, none on the biases
            params = [{"params": [p]} if k % 2 == 0 else {"params": [p], "weight_decay": 0.0}
                      for k, p in enumerate(params)]
        self.optimizer = make_optimizer(e.optimizer, params, **e.optimizer_options)
        self.moves_batches = self.device.type != "cpu"   # the DataLoader's batches live on the CPU
        self.updates = 0

    def step(self, X: torch.Tensor, T: torch.Tensor) -> torch.Tensor:
        """One update on a batch; returns the batch loss (before the update)."""
        if self.moves_batches:
            X, T = X.to(self.device), T.to(self.device)
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(X), T)
        if self.l2:   # the penalty is part of the loss: autograd derives its gradient
            loss = loss + l2_penalty(self.model, self.l2, self.l2_biases)
        loss.backward()
        self.optimizer.step()
        self.updates += 1
        return loss

    def flat_parameters(self) -> np.ndarray:
        """All parameters (torch layout) as a NumPy array: a live view on the CPU, a copy elsewhere."""
        if self.flat_numpy is not None:
            return self.flat_numpy
        return self.flat.detach().cpu().numpy()

    def is_finite(self) -> bool:
        with torch.no_grad():
            if torch.isfinite(self.flat.dot(self.flat)):
                return True
            return bool(torch.isfinite(self.flat).all())

    @torch.no_grad()
    def outputs(self) -> np.ndarray:
        """A_L on the whole data set (probabilities for a softmax output)."""
        return self.model.probabilities(self.model(self.X_device)).cpu().numpy().copy()

    @torch.no_grad()
    def log_loss(self) -> float:
        return float(self.log_loss_fn(self.model(self.X_device), self.T_device))

    def parameters(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Copies of the weights and biases, converted to the seed layout."""
        pairs = [linear_to_seed(lin.weight.detach().cpu().numpy(), _bias(lin).detach().cpu().numpy())
                 for lin in self.model.linears]
        return [w for w, _ in pairs], [b for _, b in pairs]


def _bias(linear: nn.Linear) -> torch.Tensor:
    """The layer's bias, or zeros for a layer without one (`nn.Linear(bias=False)`)."""
    if linear.bias is not None:
        return linear.bias
    return torch.zeros(linear.weight.shape[0], dtype=linear.weight.dtype, device=linear.weight.device)
