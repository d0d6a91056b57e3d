"""Same experiment, same seed: the same bytes, in two separate processes, for every mode and order and all
three training commands (`--json` output and `--save-weights` files compared byte for byte). A different
seed gives a different shuffle order.

Each process runs every case in-process (one torch import per process, not one per case): the point is two
fresh interpreters, not one per run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from compare import load_experiment
from numpy_impl.schedule import epoch_batches
from torch_impl.data import make_loader

ROOT = Path(__file__).resolve().parents[1]
CASES = [("batch", "sequential"), ("stochastic", "shuffle"), ("stochastic", "sequential"),
         ("stochastic", "replacement"), ("minibatch", "shuffle"), ("minibatch", "sequential"),
         ("minibatch", "replacement")]
COMMANDS = {"compare": "compare.cli.main", "numpy_impl": "numpy_impl.__main__", "torch_impl": "torch_impl.__main__"}

DRIVER = """
import contextlib, importlib, io, sys
from pathlib import Path
out = Path(sys.argv[1])
for command, module in {commands!r}.items():
    main = importlib.import_module(module).main
    for mode, order in {cases!r}:
        stem = out / f"{{command}}_{{mode}}_{{order}}"
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            code = main(["exercise3", "--mode", mode, "--order", order, "--epochs", "25", "--seed", "7",
                         "--samples-per-epoch", "3", "--json", "--save-weights", f"{{stem}}.npz"])
        assert code == 0, (command, mode, order, code)
        stem.with_suffix(".json").write_text(buffer.getvalue())
"""


def run_all(folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    script = DRIVER.format(commands=COMMANDS, cases=CASES)
    proc = subprocess.run([sys.executable, "-c", script, str(folder)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_two_processes_give_identical_bytes(tmp_path):
    first, second = run_all(tmp_path / "first"), run_all(tmp_path / "second")
    assert len(first) == 2 * len(CASES) * len(COMMANDS)
    assert first.keys() == second.keys()
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []
    # and the runs are not trivially equal: the orders really differ from one another
    assert first["compare_stochastic_shuffle.json"] != first["compare_stochastic_sequential.json"]
    assert first["compare_minibatch_replacement.json"] != first["compare_minibatch_shuffle.json"]
    # nothing in the output depends on the clock
    text = first["compare_stochastic_shuffle.json"].decode().lower()
    assert not any(word in text for word in ('"time', 'seconds"', '"date', 'elapsed'))


def torch_orders(seed: int, epochs: int = 3) -> list[list[int]]:
    e = load_experiment("exercise3", {"mode": "stochastic", "order": "shuffle", "seed": seed})
    loader = make_loader(e, torch.tensor(e.inputs), torch.tensor(e.targets))
    return [[int(i) for _, _, idx in loader for i in idx] for _ in range(epochs)]


def numpy_orders(seed: int, epochs: int = 3) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [np.concatenate(epoch_batches(rng, 4, 1, "shuffle", 4, False)).tolist() for _ in range(epochs)]


def test_a_different_seed_gives_a_different_shuffle_order():
    for orders in (torch_orders, numpy_orders):
        assert orders(0) == orders(0)
        assert orders(0) != orders(1)
        assert all(sorted(epoch) == [0, 1, 2, 3] for epoch in orders(1))   # permutations, every epoch
        assert len({tuple(epoch) for seed in range(5) for epoch in orders(seed)}) > 3   # not one fixed order

