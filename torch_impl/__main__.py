"""`python -m torch_impl EXPERIMENT`: the nn.Module + torch.optim.SGD + DataLoader alone."""

import sys

from compare.cli.runner import run_command


def main(argv: list[str] | None = None) -> int:
    return run_command("torch", argv, "python -m torch_impl",
                       "Train the experiment the PyTorch way alone: nn.Module of nn.Linear, the loss module, "
                       "torch.optim.SGD and a DataLoader (order from torch.Generator().manual_seed(seed)).")


if __name__ == "__main__":
    sys.exit(main())
