"""What to say when a user's file does not import because a module it needs is neither beside it nor
installed: which file imports it (the checked file, or one of its own modules: cs231n's neural_net.py imports
`past.builtins` and matplotlib), and what to do (bring the module, put the package folder beside the file,
check from the folder above a package, or install a library)."""

from __future__ import annotations

import traceback
from pathlib import Path


def _importer(exc: BaseException, file: Path) -> tuple[Path, int] | None:
    """The user's own module (inside the file's folder, not the file itself) whose import statement failed:
    the last frame of the traceback that lies in that folder."""
    folder = file.parent.resolve()
    last = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        if path.is_absolute() and path.resolve().is_relative_to(folder):
            last = (path.resolve(), frame.lineno or 0)
    if last is None or last[0] == file.resolve():
        return None
    return last


def not_brought(exc: BaseException, file: Path) -> str:
    """For a module the file imports that is neither beside it nor installed: what to do, in plain words."""
    if type(exc) is ImportError and "no known parent package" in str(exc):   # `from .im2col import *`
        package = file.parent
        return (f": {file.name} uses a relative import (from .module import ...), so it runs only as a part of "
                f"its package {package.name}/: check a file placed beside the folder {package.name}/ (in "
                f"{package.parent.name or package.parent}/) that imports what it needs from {package.name}")
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return ""
    top = exc.name.split(".")[0]
    if (file.parent / top).is_dir() and "." in exc.name:   # the package is there, one of its modules is not
        missing = exc.name.replace(".", "/")
        importer = _importer(exc, file)
        by = (f", imported by {importer[0].relative_to(file.parent.resolve())} (line {importer[1]})"
              if importer is not None else "")
        return (f": `{exc.name}`{by}, is not in the package: there is no {missing}.py (nor a folder {missing}/) "
                f"in {file.parent.name or file.parent}/; bring that file of the package too")
    if (file.parent / f"{top}.py").exists() or (file.parent / top).is_dir():
        return ""
    importer = _importer(exc, file)
    if importer is not None:   # a module of the user's own imports it: name that file, not the checked one
        shown = importer[0].relative_to(file.parent.resolve())
        return (f": `{top}` is imported by {shown} (line {importer[1]}), a module of your own that {file.name} "
                f"loads, and is neither in your folder nor installed here. If `{top}` is a library, install it "
                "where you run the check, or take that import out if the code does not use it (a graded "
                "submission can count only on the standard library and numpy); if it is a module of yours, "
                f"bring it beside {shown}")
    inside = next((f for f in file.parents if f.name == top), None)
    if inside is not None:   # cs231n/classifiers/fc_net.py importing cs231n: the package it is part of
        return (f": it imports `{top}`, the package it is itself inside ({inside}/); Python finds that package "
                f"from the folder holding {top}/ ({inside.parent.name or inside.parent}/), never from inside it: "
                f"check a file placed beside the folder {top}/ that imports what it needs from it, or give that "
                f"folder ({inside.parent.name or inside.parent}/, its entry submission.py) as the submission")
    sub = _submodule(file, top)
    if sub:   # `from cs231n.layers import ...`: cs231n is a package, a folder, never a cs231n.py
        return (f": it imports `{top}.{sub}`, from a package `{top}` that is not beside it (no folder {top}/ in "
                f"{file.parent.name or file.parent}/) and not installed here. A submission must bring every module "
                f"of its own that it imports: put the folder {top}/ (its __init__.py and {sub.replace('.', '/')}.py) "
                f"in the same folder as {file.name}; if `{top}` is a library, only the standard library and numpy "
                "can be counted on")
    return (f": it imports `{top}`, which is not beside it (no {top}.py in {file.parent.name or file.parent}/) and "
            f"not installed here. A submission must bring every module of its own that it imports: put {top}.py "
            f"in the same folder as {file.name}; if `{top}` is a library, only the standard library and numpy "
            "can be counted on")


def _submodule(file: Path, top: str) -> str:
    """The first module the file imports from inside package `top` (`layers` for `from top.layers import x`,
    `import top.layers`), or ""."""
    import ast

    try:
        tree = ast.parse(file.read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return ""
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
        for name in names:
            if name.startswith(top + "."):
                return name[len(top) + 1:]
    return ""
