"""`pip install .` installs the packages `compare`, `numpy_impl` and `torch_impl`, every module of them, the
presets and the examples (templates, solutions, answer programs: compare/examples/) as package data;
nothing else (not `bench`, not `tests`, no top-level `presets` or `examples`).

The wheel pip would install is built here from a copy of the repository (setuptools' own PEP 517 backend,
no network) and its file list read back. Then pip installs the copy into a folder of its own (no network, no
dependencies: the running environment has them), and `report` and `report --handout` (en and zh), run from a
folder outside both, write the very files they write from the checkout: the same names, byte for byte; each
handout with the template of its language beside it, and no word of a solution.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("compare", "numpy_impl", "torch_impl")
BUILD = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"


IGNORED = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache",
                                 ".hypothesis", ".ruff_cache")


def test_the_wheel_holds_our_three_packages_and_the_presets(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=IGNORED)
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
    examples = {f"compare/examples/{p.relative_to(ROOT / 'examples').as_posix()}" for p in
                [*(ROOT / "examples").glob("*.py"), *(ROOT / "examples" / "answers").iterdir()] if p.is_file()}
    assert {"compare/examples/backprop_template.py", "compare/examples/answers/exercise3.py"} <= examples
    assert examples <= names, f"examples missing from the wheel: {sorted(examples - names)}"
    metadata = next(zipfile.ZipFile(wheel).read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    assert "Requires-Dist: numpy" in metadata and "Requires-Python: >=3.11" in metadata


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_installed_report_and_handout_equal_the_checkouts(tmp_path):
    """`pip install .`, then `report` and `report --handout` from an unrelated folder: the same files, byte
    for byte, as from the checkout (the answer programs, the template and every page included)."""
    source, target, elsewhere = tmp_path / "source", tmp_path / "site", tmp_path / "elsewhere"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    elsewhere.mkdir()
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                          "--no-index", "--target", str(target), str(source)], capture_output=True, text=True,
                         timeout=300)
    assert pip.returncode == 0, pip.stderr[-2000:]
    assert (target / "compare" / "examples" / "answers" / "hiring.py").is_file()
    runs = {"report": ["report", "--epochs", "4", "--seeds", "1", "--jobs", "1", "--quiet"],
            "handout": ["report", "--handout", "--lang", "zh"], "handout_en": ["report", "--handout"]}
    for name, argv in runs.items():
        written = {}
        for where, path, cwd in (("checkout", ROOT, ROOT), ("installed", target, elsewhere)):
            out = tmp_path / f"{name}_{where}"
            env = {**os.environ, "PYTHONPATH": str(path), "MPLBACKEND": "Agg"}
            done = subprocess.run([sys.executable, "-m", "compare", *argv, "--out", str(out)], cwd=cwd, env=env,
                                  capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, f"{where}: {done.stderr[-2000:]}"
            written[where] = files_of(out)
        assert sorted(written["installed"]) == sorted(written["checkout"])
        different = [f for f in written["checkout"] if written["checkout"][f] != written["installed"][f]]
        assert not different, f"{name}: {different}"
        assert name != "report" or {"answers/hiring.py", "answers/exercise3.py", "numbers.json"} <= set(
            written["installed"])
        if name.startswith("handout"):     # the template beside the page, in the page's language; no solution named
            template = (ROOT / "examples" / ("backprop_template_zh.py" if name == "handout" else
                                             "backprop_template.py")).read_bytes()
            assert sorted(written["installed"]) == [".compare-report", "backprop_template.py", "handout.md",
                                                    "index.html"]
            assert written["installed"]["backprop_template.py"] == template
            pages = written["installed"]["handout.md"] + written["installed"]["index.html"] + template
            assert b"solution" not in pages.lower() and "答案".encode() not in pages, name
        text = b"".join(written["installed"].values())
        assert b"missing here" not in text and "此处缺失".encode() not in text
