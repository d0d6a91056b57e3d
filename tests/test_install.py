"""`pip install .` installs the packages `compare`, `numpy_impl` and `torch_impl`, every module of them, and
the presets as package data; nothing else (not `bench`, not `tests`, no top-level `presets`).

The wheel pip would install is built here from a copy of the repository (setuptools' own PEP 517 backend,
no network) and its file list read back.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("compare", "numpy_impl", "torch_impl")
BUILD = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"


def test_the_wheel_holds_our_three_packages_and_the_presets(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache", ".hypothesis", ".ruff_cache"))
    dist = tmp_path / "dist"
    dist.mkdir()
    built = subprocess.run([sys.executable, "-c", BUILD, str(dist)], cwd=source, capture_output=True, text=True,
                           timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    top = {name.split("/")[0] for name in names if ".dist-info/" not in name}
    assert top == set(PACKAGES)
    ours = {p.relative_to(ROOT).as_posix() for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    assert ours <= names, f"modules missing from the wheel: {sorted(ours - names)}"
    presets = {p.relative_to(ROOT).as_posix() for p in (ROOT / "compare/experiment/presets").iterdir()
               if p.suffix in (".toml", ".csv")}
    assert {"compare/experiment/presets/hiring.toml", "compare/experiment/presets/blobs.csv"} <= presets
    assert presets <= names, f"presets missing from the wheel: {sorted(presets - names)}"
    metadata = next(zipfile.ZipFile(wheel).read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    assert "Requires-Dist: numpy" in metadata and "Requires-Python: >=3.11" in metadata
