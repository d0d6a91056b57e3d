"""The import order, read from the source with `ast` (every `import`, module-level and inside functions):

    numpy_impl, torch_impl      import nothing of ours (their `__main__` shims may call compare's CLI)
    compare's rooms, bottom up: errors, version < files, exits < experiment < running < diagnosis < lockstep
                                < usercode, sandbox < grading < reporting < cli < the API (compare/__init__, __main__)

A room may import its own modules, lower rooms and the implementations, never a higher room; and no module
may reach itself again through imports (no cycle, not even through a function-level import). Imports under
`if TYPE_CHECKING:` are for type hints only and never run: they do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("compare", "numpy_impl", "torch_impl")
RANKS = {"compare.errors": 0, "compare.version": 0, "compare.files": 1, "compare.exits": 1, "compare.experiment": 2,
         "compare.running": 3, "compare.diagnosis": 4, "compare.lockstep": 5, "compare.usercode": 6,
         "compare.sandbox": 6, "compare.layers": 6.5, "compare.grading": 7, "compare.reporting": 8, "compare.cli": 9,
         "compare": 10}
IMPLEMENTATIONS = ("numpy_impl", "torch_impl")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def our_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def runtime_nodes(tree: ast.AST):
    """Every node, in functions too, except the bodies of `if TYPE_CHECKING:` (imports for type hints only,
    never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module of ours that `path` imports, anywhere in the file (relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            # `from pkg import mod` imports the module pkg.mod when there is one, else a name from pkg
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        for target in targets:
            while target and target not in known:       # `import compare.cli.main` -> that module
                target = target.rpartition(".")[0]
            if target and target.split(".")[0] in PACKAGES:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    modules = our_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) - {name} for name, path in modules.items()}


def room(name: str) -> str:
    for candidate in sorted(RANKS, key=len, reverse=True):
        if name == candidate or name.startswith(candidate + "."):
            return candidate
    return name.split(".")[0]


def test_the_walker_sees_function_level_and_relative_imports(tmp_path):
    """The walker itself: an import inside a function and a relative import are both edges; an import for
    type hints only is not."""
    known = {"compare.cli.main", "compare.lockstep.harness", "compare.lockstep", "compare"}
    pkg = tmp_path / "compare" / "lockstep"
    pkg.mkdir(parents=True)
    source = pkg / "replay.py"
    source.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import compare\n"
                      "def f():\n    from compare.cli.main import main\n\nfrom . import harness\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert imports_of("compare.lockstep.replay", source, known) == {"compare.cli.main", "compare.lockstep.harness"}
    finally:
        ROOT = saved


def test_every_compare_module_is_in_a_room():
    unplaced = [m for m in our_modules() if m.startswith("compare") and room(m) not in RANKS]
    assert not unplaced, f"modules outside the rooms of the import order: {unplaced}"


@pytest.mark.parametrize("package", IMPLEMENTATIONS)
def test_the_implementations_import_nothing_of_ours(package):
    wrong = {m: sorted(i for i in deps if not i.startswith(package))
             for m, deps in graph().items()
             if m.startswith(package) and m != f"{package}.__main__"}
    wrong = {m: deps for m, deps in wrong.items() if deps}
    assert not wrong, f"{package} imports other packages of this project: {wrong}"


@pytest.mark.parametrize("package", IMPLEMENTATIONS)
def test_the_main_shims_import_only_the_cli(package):
    deps = graph()[f"{package}.__main__"]
    assert all(d.startswith(package) or room(d) == "compare.cli" for d in deps), deps


def test_imports_point_down():
    wrong = []
    for module, deps in graph().items():
        if not module.startswith("compare"):
            continue
        for dep in deps:
            if dep.split(".")[0] in IMPLEMENTATIONS:
                continue
            if RANKS[room(dep)] > RANKS[room(module)]:
                wrong.append(f"{module} ({room(module)}) imports {dep} ({room(dep)})")
    assert not wrong, "imports pointing up:\n" + "\n".join(sorted(wrong))


def test_no_import_cycles():
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}          # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)
