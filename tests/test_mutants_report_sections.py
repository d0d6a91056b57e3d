"""The report's numbers and sentences in-process (compare/reporting/sections.py: exercise 2, the seeds
summary, the proof; compare/reporting/runs.py), without a report run per mutant: the report's own plans run
for 20 epochs and 2 seeds, exercise 2's losses against the seed lesson's script (tests/seed_oracle.py), the
update counts by hand; then hand-made results whose numbers are chosen so that every branch of a sentence
and every order of a table shows.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest

from tests.seed_oracle import seed_train

pytest.importorskip("torch")

from compare.reporting import sections  # noqa: E402
from compare.reporting.plan import Settings, plan_runs  # noqa: E402
from compare.reporting.runs import Result, run_all  # noqa: E402
from compare.reporting.text_en import TEXT  # noqa: E402

EPOCHS, SEEDS = 20, 2
TABLE_EVERY = 2                    # ten table rows: 20 // 10
# updates per epoch by hand: hiring 1 sample, exercise 1 one, exercise 2 two (stochastic 2, batch 1),
# exercise 3 four (batch 1; per seed: stochastic 4, mini-batches of 2: 2, the seed's SGD one sample: 1)
PER_EPOCH = {"hiring/stochastic": 1, "exercise1/stochastic": 1, "exercise2/stochastic": 2, "exercise2/batch": 1,
             "exercise3/batch": 1, "stochastic": 4, "minibatch": 2, "seed_sgd": 1}


class Progress:
    def __init__(self):
        self.advanced, self.described = 0, []

    def advance(self, step: int, loss: float | None = None) -> None:
        self.advanced += step

    def describe(self, key: str) -> None:
        self.described.append(key)


@pytest.fixture(scope="module")
def results():
    plans = plan_runs(Settings(SEEDS, EPOCHS))
    progress = Progress()
    out = run_all(plans, [p.experiment() for p in plans], progress=progress, jobs=1)
    return plans, out, progress


def _writer(runs: dict, seeds: int = SEEDS):
    """The Writer's text pieces (the report's own number format: every digit), figures left out."""
    found: list = []
    w = SimpleNamespace(t=TEXT, r=runs, seeds=seeds, digits=None, f=lambda v: repr(float(v)),
                        vec=lambda vs: ", ".join(repr(float(v)) for v in np.ravel(vs)),
                        table=lambda head, rows, numeric=(): found.append(("table", head, rows, numeric)),
                        add=lambda *blocks: found.extend(blocks),
                        heading=lambda level, key: found.append(("heading", level, key)),
                        question=lambda s: None, run=lambda *a: None,
                        loss_figure=lambda s, pairs, per_update=False: found.append(("loss", s, per_update)),
                        map_figure=lambda s, panels: found.append(("map", s, [(v, o, seeded) for v, _, o, seeded
                                                                               in panels])),
                        label=lambda v, r, seeded=False: f"{v}{r.plan.seed}",
                        parity_figure=lambda s, series: found.append(("figure", s, [lab for lab, _ in series])),
                        command="python -m compare report")
    return w, found


def _paras(found) -> list[str]:
    return [b.text for b in found if hasattr(b, "text") and isinstance(b.text, str)]


def test_run_all_runs_every_plan_and_counts_every_update(results):
    plans, out, progress = results
    assert list(out) == [p.key for p in plans] and len(out) == 5 + 3 * SEEDS
    per_seed = {f"exercise3/{v}/seed{s}": PER_EPOCH[v] for v in ("stochastic", "minibatch", "seed_sgd")
                for s in range(SEEDS)}
    for key, res in out.items():
        n = {**PER_EPOCH, **per_seed}[key] * EPOCHS
        assert res.report.updates_checked == res.report.numpy.updates == n, key
        assert len(res.per_update) == n
        assert [e for e, _ in res.loss_log] == list(range(0, EPOCHS, TABLE_EVERY)), key
        assert res.final_loss == res.loss_log[-1][1]
        assert len(res.curve) >= len(res.loss_log)
    assert progress.advanced == sum(PER_EPOCH.values()) * EPOCHS - sum(PER_EPOCH[v] for v in (
        "stochastic", "minibatch", "seed_sgd")) * EPOCHS + sum(per_seed.values()) * EPOCHS
    assert progress.described == list(out)


def _seed_exercise2(**kwargs) -> dict[int, float]:
    from compare.experiment.sources import load_experiment
    e = load_experiment("exercise2", {}, None)
    log, _ = seed_train(np.array(e.inputs), np.array(e.targets), list(e.init_weights), list(e.init_biases),
                        lr=e.lr, epochs=EPOCHS, report=TABLE_EVERY, **kwargs)
    return dict(log)


def test_exercise2s_sentence_holds_the_seed_scripts_losses_and_counts(results):
    _, out, _ = results
    w, found = _writer(out)
    sections.exercise2(w)
    text = " ".join(_paras(found))
    m = re.search(r"(\d+) updates an epoch, (\d+) in all, loss ([0-9.e-]+) at epoch (\d+).*?(\d+) update an "
                  r"epoch, (\d+) in all, loss ([0-9.e-]+) at epoch (\d+)", text, re.S)
    assert m, text
    assert [int(m.group(k)) for k in (1, 2, 4, 5, 6, 8)] == [2, 2 * EPOCHS, 18, 1, EPOCHS, 18]
    assert float(m.group(3)) == pytest.approx(_seed_exercise2(batch_size=1)[18], rel=1e-12, abs=0)
    assert float(m.group(7)) == pytest.approx(_seed_exercise2(full_batch=True)[18], rel=1e-12, abs=0)


def _fake(key: str, loss: float, *, per_epoch: int = 1, updates: int = 10, dev: float = 1e-16,
          prediction=(1, 0), seed: int | None = None):
    plan = SimpleNamespace(seed=seed, key=key, command=lambda: f"run {key}", flags=(), preset="exercise2",
                           table_every=2)
    report = SimpleNamespace(max_abs_diff=dev, updates_checked=updates, tolerance=SimpleNamespace(
        describe=lambda: "atol 1e-12 + rtol 1e-09 x |torch|"), numpy=SimpleNamespace(updates=updates))
    return SimpleNamespace(plan=plan, report=report, final_loss=loss, loss_log=[(0, 9.0), (18, loss)],
                           per_update=np.full(updates, dev),
                           predictions=np.array(prediction), outputs=np.array([0.5, 0.25]),
                           experiment=SimpleNamespace(updates_per_epoch=per_epoch, seed=seed))


@pytest.mark.parametrize("sgd_loss, batch_loss, faster", [(0.1, 0.2, True), (0.3, 0.2, False), (0.2, 0.2, False)])
def test_faster_or_slower_follows_the_two_final_losses(sgd_loss, batch_loss, faster):
    runs = {"exercise2/stochastic": _fake("s", sgd_loss, per_epoch=4, updates=80, prediction=(1, 1)),
            "exercise2/batch": _fake("b", batch_loss, per_epoch=1, updates=20, prediction=(0, 1))}
    w, found = _writer(runs)
    sections.exercise2(w)
    text = " ".join(_paras(found))
    assert (f"4 updates an epoch, 80 in all, loss {sgd_loss!r} at epoch 18" in text and
            f"1 update an epoch, 20 in all, loss {batch_loss!r} at epoch 18" in text), text
    assert "(1, 1) one sample at a time, (0, 1) both together" in text
    sentence_faster = "one update per sample learns faster here: it takes 4 times as many steps"
    sentence_slower = "the single averaged update per epoch ends lower, although one update per sample takes 4 times"
    assert (sentence_faster in text) is faster and (sentence_slower in text) is not faster


def test_the_ratio_of_updates_is_a_quotient():
    """3 updates an epoch against 2: 1.5 times as many (not 6, not 1)."""
    runs = {"exercise2/stochastic": _fake("s", 0.1, per_epoch=3, updates=60),
            "exercise2/batch": _fake("b", 0.2, per_epoch=2, updates=40)}
    w, found = _writer(runs)
    sections.exercise2(w)
    assert "it takes 1.5 times as many steps of the same learning rate" in " ".join(_paras(found))


def _seed_runs(losses: list[float], predictions: list[tuple[int, ...]], devs: list[float]) -> dict:
    return {f"exercise3/{v}/seed{s}": _fake(f"{v}{s}", loss + 10 * k, prediction=predictions[s], dev=devs[s] * (k + 1),
                                            seed=s)
            for k, v in enumerate(("stochastic", "minibatch", "seed_sgd"))
            for s, loss in enumerate(losses)}


def test_the_seeds_summary_rows_by_hand():
    """Losses 2, 1, 6 (+ 10 per mode): lowest, highest, spread (high - low) / mean; predictions seen most
    first; the largest deviation, not the first nor the smallest."""
    runs = _seed_runs([2.0, 1.0, 6.0, 3.0], [(1, 0), (0, 0), (1, 0), (1, 0)], [1e-16, 7e-16, 2e-16, 0.0])
    w, found = _writer(runs, seeds=4)
    sections.seeds_summary(w, 18)
    [(_, head, rows, numeric)] = [f for f in found if isinstance(f, tuple) and f[0] == "table"]
    assert head[2] == "loss at epoch 18, lowest ... highest" and head[3] == "(highest - lowest) / mean"
    assert [r[0] for r in rows] == [TEXT["variant_short"][v] for v in ("stochastic", "minibatch", "seed_sgd")]
    for k, row in enumerate(rows):
        low, high, mean = 1.0 + 10 * k, 6.0 + 10 * k, 3.0 + 10 * k
        assert row[1] == "4" and row[2] == f"{low!r} ... {high!r}"
        assert float(row[3]) == pytest.approx((high - low) / mean, rel=2e-3, abs=0)
        assert row[4] == "1, 0 (3); 0, 0 (1)"
        assert float(row[5]) == pytest.approx(7e-16 * (k + 1), rel=1e-2, abs=0)
    details = [b for b in found if hasattr(b, "summary")]
    assert len(details) == 1 and "12" in details[0].summary        # 3 modes x 4 seeds
    per_seed = [b for b in details[0].blocks if hasattr(b, "rows")]
    assert len(per_seed) == 3 and all(len(t.rows) == 4 for t in per_seed)
    assert [r[0] for r in per_seed[1].rows] == ["0", "1", "2", "3"] and per_seed[1].rows[2][2] == "16.0"
    assert per_seed[0].rows[1][5] == "7e-16" and per_seed[0].rows[1][1] == "`run stochastic1`"


def test_the_seeds_summary_over_the_report_runs(results):
    _, out, _ = results
    w, found = _writer(out)
    sections.seeds_summary(w, 18)
    [(_, _, rows, _)] = [f for f in found if isinstance(f, tuple) and f[0] == "table"]
    for row, v in zip(rows, ("stochastic", "minibatch", "seed_sgd")):
        losses = [out[f"exercise3/{v}/seed{s}"].loss_log[-1][1] for s in range(SEEDS)]
        assert row[2] == f"{min(losses)!r} ... {max(losses)!r}"
        assert float(row[3]) == pytest.approx(float(f"{(max(losses) - min(losses)) / np.mean(losses):.3g}"), abs=0)


def test_the_proof_counts_every_run_and_update_and_names_the_worst_deviation():
    keys = ["hiring/stochastic", "exercise1/stochastic", "exercise2/stochastic", "exercise2/batch",
            "exercise3/batch"] + [f"exercise3/{v}/seed0" for v in ("stochastic", "minibatch", "seed_sgd")]
    runs = {k: _fake(k, 0.1, updates=10 * (i + 1), dev=[3e-17, 4e-16, 0.0, 1e-16, 2e-16, 5e-17, 9e-17, 1e-17][i],
                     seed=0 if "seed" in k else None) for i, k in enumerate(keys)}
    w, found = _writer(runs)
    sections.proof(w)
    text = " ".join(_paras(found))
    assert text.startswith("8 runs, 360 updates, every weight and bias compared after each: the largest difference "
                           "anywhere was 4e-16 (tolerance atol 1e-12 + rtol 1e-09 x |torch|)"), text
    figures = [f for f in found if isinstance(f, tuple) and f[0] == "figure"]
    assert [(s, len(labels)) for _, s, labels in figures] == [("hiring", 1), ("exercise1", 1), ("exercise2", 2),
                                                             ("exercise3", 4)]
    assert "`python -m compare report`" in text


def test_a_results_properties_read_the_report_at_the_tables_epochs():
    plan = SimpleNamespace(table_every=3)
    history = SimpleNamespace(loss_log=[(0, 4.0), (1, 3.5), (3, 3.0), (5, 2.5), (6, 2.0), (7, 1.5)],
                              outputs=np.array([[0.75]]), predictions=np.array([[1]]))
    report = SimpleNamespace(numpy=history, per_update=np.array([1e-17, 2e-17, 3e-17, 0.0, 0.0]), updates_checked=3)
    r = Result(plan, None, report)
    assert r.loss_log == [(0, 4.0), (3, 3.0), (6, 2.0)] and r.final_loss == 2.0
    assert r.curve == history.loss_log
    assert list(r.per_update) == [1e-17, 2e-17, 3e-17]
    assert r.outputs is history.outputs and r.predictions is history.predictions


def _kinds(found, *kinds):
    return [f[1:] for f in found if isinstance(f, tuple) and f[0] in kinds]


def test_the_sections_structure_headings_figures_and_right_aligned_numbers():
    """Sections 2-5 of the report are level 2 (their questions), their parts level 3; the proof and
    "reproduce" are sections 6 and 7 (level 2). Exercise 2's loss figure is per update (the question compares
    one update per sample with one per batch), its maps one output each, unseeded. Numbers are right-aligned:
    the seed counts, the spread, the deviations and the per-seed final losses."""
    runs = {"exercise2/stochastic": _fake("s", 0.1, per_epoch=2), "exercise2/batch": _fake("b", 0.2)}
    w, found = _writer(runs)
    sections.exercise2(w)
    assert _kinds(found, "heading") == [(3, "numbers"), (3, "program_h"), (3, "figures")]
    assert _kinds(found, "loss", "map") == [("exercise2", True),
                                            ("exercise2", [("stochastic_seq", 0, False), ("batch", 0, False)])]
    runs = _seed_runs([2.0, 1.0], [(1, 0), (0, 0)], [1e-16, 2e-16])
    w, found = _writer(runs, seeds=2)
    sections.seeds_summary(w, 18)
    [(_, _, numeric)] = _kinds(found, "table")
    assert numeric == (False, True, False, True, False, True)        # mode, seeds, range, spread, seen, deviation
    per_seed = [t for b in found if hasattr(b, "summary") for t in b.blocks if hasattr(t, "rows")]
    assert all(t.numeric == (True, False, True, False, False, True) for t in per_seed)   # seed, loss, deviation
    keys = ["hiring/stochastic", "exercise1/stochastic", "exercise2/stochastic", "exercise2/batch",
            "exercise3/batch"] + [f"exercise3/{v}/seed0" for v in ("stochastic", "minibatch", "seed_sgd")]
    w, found = _writer({k: _fake(k, 0.1, seed=0) for k in keys})
    sections.proof(w)
    assert _kinds(found, "heading") == [(2, "parity_h"), (2, "reproduce_h")]


def test_jobs_run_the_plans_in_processes_with_the_same_numbers_and_one_plan_here():
    """--jobs 2 on two plans: the same numbers as in this process, the progress advanced by every update at
    once (no per-plan description from the workers); one plan, or jobs left at 1: run here, plan by plan."""
    plans = plan_runs(Settings(1, 4))[:2]
    experiments = [p.experiment() for p in plans]
    total = sum(e.total_updates for e in experiments)
    here, there, one = Progress(), Progress(), Progress()
    alone = run_all(plans, experiments, progress=here)
    parallel = run_all(plans, experiments, progress=there, jobs=2)
    single = run_all(plans[:1], experiments[:1], progress=one, jobs=2)
    assert here.described == [p.key for p in plans] and there.described == [] and one.described == [plans[0].key]
    assert here.advanced == there.advanced == total == 4 * 2
    for key in alone:
        assert alone[key].loss_log == parallel[key].loss_log
        assert (alone[key].outputs == parallel[key].outputs).all()
    assert single[plans[0].key].loss_log == alone[plans[0].key].loss_log
