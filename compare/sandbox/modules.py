"""The modules a submission may import, and the host paths each needs inside the sandbox.

A rubric's `imports` names top-level modules (default: NumPy; the standard library is always there). Each
allowed module is mounted under the sandbox's `site` folder: its package folder (or its one file), the other
top-level entries its distribution installs (NumPy's `numpy.libs`: its OpenBLAS), and the same for every
distribution it requires, so that `torch`, when allowed, finds `sympy` and the rest. Nothing else of any
site-packages is visible, so a module not allowed (torch, our own `numpy_impl`) does not import.
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import re
import sys
from functools import lru_cache
from pathlib import Path

from compare.errors import ExperimentError

DEFAULT_IMPORTS = ("numpy",)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def standard(name: str) -> bool:
    """True for a module of the standard library (always importable in the sandbox)."""
    return name in sys.stdlib_module_names


def check_imports(names: object, where: str) -> tuple[str, ...]:
    """A rubric's `imports`: a list of top-level module names, each installed here. ExperimentError (exit 2)
    otherwise, naming the module."""
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ExperimentError(f"{where}: expected a list of module names, e.g. [\"numpy\"]; found {names!r}")
    for name in names:
        if not _NAME.fullmatch(name):
            raise ExperimentError(f"{where}: {name!r} is not a top-level module name (e.g. \"numpy\", \"scipy\")")
        if not standard(name) and importlib.util.find_spec(name) is None:
            raise ExperimentError(f"{where}: {name!r} is not installed here (install it, or remove it from the "
                                  "list: a submission can only import what the grader's Python has)")
    if "numpy" not in names:
        raise ExperimentError(f"{where}: must include \"numpy\" (the arrays a submission receives are NumPy's)")
    return tuple(dict.fromkeys(names))


@lru_cache(maxsize=1)
def _owners() -> dict[str, list[str]]:
    return {k: list(v) for k, v in metadata.packages_distributions().items()}


def _tops(dist: metadata.Distribution) -> set[Path]:
    """The top-level entries (folders and files) a distribution installs next to its modules."""
    found: set[Path] = set()
    for f in dist.files or ():
        first = f.parts[0] if f.parts else ""
        if not first or first in ("..", "__pycache__") or first.endswith((".dist-info", ".egg-info", ".pth")):
            continue
        path = Path(dist.locate_file(first))
        if path.exists():
            found.add(path)
    return found


def _requires(dist: metadata.Distribution) -> list[str]:
    """The distributions `dist` needs at run time (requirements for an extra are left out)."""
    out = []
    for req in dist.requires or ():
        if "extra" in req.partition(";")[2]:
            continue
        m = _REQUIREMENT.match(req)
        if m:
            out.append(m.group(1))
    return out


def _module_path(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(spec.origin) if spec.origin and spec.origin not in ("built-in", "frozen") else None


@lru_cache(maxsize=8)
def module_mounts(allowed: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(name inside `site`, host path) for every allowed module and what it needs, sorted by name."""
    mounts: dict[str, str] = {}
    seen: set[str] = set()
    todo = [metadata.distribution(d) for name in allowed if not standard(name)
            for d in _owners().get(name, [])[:1]]
    for name in allowed:
        path = None if standard(name) else _module_path(name)
        if path is not None:
            mounts.setdefault(path.name, str(path))
    while todo:
        dist = todo.pop()
        key = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        for top in _tops(dist):
            mounts.setdefault(top.name, str(top))
        for req in _requires(dist):
            try:
                todo.append(metadata.distribution(req))
            except metadata.PackageNotFoundError:
                continue   # an optional dependency not installed here: the module does without it
    return tuple(sorted(mounts.items()))


def visible_names(allowed: tuple[str, ...]) -> frozenset[str]:
    """The top-level names a submission may import: the standard library, the allowed modules and theirs."""
    names = {Path(n).name.split(".")[0] for n, _ in module_mounts(allowed)}
    return frozenset(names | set(allowed))
