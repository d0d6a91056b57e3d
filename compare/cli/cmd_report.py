"""`python -m compare report`: reference solutions to the seed's exercises, as DIR/index.html (one
self-contained page) and DIR/solutions.md (the same content, figures in DIR/figures/, the corrected programs
in DIR/answers/, every number with all its digits in DIR/numbers.json). `--handout`: the students' sheet
instead (questions, backward template, how to check it; no answers), as DIR/index.html, DIR/handout.md and
DIR/backprop_template.py; it trains nothing. `--digits N` rounds the numbers the pages show (the report's
default: every digit; the handout's: 6).

The report is built in a temporary folder next to DIR and renamed into place at the end: a failed or
interrupted run leaves the previous report as it was, and never half a report. DIR must be new, empty, or
a previous report (it holds MARKER); a folder with other files in it is refused rather than replaced.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from compare.cli.options import Parser, add_jobs_option
from compare.cli.runner import guarded, version_string
from compare.errors import DivergenceError, ExperimentError, ParityError
from compare.exits import deferred_signals
from compare.files.atomic import atomic_write, check_path
from compare.reporting.fonts import cjk_font
from compare.reporting.plan import MAX_SEEDS, Settings, plan_runs
from compare.running.loops import require_torch
from compare.running.parallel import resolve_jobs
from compare.running.progress import Progress, wanted

MARKER = ".compare-report"   # says "this folder is a report we wrote, and may be replaced by a new one"
LANGS = ("en", "zh")
DESCRIPTION = ("Answer the seed lesson's exercises with parity-checked runs of every preset (hiring, "
               "exercise1, exercise2 stochastic and batch, exercise3 batch, stochastic, mini-batch and the "
               "seed's own SGD over K seeds) and write DIR/index.html and DIR/solutions.md with plots. "
               "--handout writes the students' sheet instead (questions and template, no answers). "
               "Exit: 0 done, 1 a disagreement (nothing written), 2 bad input, 3 diverged, 130/143/129 interrupted.")
ANSWER_ONLY = ("seeds",)     # options that only the answers read: refused with --handout
HANDOUT_DIGITS = 6           # a student-facing sheet: 0.985515, not 0.98551453752390453


def _parser() -> Parser:
    parser = Parser(prog="python -m compare report", description=DESCRIPTION)
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="the report folder: new, empty, or a previous report (default report/, or "
                        "handout/ with --handout)")
    parser.add_argument("--handout", action="store_true",
                        help="write the students' handout: the questions, the backward template and how to "
                        "check it, without answers (runs nothing; --epochs and --report-every shape the questions)")
    parser.add_argument("--lang", default="en", help="en or zh: the language of the text and plot labels "
                        "(default en; zh needs a CJK font for the plots, e.g. Debian's fonts-noto-cjk)")
    parser.add_argument("--seeds", type=int, default=None, metavar="K",
                        help=f"run each random mode with seeds 0..K-1, 1 <= K <= {MAX_SEEDS} (default 10)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs of every run (default: each preset's, 10000); fewer for a quick look")
    parser.add_argument("--report-every", type=int, default=None, metavar="N",
                        help="the loss tables' interval (default: the presets' 1000, or epochs // 10 "
                        "with --epochs)")
    parser.add_argument("--digits", type=int, default=None, metavar="N",
                        help="significant digits of the numbers shown, 1-17 (default: every digit, exactly what "
                        f"--json prints; the handout's {HANDOUT_DIGITS}); numbers.json keeps every digit")
    parser.add_argument("--quiet", action="store_true", help="no progress bar; only the final line")
    add_jobs_option(parser, "the report (every preset run and every seed)")
    parser.add_argument("--version", action="version", version=version_string("compare report"))
    return parser


def check_target(target: Path) -> Path:
    """Refuse, before any work, a DIR we could not (or should not) replace."""
    flag = f"--out {target}"
    check_path(target, "--out")                  # a name this file system takes, before any stat of it
    if target.exists() and not target.is_dir():
        raise ExperimentError(f"{flag}: exists and is not a folder")
    here = Path.cwd().resolve()
    resolved = target.resolve()
    if resolved == here or resolved in here.parents:
        raise ExperimentError(f"{flag}: is the current folder or contains it; name a folder for the report")
    for own in _own_folders():
        if resolved == own or own in resolved.parents:
            raise ExperimentError(f"{flag}: inside the package's own files ({own}); name a folder outside it")
        if resolved in own.parents:
            raise ExperimentError(f"{flag}: contains the package's own files ({own}); name a folder for the report")
    if target.is_dir():
        if not os.access(target, os.W_OK | os.X_OK):
            raise ExperimentError(f"{flag}: not writable")
        entries = {p.name for p in target.iterdir()}
        if entries and MARKER not in entries:
            raise ExperimentError(f"{flag}: holds other files ({', '.join(sorted(entries)[:3])}...); "
                                  "name a new or empty folder (only a previous report is replaced)")
    ancestor = resolved.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
        raise ExperimentError(f"{flag}: cannot write in {ancestor}")
    return target


def _own_folders() -> list[Path]:
    """The folders the package reads its own files from: a report is never written into (or over) them."""
    from compare.reporting.answers import examples_dir
    package = Path(__file__).resolve().parents[1]            # the package: compare/
    # and its two siblings, installed beside it (site-packages) or in the checkout
    folders = [package] + [package.parent / name for name in ("numpy_impl", "torch_impl")
                           if (package.parent / name / "__init__.py").is_file()]
    examples = examples_dir()
    return folders + ([examples.resolve()] if examples is not None else [])


def swap_into_place(built: Path, target: Path) -> None:
    """Rename `built` to `target`; a previous report is moved aside first and deleted only afterwards. Our
    SIGINT / SIGTERM wait until all of it is done (`compare.exits.deferred_signals`): an interruption leaves
    the previous report or the new one, never neither, and no folder moved aside."""
    with deferred_signals():
        if not target.exists() or not any(target.iterdir()):
            os.replace(built, target)             # an empty folder is replaced atomically by rename(2)
            return
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.replace(target, old / target.name)
        try:
            os.replace(built, target)
        except BaseException:
            os.replace(old / target.name, target)  # put the previous report back
            raise
        finally:
            shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    return guarded(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    args.jobs = resolve_jobs(args.jobs)
    if args.lang not in LANGS:
        raise ExperimentError(f"--lang {args.lang}: unknown language (expected one of {', '.join(LANGS)})")
    if args.handout:
        given = [f"--{k.replace('_', '-')}" for k in ANSWER_ONLY if getattr(args, k) is not None]
        if given:
            raise ExperimentError(f"--handout with {', '.join(given)}: the handout holds no answers and runs "
                                  "nothing; drop " + ", ".join(given))
    if args.epochs is not None and args.epochs < 1:
        raise ExperimentError(f"--epochs {args.epochs}: expected a whole number >= 1")
    if args.report_every is not None and args.report_every < 1:
        raise ExperimentError(f"--report-every {args.report_every}: expected a whole number >= 1")
    if args.digits is not None and not 1 <= args.digits <= 17:
        raise ExperimentError(f"--digits {args.digits}: expected a whole number from 1 to 17 (17 is every digit "
                              "of a float64)")
    if args.handout:
        return _handout(args)
    args.seeds = 10 if args.seeds is None else args.seeds
    if not 1 <= args.seeds <= MAX_SEEDS:
        raise ExperimentError(f"--seeds {args.seeds}: expected a whole number from 1 to {MAX_SEEDS}")
    require_torch()
    target = check_target(Path(args.out or "report"))
    plans = plan_runs(Settings(args.seeds, args.epochs, args.report_every))
    experiments = [plan.experiment() for plan in plans]     # every input checked before any training
    font = None
    if args.lang == "zh":
        font = cjk_font()
        if font is None:
            print("warning: matplotlib finds no font with Chinese glyphs (install one, e.g. fonts-noto-cjk); "
                  "plot labels are in English, the text is in Chinese", file=sys.stderr)
    command = " ".join(["python -m compare report", f"--lang {args.lang}", f"--seeds {args.seeds}"]
                       + ([f"--epochs {args.epochs}"] if args.epochs is not None else [])
                       + ([f"--digits {args.digits}"] if args.digits is not None else [])
                       + ([f"--report-every {args.report_every}"] if args.report_every is not None else []))
    if not args.quiet:
        print(f"report: {len(plans)} parity-checked runs, {sum(e.total_updates for e in experiments)} updates "
              f"-> {target}/", flush=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    built = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        code = _build(built, plans, experiments, args, font, command)
        if code == 0:
            swap_into_place(built, target)
    finally:
        with deferred_signals():                  # a second Ctrl-C does not leave half a temporary folder
            shutil.rmtree(built, ignore_errors=True)
    if code == 0:
        print(f"report written: {target / 'index.html'} and {target / 'solutions.md'} (figures in "
              f"{target / 'figures'}); every run parity OK")
    return code


def _build(folder: Path, plans: list, experiments: list, args, font: str | None, command: str) -> int:
    from compare.reporting.document import to_html, to_markdown
    from compare.reporting.runs import run_all
    from compare.reporting.sections import TEXTS, build
    try:
        with Progress(sum(e.total_updates for e in experiments), "report", enabled=wanted(args.quiet),
                      unit="update") as bar:
            results = run_all(plans, experiments, progress=bar, jobs=args.jobs)
    except ParityError as exc:
        print(f"{exc}\nreport: a disagreement, so no report was written", file=sys.stderr)
        return 1
    except DivergenceError as exc:
        print(f"error: {exc}; no report was written", file=sys.stderr)
        return 3
    blocks = build(results, args.seeds, args.lang, font, folder, command, args.digits)
    _write(folder, {"solutions.md": to_markdown(blocks), "numbers.json": numbers_json(results),
                    "index.html": to_html(blocks, TEXTS[args.lang]["title"], args.lang, folder),
                    MARKER: f"{command}\n"})
    return 0


def _handout(args) -> int:
    """The students' sheet: written into a temporary folder and swapped into place, like the report."""
    from compare.reporting.document import to_html, to_markdown
    from compare.reporting.handout import TEMPLATE, TEMPLATES, handout, template_text
    from compare.reporting.sections import TEXTS
    target = check_target(Path(args.out or "handout"))
    template = template_text(args.lang)
    if template is None:
        raise ExperimentError(f"--lang {args.lang}: no backward template for this language in this installation "
                              f"(expected examples/{TEMPLATES.get(args.lang, TEMPLATE)}); nothing written")
    epochs = 10000 if args.epochs is None else args.epochs
    every = args.report_every or (1000 if args.epochs is None else max(1, epochs // 10))
    command = " ".join(["python -m compare report --handout", f"--lang {args.lang}"]
                       + ([f"--epochs {args.epochs}"] if args.epochs is not None else [])
                       + ([f"--digits {args.digits}"] if args.digits is not None else [])
                       + ([f"--report-every {args.report_every}"] if args.report_every is not None else []))
    target.parent.mkdir(parents=True, exist_ok=True)
    built = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        blocks = handout(args.lang, epochs, every, template)
        _write(built, {"handout.md": to_markdown(blocks),
                       "index.html": to_html(blocks, TEXTS[args.lang]["handout_title"], args.lang, built),
                       MARKER: f"{command}\n", TEMPLATE: template})
        swap_into_place(built, target)
    finally:
        if built.exists():
            shutil.rmtree(built, ignore_errors=True)
    print(f"handout written: {target / 'index.html'} and {target / 'handout.md'} (template: {target / TEMPLATE})")
    return 0


def numbers_json(results: dict) -> str:
    """Every run's numbers with all their digits, whatever --digits rounds on the pages."""
    import json
    runs = {key: {"command": r.plan.command(), "loss_log": [[e, v] for e, v in r.loss_log],
                  "outputs": r.outputs.tolist(), "predictions": r.predictions.tolist(),
                  "max_abs_diff": r.report.max_abs_diff} for key, r in results.items()}
    return json.dumps({"runs": runs}, indent=1) + "\n"


def _write(folder: Path, files: dict[str, str]) -> None:
    """Write `files` into `folder` and open up the permissions. The folder itself is swapped into place at
    the end; each file in it is written atomically too, so that every write in the project follows the
    one rule."""
    for name, text in files.items():
        atomic_write(folder / name, lambda tmp, text=text: Path(tmp).write_text(text, encoding="utf-8"))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)            # mkdtemp and mkstemp create private (0700 / 0600) entries
    for path in folder.rglob("*"):
        os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~umask)


if __name__ == "__main__":
    sys.exit(main())
