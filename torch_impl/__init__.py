"""The same network the PyTorch way: an `nn.Module` of `nn.Linear` layers, a loss module,
`torch.optim.SGD` and a `DataLoader`. NumPy appears only at the edges (loading initial weights,
exporting results); every number in training is computed by torch.
"""

from torch_impl.layout import linear_to_seed, seed_to_linear
from torch_impl.model import MLP
from torch_impl.trainer import TorchTrainer, train

__all__ = ["MLP", "TorchTrainer", "linear_to_seed", "seed_to_linear", "train"]
