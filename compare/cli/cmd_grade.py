"""`python -m compare grade PATH... [--rubric FILE.toml] [--jobs N] [--timeout SECONDS] [--memory MB]
[--csv FILE] [--json FILE] [--gradescope FILE] [--quiet] [--seed N] [--reference auto|torch|numpy]
[--sandbox auto|bwrap|none]`: grade a class of backward files (or folders), each in its own sandbox,
against experiments drawn at grade time."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from compare.cli.options import Parser
from compare.cli.output import json_text
from compare.cli.runner import guarded, version_string
from compare.errors import ExperimentError
from compare.files.atomic import atomic_write, ensure_output_file
from compare.running.progress import Progress
from compare.running.progress import wanted as progress_wanted

PROG = "python -m compare grade"
DESCRIPTION = ("Grade a class. Each PATH is a submission (a .py file defining backward, and optionally forward, "
               "as for `check`; or a folder holding submission.py and its helper modules) or a folder of them "
               "(.py files and/or one folder per student). Every submission runs in its own sandbox (bubblewrap: "
               "its own user, processes, read-only file system with only Python and the modules the rubric "
               "allows, no network, a control group for memory, processes and CPU; --sandbox none: its own "
               "process only), no stdin, its output captured; everything it starts is ended; only arrays cross "
               "to the grader, which judges it with "
               "`check`'s machinery against fresh experiments drawn at grade time (torch when installed, else "
               "our NumPy backprop). Prints a table; writes CSV, JSON, Gradescope results on request. "
               "Exit: 0 graded (whatever the scores), 2 bad input.")


def build_parser() -> Parser:
    from compare.grading.limits import MIN_MEMORY_MB, Limits

    defaults = Limits()
    parser = Parser(prog=PROG, description=DESCRIPTION)
    parser.add_argument("paths", nargs="*", metavar="PATH", help="submission files or folders")
    parser.add_argument("--rubric", metavar="FILE.toml", default=None,
                        help="checks with points and feedback levels (default: the built-in rubric, equal points)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="submissions graded at once (default: the cores this process may use)")
    parser.add_argument("--timeout", type=float, default=defaults.timeout, metavar="SECONDS",
                        help=f"seconds each submission may use in total (default {defaults.timeout:g}): CPU "
                             "seconds of all its processes in a sandbox with a control group (the wall clock "
                             "then bounded at 3x + 10 s), else wall-clock seconds")
    parser.add_argument("--memory", type=int, default=defaults.memory_mb, metavar="MB",
                        help=f"memory of each submission (default {defaults.memory_mb}; at least {MIN_MEMORY_MB}, "
                             "what NumPy needs to start): all its processes together in a control group, and "
                             "each process's address space")
    parser.add_argument("--sandbox", choices=("auto", "bwrap", "none"), default="auto",
                        help="auto (default: bubblewrap where it works here, else none with a warning), bwrap, or "
                             "none (its own process only); see the README's security section")
    parser.add_argument("--seed", type=int, default=None, metavar="N",
                        help="draw the experiments from this seed (default: the rubric's, else a fresh one, "
                             "printed, to re-grade identically)")
    parser.add_argument("--reference", choices=("auto", "torch", "numpy"), default=None,
                        help="what judges: torch live, our NumPy backprop (fast; what runs without torch), or auto "
                             "(torch when installed); default: the rubric's, else auto")
    parser.add_argument("--csv", metavar="FILE", default=None, help="write one row per submission")
    parser.add_argument("--json", metavar="FILE", default=None, help="write every result as JSON")
    parser.add_argument("--gradescope", metavar="FILE", default=None,
                        help="write Gradescope's results.json for the (one) submission")
    parser.add_argument("--quiet", action="store_true", help="print only the summary line (and errors)")
    parser.add_argument("--version", action="version", version=version_string("compare grade"))
    return parser


def main(argv: list[str] | None = None) -> int:
    return guarded(lambda: _main(argv))


def _check_args(args: Any) -> None:
    from compare.grading.limits import MIN_MEMORY_MB
    if args.jobs is not None and args.jobs < 1:
        raise ExperimentError(f"--jobs: expected a whole number >= 1, found {args.jobs}")
    if not 0 < args.timeout <= 86400:
        raise ExperimentError(f"--timeout: expected seconds > 0 (at most a day), found {args.timeout:g}")
    if args.memory < MIN_MEMORY_MB:
        raise ExperimentError(f"--memory: {args.memory} MB is below the {MIN_MEMORY_MB} MB NumPy needs to start "
                              "in a submission's process")
    if args.seed is not None and args.seed < 0:
        raise ExperimentError(f"--seed: expected a whole number >= 0, found {args.seed}")


def _main(argv: list[str] | None) -> int:
    from compare.grading import results as out
    from compare.grading.grade import grade_class
    from compare.grading.judge import grade_seed, prepare, resolve_reference
    from compare.grading.limits import Limits
    from compare.grading.rubric import default_rubric, load_rubric
    from compare.grading.submissions import find_submissions
    from compare.sandbox.choose import resolve

    started = time.monotonic()
    args = build_parser().parse_args(argv)
    _check_args(args)
    submissions = find_submissions(args.paths, single=bool(args.gradescope))
    rubric = load_rubric(args.rubric) if args.rubric else default_rubric(submissions)
    targets = {flag: ensure_output_file(path, flag) for flag, path in
               (("--csv", args.csv), ("--json", args.json), ("--gradescope", args.gradescope)) if path}
    if args.gradescope and len(submissions) != 1:
        raise ExperimentError(f"--gradescope: writes the results of one submission; {len(submissions)} given "
                              "(on Gradescope each submission is graded in its own container)")
    reference = resolve_reference(args.reference or rubric.reference)
    seed = grade_seed(rubric, args.seed)
    checks = prepare(rubric, seed, reference)
    sandbox = resolve(args.sandbox)
    limits = Limits(timeout=args.timeout, memory_mb=args.memory, sandbox=sandbox, imports=rubric.imports)
    talk = not args.quiet
    if talk:
        print(f"grading {len(submissions)} submission(s): {len(checks)} checks from {rubric.source} "
              f"({rubric.max_score:g} points) against {'torch' if reference == 'torch' else 'our NumPy backprop'}, "
              f"experiments drawn from seed {seed} (re-grade identically with --seed {seed}); limits per "
              f"submission: {limits.timeout:g} s, {limits.memory_mb} MB, sandbox {sandbox}", file=sys.stderr,
              flush=True)
    with Progress(len(submissions), "grading", enabled=progress_wanted(args.quiet), unit="submission") as bar:
        graded = grade_class(submissions, checks, limits, reference=reference, jobs=args.jobs,
                             on_done=lambda r: bar.advance())
    elapsed = time.monotonic() - started
    documents: dict[str, str] = {}
    if args.csv:
        documents["--csv"] = out.csv_text(graded)
    if args.json:
        rubric_checks = [{"name": p.check.name, "points": p.check.points, "experiment": p.experiment.describe()}
                         for p in checks]
        documents["--json"] = json_text(out.json_document(graded, seed=seed, reference=reference,
                                                          rubric=rubric.source, checks=rubric_checks)) + "\n"
    if args.gradescope:
        documents["--gradescope"] = json.dumps(out.gradescope(graded[0], elapsed), indent=2) + "\n"
    for flag, text in documents.items():
        atomic_write(targets[flag], lambda tmp, text=text: Path(tmp).write_text(text, encoding="utf-8"))
    if talk:
        print(out.table(graded))
    print(out.summary(graded) + f" in {elapsed:.1f} s", file=sys.stderr if talk else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
