"""The environment a result was produced in (for the JSON and for traces). No timings, ever."""

from __future__ import annotations

import platform
import sys
from typing import Any

import numpy as np


def environment(dtype: str) -> dict[str, Any]:
    torch = sys.modules.get("torch")  # report torch only if this process uses it; never import it here
    return {"python": platform.python_version(), "numpy": np.__version__,
            "torch": getattr(torch, "__version__", None) if torch else None, "dtype": dtype,
            "threads": torch.get_num_threads() if torch else None, "platform": platform.platform()}
