"""The benchmarks: the issue's target figures (`exercise3`, `mlp784`) and the scaling table (`scaling`).

Each suite warms up first (imports, torch's lazy initialisation, the allocator), then times its runs
interleaved (`bench.timing.interleaved`) and turns them into per-repeat ratios.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench import workloads
from bench.timing import Figure, interleaved, measure, ratios, seconds


@dataclass(frozen=True)
class Row:
    """One target figure: what it measures, its value, the target and whether the value meets it."""

    name: str
    what: str
    value: Figure
    limit: float
    at_most: bool                 # True: the value must be <= limit; False: >= limit
    judged: bool                  # False in --quick (a smoke run of a smaller workload judges nothing)
    unit: str = "x"               # "x": a ratio; " s": seconds

    @property
    def target(self) -> str:
        return f"{'<=' if self.at_most else '>='} {self.limit:g}{self.unit}"

    @property
    def holds(self) -> bool | None:
        if not self.judged:
            return None
        return self.value.median <= self.limit if self.at_most else self.value.median >= self.limit


@dataclass(frozen=True)
class Cell:
    """One cell of the scaling table: seconds per update of each run, and the harness's overhead."""

    width: int
    batch_size: int
    updates: int
    per_update: dict[str, Figure]      # "compare", "torch", "numpy": seconds per update
    overhead: Figure                   # compare / (torch + numpy)
    over_torch: Figure                 # compare / torch


def _runs(experiment, repeats: int) -> dict[str, list[float]]:
    bodies = {name: workloads.run(name, experiment) for name in workloads.IMPLEMENTATIONS}
    return interleaved(bodies, repeats)


def warm_up() -> None:
    """Import and initialise everything once, outside any clock."""
    tiny = workloads.preset("exercise3", 2)
    for name in workloads.IMPLEMENTATIONS:
        workloads.run(name, tiny)()
    small = workloads.synthetic((4, 4, 4, 2), 2, 4)
    for name in workloads.IMPLEMENTATIONS:
        workloads.run(name, small)()
        if name != "compare":
            workloads.steps(name, small, 2)()


def exercise3(repeats: int, quick: bool) -> tuple[list[Row], dict]:
    """exercise3, stochastic, 5,000 epochs x 4 samples = 20,000 updates (--quick: 400)."""
    epochs = 100 if quick else 5000
    e = workloads.preset("exercise3", epochs)
    t = _runs(e, repeats)
    updates = e.total_updates
    rows = [
        Row("harness / torch", f"`compare` run / `torch_impl` run alone, exercise3 stochastic, {updates} updates",
            Figure.of(ratios(t["compare"], t["torch"])), 1.20, True, not quick),
        Row("torch / numpy", f"`torch_impl` alone / `numpy_impl` alone, the same {updates} updates",
            Figure.of(ratios(t["torch"], t["numpy"])), 8.0, False, not quick),
        Row("harness overhead (exercise3)", "`compare` / (`torch_impl` alone + `numpy_impl` alone), exercise3",
            Figure.of(ratios(t["compare"], [a + b for a, b in zip(t["torch"], t["numpy"])])), 1.10, True,
            not quick),
    ]
    return rows, {"experiment": "exercise3 stochastic", "updates": updates, "seconds": t, "cpu_seconds": t.cpu}


def jobs(repeats: int, quick: bool) -> tuple[list[Row], dict]:
    """The whole default report (`python -m compare report`: every preset run and every seed band) with
    `--jobs 2` against `--jobs 1`, wall time. At most 2 repeats: one full report
    takes minutes (--quick: 10 epochs, 2 seeds)."""
    args = ["--quiet"] + (["--epochs", "10", "--seeds", "2"] if quick else [])
    bodies = {f"jobs{n}": (lambda n=n: workloads.report([*args, "--jobs", str(n)])) for n in (1, 2)}
    t = interleaved(bodies, max(1, min(repeats, 2)))
    rows = [Row("report --jobs 2 / --jobs 1", "`python -m compare report` (default: 10 seeds, every preset's "
                "epochs) in 2 processes / in 1, wall time", Figure.of(ratios(t["jobs2"], t["jobs1"])), 0.6, True,
                not quick)]
    return rows, {"experiment": " ".join(["report", *args[1:]]), "seconds": t, "cpu_seconds": t.cpu}


def mlp784(repeats: int, quick: bool) -> tuple[list[Row], dict]:
    """[784, 512, 256, 10], batch 128, synthetic data: one step of each side, and whole runs."""
    sizes = (784, 512, 256, 10)
    step_count, updates = (1, 1) if quick else (10, 24)
    e = workloads.synthetic(sizes, 128, updates)
    step_times = interleaved({name: workloads.steps(name, e, step_count) for name in ("torch", "numpy")},
                             repeats)
    t = _runs(e, repeats)
    rows = [
        Row("numpy step / torch step", "one NumPy step / one torch step, [784, 512, 256, 10], batch 128",
            Figure.of(ratios(step_times["numpy"], step_times["torch"])), 1.10, True, not quick),
        Row("harness overhead (784)", f"`compare` / (`torch_impl` alone + `numpy_impl` alone), "
            f"[784, 512, 256, 10] batch 128, {e.total_updates} updates",
            Figure.of(ratios(t["compare"], [a + b for a, b in zip(t["torch"], t["numpy"])])), 1.05, True,
            not quick),
    ]
    return rows, {"experiment": "synthetic 784-512-256-10 batch 128", "updates": e.total_updates,
                  "steps_per_repeat": step_count, "step_seconds": step_times, "seconds": t, "cpu_seconds": t.cpu}


def scaling(repeats: int, quick: bool, widths: list[int], batch_sizes: list[int]) -> list[Cell]:
    """Time per update and overhead for sizes (w, w, w, 1) (two hidden layers of width w) and each batch
    size; the number of updates is chosen from a calibration so that a torch run lasts about 0.4 s, at
    least 4 updates (--quick: 1 update)."""
    budget = 0.4
    cells = []
    for width in widths:
        for batch_size in batch_sizes:
            sizes = (width, width, width, 1)
            updates = 1
            if not quick:
                probe = workloads.synthetic(sizes, batch_size, 4)
                per_step = seconds(workloads.steps("torch", probe, 3)) / 3 + 1e-4   # + the loader's share
                updates = max(4, min(4000, int(budget / per_step) // 4 * 4))
            e = workloads.synthetic(sizes, batch_size, updates)
            t = _runs(e, repeats)
            n = e.total_updates
            cells.append(Cell(width, batch_size, n, {k: Figure.of([s / n for s in v]) for k, v in t.items()},
                              Figure.of(ratios(t["compare"], [a + b for a, b in zip(t["torch"], t["numpy"])])),
                              Figure.of(ratios(t["compare"], t["torch"]))))
    return cells


def checksuite(repeats: int, quick: bool) -> tuple[list[Row], dict]:
    """The check suite's default verdict on a correct file (examples/backprop_solution.py: 11 of the 14
    experiments), wall time of the whole process as a user runs it, with torch made unimportable: the
    issue's target is 1.5 s on a 2-core machine."""
    import subprocess
    import sys
    from pathlib import Path

    solution = Path(__file__).resolve().parents[1] / "examples" / "backprop_solution.py"
    code = ("import sys; sys.modules['torch'] = None; from compare.cli.main import main; "
            f"sys.exit(main(['check', {str(solution)!r}, '--quiet']))")

    def body() -> None:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"check suite on {solution}: exit {done.returncode}: {done.stderr.strip()}")

    measured = [measure(body) for _ in range(repeats)]
    times = [wall for wall, _ in measured]
    row = Row("check_suite_seconds", "`python -m compare check` suite verdict, correct file, whole process, no "
              "torch (seconds)", Figure.of(times), 1.5, True, not quick, " s")
    return [row], {"seconds": {"check": times}, "cpu_seconds": {"check": [cpu for _, cpu in measured]}}
