"""The same network the PyTorch way: an `nn.Module` of `nn.Linear` layers, a loss module,
`torch.optim.SGD` and a `DataLoader`. NumPy appears only at the edges (loading initial weights,
exporting results); every number in training is computed by torch.

The package imports torch, NumPy and nothing else of this project: `compare` drives it.
"""

from typing import Any

__all__ = ["MLP", "TorchTrainer", "linear_to_seed", "seed_to_linear", "torch_to_seed_index"]
_HOMES = {"MLP": "torch_impl.model", "TorchTrainer": "torch_impl.trainer", "linear_to_seed": "torch_impl.layout",
          "seed_to_linear": "torch_impl.layout", "torch_to_seed_index": "torch_impl.layout"}


def __getattr__(name: str) -> Any:
    # imported on first use, so that `python -m torch_impl` reaches its command line (which says how to install
    # torch) where torch is missing, instead of failing while importing the package
    if name not in _HOMES:
        raise AttributeError(f"module 'torch_impl' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(_HOMES[name]), name)
