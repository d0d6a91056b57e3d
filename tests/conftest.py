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


# The report, built once per session from a short run (20 epochs, seeds 0 and 1) in each language, for
# every report test (tests/test_report*.py) to read.
QUICK_REPORT = ["--epochs", "20", "--seeds", "2", "--quiet"]


@pytest.fixture(scope="session")
def en_report(tmp_path_factory) -> Path:
    from compare.cli import cmd_report
    out = tmp_path_factory.mktemp("en") / "report"
    assert cmd_report.main(["--out", str(out), *QUICK_REPORT]) == 0
    return out


@pytest.fixture(scope="session")
def zh_report(tmp_path_factory) -> tuple[Path, list[str]]:
    """The zh report, and the warnings drawing it raised (a missing glyph is one)."""
    import warnings

    from compare.cli import cmd_report
    out = tmp_path_factory.mktemp("zh") / "report"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cmd_report.main(["--out", str(out), "--lang", "zh", "--epochs", "10", "--seeds", "1", "--quiet"]) == 0
    return out, [str(w.message) for w in caught]
