"""The same network the PyTorch way: an `nn.Module` of `nn.Linear` layers, a loss module,
`torch.optim.SGD` and a `DataLoader`. NumPy appears only at the edges (loading initial weights,
exporting results); every number in training is computed by torch.

The package imports torch, NumPy and nothing else of this project: `compare` drives it.
"""

from torch_impl.layout import linear_to_seed, seed_to_linear, torch_to_seed_index
from torch_impl.model import MLP
from torch_impl.trainer import TorchTrainer

__all__ = ["MLP", "TorchTrainer", "linear_to_seed", "seed_to_linear", "torch_to_seed_index"]
