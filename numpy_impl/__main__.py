"""`python -m numpy_impl EXPERIMENT`: the manual backprop alone, with NumPy's own sample order."""

import sys

from compare.cli.runner import run_command


def main(argv: list[str] | None = None) -> int:
    return run_command("numpy", argv, "python -m numpy_impl",
                       "Train the experiment with the hand-written NumPy backprop alone (never imports torch; "
                       "random orders come from numpy.random.default_rng(seed), so they differ from torch's).")


if __name__ == "__main__":
    sys.exit(main())
