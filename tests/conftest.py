import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PRESETS = ["hiring", "exercise1", "exercise2", "exercise3"]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
