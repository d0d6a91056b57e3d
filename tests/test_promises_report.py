"""The report's sentences and tables, parsed from solutions.md and recomputed here: the update counts by hand
from the presets' sizes, exercise 2's losses from the seed lesson's own script (tests/seed_oracle.py, no
code of ours) and its faster/slower sentence from them, the seeds table's lowest, highest and spread from
the per-seed rows it summarises.

One short report (40 epochs, 2 seeds) is written once for the module.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.seed_oracle import seed_train

pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]
EPOCHS, SEEDS = 40, 2
# updates per epoch, by hand from the lesson: hiring 1 sample, exercise 1 one sample, exercise 2 two samples
# (stochastic: 2 updates; batch: 1), exercise 3 four samples (batch: 1; per seed: stochastic 4, mini-batches
# of 2: 2, the seed's SGD one sample with replacement: 1)
FIXED = 1 + 1 + 2 + 1 + 1
PER_SEED = 4 + 2 + 1


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report") / "r"
    run = subprocess.run([sys.executable, "-m", "compare", "report", "--out", str(out), "--epochs", str(EPOCHS),
                          "--seeds", str(SEEDS), "--jobs", "1", "--quiet"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return (out / "solutions.md").read_text(encoding="utf-8")


def test_the_proof_counts_every_run_and_every_update(report):
    found = re.search(r"(\d+) runs, (\d+) updates, every weight and bias compared after each", report)
    assert found, "the proof's sentence is missing"
    assert int(found.group(1)) == 5 + 3 * SEEDS
    assert int(found.group(2)) == EPOCHS * (FIXED + PER_SEED * SEEDS)


def test_each_runs_update_count_is_its_updates_per_epoch_times_the_epochs(report):
    lines = re.findall(r"(\d+) update\(s\) per epoch, (\d+) updates in all", report)
    assert len(lines) >= 7
    for per_epoch, total in lines:
        assert int(total) == int(per_epoch) * EPOCHS
    assert {int(p) for p, _ in lines} == {1, 2, 4}


def _exercise2_seed(**kwargs):
    from compare.experiment.sources import load_experiment
    e = load_experiment("exercise2", {}, None)      # its weights and data as the lesson gives them
    log, _ = seed_train(np.array(e.inputs), np.array(e.targets), list(e.init_weights), list(e.init_biases),
                        lr=e.lr, epochs=EPOCHS, report=EPOCHS // 10, **kwargs)
    return dict(log)


def test_exercise2s_losses_are_the_seed_scripts_and_the_sentence_follows_them(report):
    answer = re.search(r"(\d+) updates an epoch, (\d+) in all, loss ([0-9.e-]+) at epoch (\d+).*?"
                       r"(\d+) update an epoch, (\d+) in all, loss ([0-9.e-]+) at epoch (\d+)", report, re.S)
    assert answer, "exercise 2's answer sentence is missing"
    per_sgd, all_sgd, loss_sgd, epoch, per_batch, all_batch, loss_batch, epoch_b = answer.groups()
    assert (int(per_sgd), int(all_sgd), int(per_batch), int(all_batch)) == (2, 2 * EPOCHS, 1, EPOCHS)
    assert epoch == epoch_b
    sgd = _exercise2_seed(batch_size=1)[int(epoch)]
    batch = _exercise2_seed(full_batch=True)[int(epoch)]
    assert float(loss_sgd) == pytest.approx(sgd, rel=1e-12)
    assert float(loss_batch) == pytest.approx(batch, rel=1e-12)
    faster = "one update per sample learns faster here: it takes 2 times as many steps"
    slower = "the single averaged update per epoch ends lower, although one update per sample takes 2 times"
    assert (faster in report) == (sgd < batch) and (slower in report) == (sgd >= batch)


def _tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table: its rows (the header first, the alignment row dropped) as cells."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("| "):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if not all(set(c) <= set(":-") for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def test_the_seeds_table_summarises_its_per_seed_rows(report):
    tables = _tables(report)
    summary = next(t for t in tables if t[0][0] == "mode" and t[0][3] == "(highest - lowest) / mean")
    per_seed = [t for t in tables if t[0][0] == "seed" and t[0][1] == "Command"]
    assert len(summary) - 1 == len(per_seed) == 3
    for row, seeds in zip(summary[1:], per_seed):
        losses = [float(r[2]) for r in seeds[1:]]
        assert len(losses) == int(row[1]) == SEEDS
        low, high = (float(x) for x in row[2].split(" ... "))
        assert (low, high) == (min(losses), max(losses))
        assert float(row[3]) == pytest.approx(float(f"{(high - low) / np.mean(losses):.3g}"), rel=1e-12)
        seen = {}
        for r in seeds[1:]:
            seen[r[4]] = seen.get(r[4], 0) + 1
        assert sorted(row[4].split("; ")) == sorted(f"{p} ({n})" for p, n in seen.items())
        assert float(row[5]) == max(float(r[5]) for r in seeds[1:])


def test_the_spread_is_over_the_mean_on_losses_that_differ_widely():
    """The short report's seeds agree to 1e-5, where (highest - lowest) / mean and / lowest print alike: the
    summary again, on three seeds whose losses are 1, 2 and 6 (spread (6 - 1) / 3 = 1.67; over the lowest it
    would be 5)."""
    from types import SimpleNamespace

    from compare.reporting.sections import seeds_summary
    from compare.reporting.text_en import TEXT

    def result(seed: int, loss: float, prediction: list[int]):
        plan = SimpleNamespace(seed=seed, command=lambda: f"run {seed}")
        return SimpleNamespace(final_loss=loss, predictions=np.array(prediction), outputs=np.array([0.5]),
                               plan=plan, report=SimpleNamespace(max_abs_diff=1e-16 * (seed + 1)))
    losses = [2.0, 1.0, 6.0]
    runs = {f"exercise3/{v}/seed{s}": result(s, loss, [s % 2]) for v in ("stochastic", "minibatch", "seed_sgd")
            for s, loss in enumerate(losses)}
    tables = []
    writer = SimpleNamespace(t=TEXT, r=runs, seeds=3,
                             f=lambda v: repr(float(v)),
                             vec=lambda vs: ", ".join(repr(float(v)) for v in np.ravel(vs)),
                             table=lambda head, rows, align: tables.append(rows),
                             add=lambda block: None)
    seeds_summary(writer, 9)
    for row in tables[0]:
        assert row[1] == "3" and row[2] == "1.0 ... 6.0"
        assert float(row[3]) == pytest.approx(5 / 3, rel=1e-2)
        assert sorted(row[4].split("; ")) == ["0 (2)", "1 (1)"]
        assert float(row[5]) == pytest.approx(3e-16, rel=1e-2)
