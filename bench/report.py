"""The benchmark's output: Markdown tables for people, one JSON object for machines."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from typing import Any

import numpy as np

from bench.suites import Cell, Row
from bench.timing import Figure


def environment() -> dict[str, Any]:
    """Where and when the figures were measured, with every thread setting that can move them."""
    import torch
    env: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
        "platform": platform.platform(), "processor": _cpu_name(), "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "torch_threads": torch.get_num_threads(), "torch_interop_threads": torch.get_num_interop_threads(),
        "numpy_blas": _blas_pools(),
        "env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
                if k in os.environ},
    }
    return env


def pin_threads(n: int) -> None:
    """torch's intra-op pool and NumPy's BLAS pool to `n` threads each, for the rest of the process."""
    import torch
    torch.set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return   # environment() then shows NumPy's pool as unknown (null)
    threadpool_limits(n, user_api="blas")


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _blas_pools() -> list[dict[str, Any]] | None:
    """NumPy's BLAS thread pool(s), when threadpoolctl is installed (it is optional)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [{k: info.get(k) for k in ("internal_api", "num_threads", "version")} for info in threadpool_info()
            if info.get("user_api") == "blas"]


def _blas_threads(env: dict[str, Any]) -> str:
    pools = env["numpy_blas"]
    return "unknown: no threadpoolctl" if pools is None else ",".join(str(p["num_threads"]) for p in pools)


def _ratio(f: Figure) -> str:
    return f"{f.median:.3f}x ({f.low:.3f}-{f.high:.3f})"


def _time(seconds: float) -> str:
    if seconds >= 1e-1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} us"


def clock(raw: dict[str, Any]) -> list[tuple[str, str, Figure, Figure]]:
    """(benchmark, what ran, wall seconds, CPU seconds) of every timed call, from the suites' raw figures."""
    found = []
    for suite, figures in raw.items():
        walls, cpus = figures.get("seconds"), figures.get("cpu_seconds")
        if isinstance(walls, dict) and isinstance(cpus, dict):
            found += [(suite, name, Figure.of(walls[name]), Figure.of(cpus[name])) for name in walls if walls[name]]
    return found


def _clock_lines(raw: dict[str, Any], env: dict[str, Any]) -> list[str]:
    calls = clock(raw)
    lines = [] if not calls else [   # `bench scaling` alone times no whole call: no empty table
        "", "Wall and CPU seconds of each timed call (median, lowest-highest; CPU: user + system of the "
        "process and of the worker or command processes it waited for):", "",
        "| benchmark | run | wall | CPU | CPU / wall |", "| --- | --- | ---: | ---: | ---: |"]
    for suite, name, wall, cpu in calls:
        lines.append(f"| {suite} | {name} | {_time(wall.median)} ({_time(wall.low)}-{_time(wall.high)}) | "
                     f"{_time(cpu.median)} ({_time(cpu.low)}-{_time(cpu.high)}) | "
                     f"{cpu.median / wall.median if wall.median else 0:.2f} |")
    lines += ["", f"The whole benchmark: {env['wall_seconds']:.1f} s wall, {env['cpu_seconds']:.1f} CPU seconds "
              f"(itself and its children), load average {' '.join(map(str, env['load_average']))} at the start, "
              f"{' '.join(map(str, env['load_average_end']))} at the end."]
    return lines


def markdown(rows: list[Row], cells: list[Cell], env: dict[str, Any], repeats: int, quick: bool,
             raw: dict[str, Any] | None = None) -> str:
    lines = [f"Measured {env['date']} on {env['processor']} ({env['cpus']} CPUs, load average "
             f"{' '.join(map(str, env['load_average']))} at the start), Python {env['python']}, numpy "
             f"{env['numpy']} (BLAS threads {_blas_threads(env)}), torch {env['torch']} "
             f"({env['torch_threads']} threads), float64; median of "
             f"{repeats} interleaved repeats (lowest-highest)."]
    if quick:
        lines.append("--quick: a smoke run of smaller workloads; the figures are not judged.")
    if rows:
        lines += ["", "| figure | measured | target | holds? |", "| --- | --- | --- | --- |"]
        for row in rows:
            holds = {True: "yes", False: "**no**", None: "(quick)"}[row.holds]
            measured = _ratio(row.value) if row.unit == "x" else (
                f"{row.value.median:.2f} s ({row.value.low:.2f}-{row.value.high:.2f})")
            lines.append(f"| {row.what} | {measured} | {row.target} | {holds} |")
    if cells:
        lines += ["", "Scaling: sizes (w, w, w, 1), two hidden layers of width w; time per update (median) and the "
                  "harness's overhead.", "",
                  "| width | batch | updates | torch alone | numpy alone | compare | compare / (torch + numpy) "
                  "| compare / torch |", "| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
        for c in cells:
            lines.append(f"| {c.width} | {c.batch_size} | {c.updates} | {_time(c.per_update['torch'].median)} | "
                         f"{_time(c.per_update['numpy'].median)} | {_time(c.per_update['compare'].median)} | "
                         f"{_ratio(c.overhead)} | {_ratio(c.over_torch)} |")
    if raw is not None and "wall_seconds" in env:
        lines += _clock_lines(raw, env)
    return "\n".join(lines)


def as_json(rows: list[Row], cells: list[Cell], env: dict[str, Any], repeats: int, quick: bool,
            raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "environment": env, "repeats": repeats, "quick": quick,
        "figures": [{"name": r.name, "what": r.what, "ratio": r.value.as_dict(), "target": r.target,
                     "holds": r.holds} for r in rows],
        "scaling": [{"width": c.width, "batch_size": c.batch_size, "updates": c.updates,
                     "seconds_per_update": {k: v.as_dict() for k, v in c.per_update.items()},
                     "overhead": c.overhead.as_dict(), "compare_over_torch": c.over_torch.as_dict()}
                    for c in cells],
        "clock": [{"benchmark": suite, "run": name, "wall_seconds": wall.as_dict(), "cpu_seconds": cpu.as_dict()}
                  for suite, name, wall, cpu in clock(raw)],
        "raw": raw,
        "argv": sys.argv[1:],
    }
