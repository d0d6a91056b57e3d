"""The flow every training command shares: parse, load, (--show), train, print, plot, save, exit status.

`python -m compare`, `python -m numpy_impl` and `python -m torch_impl` differ only in what trains.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from compare import exits
from compare.cli.jobs import Job, Outcome, run_job
from compare.cli.options import Parser, add_jobs_option, add_resync_option, add_run_options, overrides_from
from compare.cli.output import json_text, loss_line, outputs_block, parity_json, run_json, verdict
from compare.errors import ExperimentError
from compare.experiment.definition import MODES, Experiment
from compare.experiment.initial import initial_parameters
from compare.experiment.show import to_toml
from compare.experiment.sources import load_experiment
from compare.files.atomic import (
    check_file_name,
    ensure_output_dir,
    ensure_output_file,
    make_output_dir,
    safe_file_stem,
    save_npz,
)
from compare.files.text import printable
from compare.running.loops import check_device, require_torch
from compare.running.parallel import map_jobs, one_thread_each, resolve_jobs
from compare.running.progress import Progress
from compare.running.progress import wanted as progress_wanted

IMPLEMENTATIONS = ("compare", "numpy", "torch")


def version_string(prog: str) -> str:
    from compare.version import __version__
    return f"{prog} {__version__} (Python {sys.version.split()[0]}, numpy {np.__version__})"


def guarded(body: Callable[[], int]) -> int:
    """Run a command body with our SIGINT / SIGTERM raised as `Interrupted`; whatever ends it becomes an exit
    status and a message on stderr through `compare.exits` (the one place that maps them). argparse's own
    exits (`--help`, a usage error) pass through."""
    with exits.signals_as_exceptions():
        try:
            # a diverging run overflows on purpose; it is caught by explicit NaN/inf checks and reported once
            # (exit 3), so NumPy's per-operation warnings would only be noise
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                code = body()
            exits.raise_pending()        # a signal of ours that a user's code swallowed
            return code
        except SystemExit:
            raise
        except BaseException as exc:     # every ending has its status; no traceback leaves
            return exits.report(exc)


def build_parser(prog: str, description: str) -> Parser:
    parser = Parser(prog=prog, description=description)
    add_run_options(parser)
    parser.add_argument("--save-weights", default=None, metavar="FILE.npz",
                        help="save initial_W1, initial_b1, ..., final_W1, final_b1, ... (seed layout)")
    add_jobs_option(parser, "--mode all")
    parser.add_argument("--version", action="version", version=version_string(prog))
    return parser


def load_runs(args: Any) -> list[Experiment]:
    """One experiment per mode to run (three for --mode all, each validated for its own mode)."""
    overrides, flags = overrides_from(args)
    base = load_experiment(args.experiment, overrides, flags)
    if args.mode != "all":
        return [base]
    if base.n_samples < 3:
        raise ExperimentError(f"--mode all: needs at least 3 samples (batch, stochastic and mini-batch differ "
                              f"only then), found {base.n_samples} in {base.source}")
    return [load_experiment(args.experiment, {**overrides, "mode": m}, {**flags, "mode": "--mode all"})
            for m in MODES]


def save_weights(path: Path, initial: tuple[list, list], final: tuple[list, list]) -> None:
    arrays = {}
    for stage, (weights, biases) in (("initial", initial), ("final", final)):
        for layer, (W, b) in enumerate(zip(weights, biases), start=1):
            arrays[f"{stage}_W{layer}"] = np.asarray(W)
            arrays[f"{stage}_b{layer}"] = np.asarray(b).reshape(-1)   # files hold biases 1-D
    save_npz(path, arrays)


def check_save_path(path: str | None, runs: int) -> Path | None:
    if path is None:
        return None
    if runs > 1:
        raise ExperimentError("--save-weights: one file per run; not with --mode all (run each mode alone)")
    return ensure_output_file(path, "--save-weights")


def run_command(implementation: str, argv: list[str] | None, prog: str, description: str) -> int:
    return guarded(lambda: _run(implementation, argv, prog, description))


def _run(implementation: str, argv: list[str] | None, prog: str, description: str) -> int:
    parser = build_parser(prog, description)
    if implementation == "compare":
        add_resync_option(parser)
    args = parser.parse_args(argv)
    jobs = resolve_jobs(args.jobs)
    runs = load_runs(args)
    if args.show:
        print("\n".join(to_toml(e) for e in runs), end="")
        return 0
    if implementation != "numpy":   # before anything is printed or written
        require_torch()
        check_device(runs[0], "--device" if args.device is not None else None)
    # initial weights before anything is written: numpy_impl alone refuses torch-default (exit 2)
    work = [Job(implementation, e, *initial_parameters(e, torch_allowed=implementation != "numpy"),
                resync=getattr(args, "resync", False)) for e in runs]
    out_dir = ensure_output_dir(args.out) if args.out else None
    if out_dir is not None:
        for e in runs:
            plot_paths(out_dir, e, implementation, check=True)
    save_path = check_save_path(args.save_weights, len(runs))
    return train_and_print(work, jobs=jobs, prog=prog, json_out=args.json, quiet=args.quiet, out_dir=out_dir,
                           save_path=save_path)


def train_and_print(work: list[Job], *, jobs: int, prog: str, json_out: bool = False, quiet: bool = False,
                    out_dir: Path | None = None, save_path: Path | None = None) -> int:
    """Train every job (in parallel processes when `jobs` > 1 and there are several), print each run in the
    order given, write its plots and weights; the exit status. The first run that fails ends the output."""
    streamed = jobs == 1 or len(work) == 1
    outcomes = [] if streamed else map_jobs(run_job, work, jobs)
    with one_thread_each(len(work) if streamed else 1):   # --jobs 1 computes what --jobs N does
        return _print_runs(work, outcomes, streamed, prog=prog, json_out=json_out, quiet=quiet, out_dir=out_dir,
                           save_path=save_path)


def _print_runs(work: list[Job], outcomes: list[Outcome], streamed: bool, *, prog: str, json_out: bool,
                quiet: bool, out_dir: Path | None, save_path: Path | None) -> int:
    talk = not (json_out or quiet)
    results: list[dict[str, Any]] = []
    code = 0
    for k, job in enumerate(work):
        experiment = job.experiment
        if talk:
            print(experiment.describe(), flush=True)
        if streamed:
            outcome = _run_here(job, talk, quiet)
        else:
            outcome = outcomes[k]
            if talk:
                for epoch, loss in outcome.logged:
                    print(loss_line(epoch, loss), flush=True)
        history, report = outcome.history, outcome.report
        if outcome.status == 1:
            if report is not None:
                results.append(run_json(history, parity_json(report, outcome.failure), outcome.environment))
            print(outcome.message, file=sys.stderr)
            code = 1
            break
        if outcome.status == 3:
            print(outcome.message, file=sys.stderr)
            code = 3
            break
        parity = parity_json(report, None) if report is not None else None
        results.append(run_json(history, parity, outcome.environment))
        if talk:
            print(outputs_block(history))
        if report is not None and not json_out:     # --quiet with several runs: each line says which run
            which = f"{printable(experiment.name)} {experiment.mode}: " if quiet and len(work) > 1 else ""
            print(which + verdict(report))
        elif quiet and not json_out:
            print(f"{prog}: {printable(experiment.name)} {experiment.mode}: {history.updates} updates, final loss "
                  f"{history.loss_log[-1][1]!r}" if history.loss_log else f"{history.updates} updates")
        if out_dir is not None:
            write_plots(out_dir, experiment, history, report)
        if save_path is not None:
            save_weights(save_path, (history.initial_weights, history.initial_biases),
                         (history.final_weights, history.final_biases))
    if json_out and (results or code == 1):
        print(json_text({"runs": results} if len(work) > 1 else results[0]))
    return code


def _run_here(job: Job, talk: bool, quiet: bool) -> Outcome:
    """One job in this process, its loss lines printed as they come, under a progress bar."""
    experiment = job.experiment
    bar = Progress(experiment.epochs, f"{printable(experiment.name)} {experiment.mode}",
                   enabled=progress_wanted(quiet))

    def on_epoch(epoch: int, loss: float | None) -> None:
        bar.advance(loss=loss)
        if talk and loss is not None:
            bar.write(loss_line(epoch, loss))   # through the bar, which redraws below the line
    with bar:
        return run_job(job, on_epoch)


def plot_paths(out_dir: Path, experiment: Experiment, implementation: str, *, check: bool = False) -> dict[str, Path]:
    """The plot files a run writes into `out_dir`; with `check`, each name is checked (before any work)."""
    stem = f"{safe_file_stem(experiment.name)}_{experiment.mode}"   # a name is free text, a path is not
    names = ({"loss": f"{stem}_loss.png", "parity": f"{stem}_parity.png"} if implementation == "compare" else
             {"loss": f"{stem}_{implementation}_loss.png"})
    if check:
        for name in names.values():
            check_file_name(out_dir, name, f"--out {printable(str(out_dir))}: {printable(name)}")
    return {k: out_dir / v for k, v in names.items()}


def write_plots(out_dir: Path, experiment: Experiment, history: Any, report: Any) -> None:
    from compare.reporting import plots
    make_output_dir(out_dir)
    if report is not None:
        paths = plot_paths(out_dir, experiment, "compare")
        plots.loss_curves(paths["loss"], f"{experiment.name}, {experiment.mode}: loss",
                          {"numpy (manual backprop)": report.numpy.loss_log,
                           "torch (nn.Module + SGD)": report.torch.loss_log})
        plots.parity_curve(paths["parity"], f"{experiment.name}, {experiment.mode}: "
                           "numpy vs torch after every update", report.per_update[:report.updates_checked],
                           report.tolerance.atol)
    else:
        paths = plot_paths(out_dir, experiment, history.implementation)
        plots.loss_curves(paths["loss"], f"{experiment.name}, {experiment.mode}: loss ({history.implementation})",
                          {history.implementation: history.loss_log})
