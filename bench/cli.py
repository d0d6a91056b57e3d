"""`python -m bench [--quick] [--json] [--repeats N] [--widths ...] [--batch-sizes ...] [NAMES...]`."""

from __future__ import annotations

import json
import os
import sys
import time

from compare.cli.options import Parser
from compare.cli.runner import guarded
from compare.errors import ExperimentError

SUITES = ("exercise3", "mlp784", "scaling", "grading", "checksuite", "jobs")
WIDTHS = (2, 16, 64, 256, 1024)
BATCH_SIZES = (1, 32, 256)


def _sizes(flag: str, text: str, largest: int) -> list[int]:
    """A comma-separated list of integers from 1 to `largest`."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise ExperimentError(f"{flag}: expected comma-separated integers from 1 to {largest}, found {text!r}") \
            from None
    bad = [v for v in values if not 1 <= v <= largest]
    if bad:
        raise ExperimentError(f"{flag}: expected integers from 1 to {largest}, found {bad[0]}")
    return values


def build_parser() -> Parser:
    parser = Parser(prog="python -m bench", description="Time the lockstep harness against each implementation "
                    "alone, side by side in one process, and print the figures with their targets.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run, any of {', '.join(SUITES)} (default: all). exercise3: "
                        "compare / torch, torch / numpy and the harness overhead on exercise3 stochastic, "
                        "20,000 updates; mlp784: NumPy step / torch step and the overhead on [784, 512, 256, "
                        "10], batch 128; scaling: time per update and overhead by width and batch size; grading: "
                        "`compare grade` of a class of 100 submissions against the 60 s target; checksuite: "
                        "the check suite's verdict on a correct file, whole process, without torch (seconds); "
                        "jobs: the default `compare report` with --jobs 2 / --jobs 1 (minutes)")
    parser.add_argument("--quick", action="store_true",
                        help="smaller workloads, 1 repeat, nothing judged: a smoke test (under a minute)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout and nothing else")
    parser.add_argument("--repeats", type=int, default=None, metavar="N",
                        help="interleaved repeats per figure, >= 1 (default 5; --quick: 1)")
    parser.add_argument("--threads", default="1", metavar="N|default",
                        help="pin torch's intra-op threads and NumPy's BLAS pool (through threadpoolctl) to N for "
                        "every run alike; `default`: leave both as the libraries start (one per core). Default 1: "
                        "on a busy machine, OpenMP threads waiting for a descheduled sibling make torch's step "
                        "10-20x slower at random, which drowns every ratio")
    parser.add_argument("--widths", default=None, metavar="W,W,...",
                        help=f"hidden widths of the scaling table (default {','.join(map(str, WIDTHS))})")
    parser.add_argument("--batch-sizes", default=None, metavar="B,B,...",
                        help=f"batch sizes of the scaling table (default {','.join(map(str, BATCH_SIZES))})")
    return parser


def main(argv: list[str] | None = None) -> int:
    return guarded(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    repeats = args.repeats if args.repeats is not None else (1 if args.quick else 5)
    if repeats < 1:
        raise ExperimentError(f"--repeats: expected an integer >= 1, found {repeats}")
    threads = None if args.threads == "default" else _sizes("--threads", args.threads, 1024)
    if threads is not None and len(threads) != 1:
        raise ExperimentError(f"--threads: expected one integer or `default`, found {args.threads!r}")
    widths = _sizes("--widths", args.widths, 4096) if args.widths else list(WIDTHS)
    batch_sizes = _sizes("--batch-sizes", args.batch_sizes, 4096) if args.batch_sizes else list(BATCH_SIZES)
    unknown = [n for n in args.names if n not in SUITES]
    if unknown:
        raise ExperimentError(f"unknown benchmark {unknown[0]!r}: expected any of {', '.join(SUITES)}")
    names = [n for n in SUITES if n in (args.names or SUITES)]

    # imports torch: after the arguments are known to be good
    from bench import report, suites
    from bench.timing import cpu_seconds
    started_wall, started_cpu = time.perf_counter(), cpu_seconds()
    if threads is not None:
        report.pin_threads(threads[0])
    suites.warm_up()
    env = report.environment()
    rows: list[suites.Row] = []
    raw: dict = {}
    cells: list[suites.Cell] = []
    for name in names:
        if name == "scaling":
            cells = suites.scaling(repeats, args.quick, widths, batch_sizes)
        else:
            if name == "grading":
                from bench.grading import grading as suite
            else:
                suite = getattr(suites, name)
            found, raw[name] = suite(repeats, args.quick)
            rows += found
        if not args.json:
            print(f"bench: {name} done", file=sys.stderr, flush=True)
    env["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    env["wall_seconds"] = round(time.perf_counter() - started_wall, 3)
    env["cpu_seconds"] = round(cpu_seconds() - started_cpu, 3)      # itself and its children, imports excluded
    if args.json:
        print(json.dumps(report.as_json(rows, cells, env, repeats, args.quick, raw)))
    else:
        print(report.markdown(rows, cells, env, repeats, args.quick, raw))
    # a full run is the check of the speed targets: exit 1 when one is missed (--quick judges nothing)
    return 1 if any(row.holds is False for row in rows) else 0
