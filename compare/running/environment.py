"""The environment a result was produced in (for the JSON and for traces). No timings, ever."""

from __future__ import annotations

import platform
import sys
from typing import Any

import numpy as np


def environment(dtype: str, uses_torch: bool = True) -> dict[str, Any]:
    """`uses_torch=False` for numpy_impl's results: torch did not compute them even if it is loaded."""
    torch = sys.modules.get("torch") if uses_torch else None  # never import torch here
    return {"python": platform.python_version(), "numpy": np.__version__,
            "torch": getattr(torch, "__version__", None) if torch else None, "dtype": dtype,
            "threads": torch.get_num_threads() if torch else None, "platform": platform.platform()}
