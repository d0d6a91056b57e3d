import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PRESETS = ["hiring", "exercise1", "exercise2", "exercise3"]

# These networks are tiny: torch's intra-op threads only fight over the 2 CPU cores of CI (measured: blobs
# takes 41 s with 2 threads, 3 s with 1). Results do not depend on it; the reproducibility tests run
# their own processes.
try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # the torch-free tests run without it
    pass


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
