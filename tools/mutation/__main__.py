"""`python -m tools.mutation [MODULE...]`: see the package docstring. Exit 0 when every module scores at least
`--target` percent, 1 below it, 2 on bad input or when cosmic-ray is not installed."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tools.mutation.targets import EXCLUDED_OPERATORS, FUNCTIONS, MODULES

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
STATE = ROOT / ".mutation"            # sessions and the last results, per module (ignored by git)
INSTALL = "pip install -r requirements-dev.txt"


class Unrunnable(Exception):
    """A module whose tests fail unmutated: reported, and the next module runs."""


@dataclass(frozen=True)
class Mutant:
    module: str
    operator: str
    occurrence: int
    line: int
    text: str          # the source line it changes, stripped
    outcome: str       # killed, survived, equivalent, incompetent


def equivalents() -> dict[tuple[str, str, str], str]:
    """`equivalent.txt`: (module, operator, source line) -> why no test can tell the mutant apart (fields
    separated by ` || `, which no line of Python holds)."""
    found = {}
    for number, raw in enumerate((HERE / "equivalent.txt").read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = [p.strip() for p in raw.split(" || ")]
        if len(parts) != 4:
            raise SystemExit(f"tools/mutation/equivalent.txt line {number}: expected 'module || operator || source "
                             f"line || why', found {raw!r}")
        found[tuple(parts[:3])] = parts[3]
    return found


def scratch_copy() -> Path:
    """The tracked and untracked (not ignored) files of the working tree, copied: mutants never touch it."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    target = Path(tempfile.mkdtemp(prefix="mutation-"))
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def test_command(module: str) -> str:
    tests = " ".join(MODULES[module])
    return (f"{sys.executable} -m pytest -q -x -p no:randomly -p no:cacheprovider -p no:xdist "
            f"--no-header -W ignore {tests}")


def config(module: str, timeout: float, command: str) -> str:
    excluded = ", ".join(json.dumps(e) for e in EXCLUDED_OPERATORS)
    return (f'[cosmic-ray]\nmodule-path = "{module}"\ntimeout = {timeout:.0f}\nexcluded-modules = []\n'
            f'test-command = "{command}"\n\n[cosmic-ray.distributor]\nname = "local"\n\n'
            f'[cosmic-ray.filters.operators-filter]\nexclude-operators = [{excluded}]\n')


def run_module(module: str, work: Path, survivors_only: bool, resume: bool = False) -> list[Mutant]:
    """Every mutant of `module` (or only last run's survivors), run in the scratch copy `work`."""
    STATE.mkdir(exist_ok=True)
    slug = module.replace("/", ".")
    session = STATE / f"{slug}.sqlite"
    env = {**os.environ, "PYTHONPATH": str(work), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    sock = Path(tempfile.mkdtemp(prefix="warm-")) / "s"
    server = subprocess.Popen([sys.executable, "-m", "tools.mutation.warm", "serve", str(sock), "120",
                               *MODULES[module]], cwd=work, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        return _run_module(module, work, env, slug, session, sock, survivors_only, resume)
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(sock.parent, ignore_errors=True)


def _run_module(module: str, work: Path, env: dict[str, str], slug: str, session: Path, sock: Path,
                survivors_only: bool, resume: bool) -> list[Mutant]:
    command = f"{sys.executable} -m tools.mutation.warm run {sock}"
    started = time.monotonic()
    base = subprocess.run(command.split(), cwd=work, env=env, capture_output=True, text=True)
    if base.returncode != 0:
        raise Unrunnable(f"{module}: its tests fail before any mutation (exit {base.returncode}: "
                         f"{test_command(module)}); fix them first")
    baseline = time.monotonic() - started
    cfg = work / f".mutation-{slug}.toml"
    cfg.write_text(config(module, 180.0, command), encoding="utf-8")
    last = STATE / f"{slug}.json"
    if survivors_only and last.exists():
        previous = json.loads(last.read_text(encoding="utf-8"))
        keep = {(m["operator"], m["occurrence"]) for m in previous["mutants"] if m["outcome"] == "survived"}
    else:
        keep = None
    cr = [sys.executable, "-m", "cosmic_ray.cli"]
    if not (resume and session.exists()):     # else: the mutants the last, interrupted run did not reach
        session.unlink(missing_ok=True)
        subprocess.run([*cr, "init", str(cfg), str(session)], cwd=work, env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "cosmic_ray.tools.filters.operators_filter", str(session), str(cfg)],
                       cwd=work, env=env, check=True, capture_output=True)
        _skip_all_but(session, keep, FUNCTIONS.get(module))
    pending = _count_pending(session)
    print(f"{module}: {pending} mutants, tests {' '.join(MODULES[module])} ({baseline:.1f} s each at most)",
          flush=True)
    subprocess.run([*cr, "exec", str(cfg), str(session)], cwd=work, env=env, check=True, capture_output=True)
    mutants = _results(module, session, work)
    if keep is not None and last.exists():    # the mutants not rerun keep their last outcome
        rerun = {(m.operator, m.occurrence) for m in mutants}
        mutants += [Mutant(**m) for m in previous["mutants"] if (m["operator"], m["occurrence"]) not in rerun]
    last.write_text(json.dumps({"module": module, "mutants": [m.__dict__ for m in mutants]}, indent=1),
                    encoding="utf-8")
    return mutants


def _skip_all_but(session: Path, keep: set[tuple[str, int]] | None, functions: tuple[str, ...] | None) -> None:
    """Mark as skipped every pending mutant outside `keep` (when given) or outside `functions` (when given)."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    if keep is None and functions is None:
        return
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in list(db.pending_work_items):
            m = item.mutations[0]
            if (keep is not None and (m.operator_name, m.occurrence) not in keep) or (
                    functions is not None and m.definition_name not in functions):
                db.set_result(item.job_id, WorkResult(output="not rerun", worker_outcome=WorkerOutcome.SKIPPED))


def _count_pending(session: Path) -> int:
    from cosmic_ray.work_db import WorkDB, use_db

    with use_db(str(session), WorkDB.Mode.open) as db:
        return sum(1 for _ in db.pending_work_items)


def _results(module: str, session: Path, work: Path) -> list[Mutant]:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    lines = (work / module).read_text(encoding="utf-8").splitlines()
    known = equivalents()
    mutants = []
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            m = item.mutations[0]
            line = m.start_pos[0]
            text = lines[line - 1].strip()
            if result.worker_outcome != WorkerOutcome.NORMAL:
                outcome = "incompetent"      # the mutant could not be built or run (counted as killed)
            elif result.test_outcome == TestOutcome.SURVIVED:
                outcome = "equivalent" if (module, m.operator_name, text) in known else "survived"
            else:
                outcome = "killed"
            mutants.append(Mutant(module, m.operator_name, m.occurrence, line, text, outcome))
    return mutants


def score(mutants: list[Mutant]) -> tuple[int, int, float]:
    """(killed, counted, percent): equivalents are not counted; a mutant that breaks the import counts killed."""
    counted = [m for m in mutants if m.outcome != "equivalent"]
    killed = sum(m.outcome in ("killed", "incompetent") for m in counted)
    return killed, len(counted), 100.0 * killed / len(counted) if counted else 100.0


def summary() -> str:
    """The last run's score of every module in `targets.MODULES` (a Markdown table; "not run" where none)."""
    rows = ["| module | killed / counted | score | equivalent (listed) |", "| --- | ---: | ---: | ---: |"]
    for module in MODULES:
        last = STATE / f"{module.replace('/', '.')}.json"
        if not last.exists():
            rows.append(f"| `{module}` | not run | | |")
            continue
        known = equivalents()          # read again: a mutant listed since the run counts as equivalent now
        mutants = [Mutant(**{**m, "outcome": ("equivalent" if (m["module"], m["operator"], m["text"]) in known
                                              else "survived") if m["outcome"] in ("survived", "equivalent")
                             else m["outcome"]})
                   for m in json.loads(last.read_text(encoding="utf-8"))["mutants"]]
        killed, counted, percent = score(mutants)
        n_eq = sum(m.outcome == "equivalent" for m in mutants)
        rows.append(f"| `{module}` | {killed} / {counted} | {percent:.1f}% | {n_eq} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__)
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: every module in targets.py)")
    parser.add_argument("--survivors", action="store_true", help="rerun only the last run's surviving mutants")
    parser.add_argument("--resume", action="store_true",
                        help="go on with an interrupted run's remaining mutants (the source must be unchanged)")
    parser.add_argument("--summary", action="store_true",
                        help="print the last results of every module as a Markdown table, and stop")
    parser.add_argument("--list", action="store_true", help="print the modules and their tests, and stop")
    parser.add_argument("--target", type=float, default=90.0, help="the score each module must reach (percent)")
    args = parser.parse_args(argv)
    if args.summary:
        print(summary())
        return 0
    if args.list:
        for module, tests in MODULES.items():
            print(f"{module}: {' '.join(tests)}")
        return 0
    misplaced = [m for m, names in FUNCTIONS.items()       # a test file listed as a function skips every mutant
                 if m not in MODULES or any(n.endswith(".py") or "/" in n for n in names)]
    if misplaced:
        print(f"tools/mutation/targets.py: FUNCTIONS[{misplaced[0]!r}] must name a module of MODULES and the "
              f"functions of it to mutate, found {FUNCTIONS[misplaced[0]]!r}", file=sys.stderr)
        return 2
    unknown = [m for m in args.modules if m not in MODULES]    # bad input first, tool or no tool
    if unknown:
        print(f"unknown module {unknown[0]!r}: expected one of {', '.join(MODULES)} (tools/mutation/targets.py)",
              file=sys.stderr)
        return 2
    try:
        import cosmic_ray  # noqa: F401
    except ImportError:
        print(f"mutation testing needs cosmic-ray, which is not installed: {INSTALL}", file=sys.stderr)
        return 2
    equivalents()    # a malformed list is bad input, before anything runs
    work = scratch_copy()
    worst = 100.0
    try:
        for module in args.modules or list(MODULES):
            try:
                mutants = run_module(module, work, args.survivors, args.resume)
            except Unrunnable as exc:
                print(exc, flush=True)
                worst = 0.0
                continue
            killed, counted, percent = score(mutants)
            worst = min(worst, percent)
            n_eq = sum(m.outcome == "equivalent" for m in mutants)
            print(f"{module}: {killed}/{counted} killed, {percent:.1f}% ({n_eq} equivalent, listed)", flush=True)
            for m in mutants:
                if m.outcome == "survived":
                    print(f"  survived: {m.module}:{m.line} {m.operator.removeprefix('core/')} "
                          f"(occurrence {m.occurrence}): {m.text}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if worst >= args.target else 1


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)       # through the `finally`s: the scratch copy and the server go too


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, _terminated)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
