"""Which submissions a `grade PATH...` names.

A PATH is a `.py` file (one submission, named by its file name) or a folder holding `.py` files (one
submission each) and/or one folder per student (named by the folder; its submission is its one `.py` file,
or `submission.py` when it has several). Hidden entries and `__pycache__` are skipped. A path that does not
exist, a folder with no submission in it, or two submissions with the same name: ExperimentError (exit 2).
A student's folder with several `.py` files and none named `submission.py` is that student's own error.
"""

from __future__ import annotations

from pathlib import Path

from compare.errors import ExperimentError
from compare.grading.judge import Submission


def _visible(p: Path) -> bool:
    return not p.name.startswith(".") and p.name != "__pycache__"


def _student_folder(folder: Path) -> Submission | None:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == ".py" and _visible(p))
    if not files:
        return None
    if len(files) == 1:
        return Submission(folder.name, files[0])
    named = [p for p in files if p.name == "submission.py"]
    if named:
        return Submission(folder.name, named[0])
    return Submission(folder.name, None, f"{folder}: {len(files)} .py files ({', '.join(p.name for p in files[:4])}"
                                         f"{', ...' if len(files) > 4 else ''}); expected one, or submission.py")


def find_submissions(paths: list[str]) -> list[Submission]:
    """The submissions under `paths`, in the order given (each folder's sorted by name)."""
    if not paths:
        raise ExperimentError("grade: expected one or more PATHs (.py files or folders of them)")
    found: list[Submission] = []
    for text in paths:
        path = Path(text)
        if not path.exists():
            raise ExperimentError(f"grade: {path}: no such file or folder")
        if path.is_file():
            if path.suffix != ".py":
                raise ExperimentError(f"grade: {path}: not a .py file")
            found.append(Submission(path.name, path))
            continue
        if not path.is_dir():
            raise ExperimentError(f"grade: {path}: neither a file nor a folder")
        here = []
        for entry in sorted(path.iterdir()):
            if not _visible(entry):
                continue
            if entry.is_file() and entry.suffix == ".py":
                here.append(Submission(entry.name, entry))
            elif entry.is_dir():
                sub = _student_folder(entry)
                if sub is not None:
                    here.append(sub)
        if not here:
            raise ExperimentError(f"grade: {path}: no .py files in it (nor in one folder per student)")
        found.extend(here)
    seen: dict[str, Submission] = {}
    for sub in found:
        if sub.name in seen:
            first = seen[sub.name]
            raise ExperimentError(f"grade: two submissions named {sub.name!r}: {first.path or first.name} and "
                                  f"{sub.path or sub.name} (rename one)")
        seen[sub.name] = sub
    return found
