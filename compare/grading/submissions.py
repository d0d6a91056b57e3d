"""Which submissions a `grade PATH...` names.

A PATH is a `.py` file (one submission, named by its file name), a submission folder (one submission: a
folder holding `submission.py`, or any folder given with `--gradescope`; its entry is `submission.py`, else
the one file defining `backward`, and its other files come with it), or a class folder: its `.py` files
(one submission each) and one folder per student (a folder submission, named by the folder). Hidden
entries and `__pycache__` are skipped, and so are files that are not `.py`.

Every path found gives a row: an entry named `*.py` that is not a regular file (a FIFO, a socket, a
device, a folder, a symbolic link that leads nowhere or in a loop) and a symbolic link found inside a
class folder (it could lead to any file the grader can read) are that row's `error`, with the reason. A
PATH that does not exist, a class folder with nothing in it, or two submissions with the same name:
ExperimentError (exit 2).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from compare.errors import ExperimentError
from compare.grading.judge import Submission

_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
          stat.S_IFBLK: "a device", stat.S_IFDIR: "a folder"}


def _visible(name: str) -> bool:
    return not name.startswith(".") and name != "__pycache__"


def _problem(path: Path, follow: bool) -> str | None:
    """Why `path` cannot be a submission file ("" never; None when it is a regular file)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(mode):
        try:
            target = os.stat(path).st_mode
        except OSError:
            return "is a symbolic link that leads nowhere (or in a loop)"
        if not follow:
            return ("is a symbolic link: a file found in a class folder must be the file itself (it could lead "
                    "to any file the grader can read); name it on the command line to grade what it leads to")
        mode = target
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder named like a Python file; expected a .py file"
    return f"is {_KINDS.get(stat.S_IFMT(mode), 'not a regular file')}, expected a .py file"


def _student(folder: Path) -> Submission | None:
    """A student's folder in a class folder: a folder submission, or None when it holds no .py file."""
    if os.path.islink(folder):
        return Submission(folder.name, None, f"{folder}: is a symbolic link: a student's folder in a class "
                                             "folder must be the folder itself")
    try:
        has_python = any(p.suffix == ".py" and _visible(p.name) for p in folder.iterdir())
    except OSError as exc:
        return Submission(folder.name, None, f"{folder}: cannot be read ({exc.strerror})")
    return Submission(folder.name, folder) if has_python else None


def _class_folder(path: Path) -> list[Submission]:
    here = []
    for entry in sorted(path.iterdir()):
        if not _visible(entry.name):
            continue
        if entry.name.endswith(".py"):
            why = _problem(entry, follow=False)
            here.append(Submission(entry.name, entry) if why is None else
                        Submission(entry.name, None, f"{entry}: {why}"))
        elif entry.is_dir():
            sub = _student(entry)
            if sub is not None:
                here.append(sub)
    return here


def find_submissions(paths: list[str], *, single: bool = False) -> list[Submission]:
    """The submissions under `paths`, in the order given (each folder's sorted by name). `single`
    (Gradescope): a folder given is one submission."""
    if not paths:
        raise ExperimentError("grade: expected one or more PATHs (.py files or folders of them)")
    found: list[Submission] = []
    for text in paths:
        path = Path(text)
        if not os.path.lexists(path):
            raise ExperimentError(f"grade: {path}: no such file or folder")
        if path.is_dir():
            if single or (path / "submission.py").is_file():
                found.append(Submission(path.resolve().name or str(path), path))
                continue
            here = _class_folder(path)
            if not here:
                raise ExperimentError(f"grade: {path}: no .py files in it (nor in one folder per student)")
            found.extend(here)
            continue
        why = _problem(path, follow=True)
        if why is None and path.suffix != ".py":
            raise ExperimentError(f"grade: {path}: not a .py file")
        found.append(Submission(path.name, path) if why is None else Submission(path.name, None, f"{path}: {why}"))
    seen: dict[str, Submission] = {}
    for sub in found:
        if sub.name in seen:
            first = seen[sub.name]
            raise ExperimentError(f"grade: two submissions named {sub.name!r}: {first.path or first.name} and "
                                  f"{sub.path or sub.name} (rename one)")
        seen[sub.name] = sub
    return found
