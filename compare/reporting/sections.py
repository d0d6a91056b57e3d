"""The report, section by section: the seed's example, its three exercises, its mistakes, the parity proof."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compare.reporting import answers, figures
from compare.reporting.captions import seeds_caption
from compare.reporting.content import RANDOM_VARIANTS, Writer, _dev, _ints, seed_list
from compare.reporting.document import Block, Code, Details, Figure, Para, Table
from compare.reporting.per_update import WINDOW, first_updates
from compare.reporting.runs import Result
from compare.reporting.text_en import TEXT as EN
from compare.reporting.text_zh import TEXT as ZH

TEXTS = {"en": EN, "zh": ZH}


def program(w: Writer, section: str, plan_of: Result, numbers: str = "program_run") -> None:
    """The corrected program of `section`: how to run it, what it prints, the code itself (folded)."""
    t = w.t
    w.heading(3, "program_h")
    text = answers.program_text(section)
    if text is None:
        w.add(Para(t["program_missing"].format(file=f"examples/answers/{answers.PROGRAMS[section]}"), note=True))
        return
    w.add(Para(t[numbers]), Code(answers.command(section, plan_of.plan), "cmd"),
          Details(t["program_details"].format(file=answers.PROGRAMS[section], lines=text.count("\n")),
                  (Code(text),)))


def hiring(w: Writer) -> None:
    t, res = w.t, w.r["hiring/stochastic"]
    w.question("hiring")
    (_, first), (last_epoch, last) = res.loss_log[0], res.loss_log[-1]
    w.add(Para(t["hiring_a"].format(first=w.f(first), last=w.f(last), last_epoch=last_epoch,
                                    output=w.vec(res.outputs), prediction=_ints(res.predictions))))
    w.heading(3, "numbers")
    w.run(t["variant"]["stochastic"], res)
    program(w, "hiring", res)
    w.heading(3, "figures")
    w.loss_figure("hiring", [(w.label("stochastic", res), res)])
    w.map_figure("hiring", [("stochastic", res, 0, False)])


def exercise1(w: Writer) -> None:
    t, res = w.t, w.r["exercise1/stochastic"]
    w.question("exercise1")
    out = res.outputs[0]
    w.add(Para(t["ex1_a"].format(epochs=res.experiment.epochs, out0=w.f(out[0]), out1=w.f(out[1]),
                                 prediction=_ints(res.predictions))))
    w.heading(3, "ex1_accident_h")
    w.bullets(t["ex1_accident"])
    w.heading(3, "numbers")
    w.run(t["variant"]["stochastic"], res)
    program(w, "exercise1", res)
    w.heading(3, "figures")
    w.loss_figure("exercise1", [(w.label("stochastic", res), res)])
    w.map_figure("exercise1", [(None, res, k, False) for k in range(2)])


def exercise2(w: Writer) -> None:
    t = w.t
    sgd, batch = w.r["exercise2/stochastic"], w.r["exercise2/batch"]
    w.question("exercise2")
    w.add(Para(t["ex2_a"].format(
        per_epoch_sgd=sgd.experiment.updates_per_epoch, updates_sgd=sgd.report.numpy.updates,
        loss_sgd=w.f(sgd.final_loss), per_epoch_batch=batch.experiment.updates_per_epoch,
        updates_batch=batch.report.numpy.updates, loss_batch=w.f(batch.final_loss),
        last_epoch=sgd.loss_log[-1][0], pred_sgd=_ints(sgd.predictions), pred_batch=_ints(batch.predictions))))
    ratio = sgd.experiment.updates_per_epoch / batch.experiment.updates_per_epoch
    w.add(Para(t["ex2_faster" if sgd.final_loss < batch.final_loss else "ex2_slower"].format(ratio=ratio)))
    w.heading(3, "numbers")
    w.run(t["variant"]["stochastic_seq"], sgd)
    w.run(t["variant"]["batch"], batch)
    program(w, "exercise2", sgd, "program_run_both")
    w.heading(3, "figures")
    pairs = [(w.label("stochastic_seq", sgd), sgd), (w.label("batch", batch), batch)]
    w.loss_figure("exercise2", pairs, per_update=True)
    w.map_figure("exercise2", [("stochastic_seq", sgd, 0, False), ("batch", batch, 0, False)])


def _seed_runs(w: Writer, variant: str) -> list[Result]:
    return [w.r[f"exercise3/{variant}/seed{s}"] for s in range(w.seeds)]


def seeds_summary(w: Writer, last_epoch: int) -> None:
    """Per random mode: the spread of the final loss over the seeds; every seed's row folded below."""
    t = w.t
    rows = []
    for variant in RANDOM_VARIANTS:
        runs = _seed_runs(w, variant)
        losses = np.array([r.final_loss for r in runs])
        seen: dict[str, int] = {}
        for r in runs:
            seen[_ints(r.predictions)] = seen.get(_ints(r.predictions), 0) + 1
        rows.append((t["variant_short"][variant], str(len(runs)), f"{w.f(losses.min())} ... {w.f(losses.max())}",
                     f"{(losses.max() - losses.min()) / losses.mean():.3g}",
                     "; ".join(f"{p} ({n})" for p, n in sorted(seen.items(), key=lambda kv: -kv[1])),
                     _dev(max(r.report.max_abs_diff for r in runs))))
    w.table((t["mode"], t["seeds"], t["loss_range"].format(epoch=last_epoch), t["loss_spread"],
             t["predictions_seen"], t["largest_dev"]), rows, (False, True, False, True, False, True))
    inner: list[Block] = []
    for variant in RANDOM_VARIANTS:
        inner += [Para(t["variant"][variant]),
                  Table((t["seed"], t["command"], t["final_loss"].format(epoch=last_epoch), t["output"],
                         t["prediction"], t["largest_dev"]),
                        tuple((str(r.plan.seed), f"`{r.plan.command()}`", w.f(r.final_loss), w.vec(r.outputs),
                               _ints(r.predictions), _dev(r.report.max_abs_diff)) for r in _seed_runs(w, variant)),
                        (True, False, True, False, False, True))]
    w.add(Details(t["ex3_seeds_details"].format(runs=len(RANDOM_VARIANTS) * w.seeds), tuple(inner)))


def seeds_figure(w: Writer) -> None:
    ft, t = w.ft, w.t
    images, bands, spreads = [], [], []
    for variant in RANDOM_VARIANTS:
        runs = _seed_runs(w, variant)
        epochs = np.array([ep for ep, _ in runs[0].curve])
        losses = np.array([[v for _, v in r.curve] for r in runs])         # (seeds, points)
        first = np.array([first_updates(r.experiment) for r in runs])     # (seeds, 1 + updates)
        title = ft["fig_seeds_title"].format(variant=w.label(variant, runs[0]), k=len(runs))
        image, path = w.image(f"exercise3_seeds_{variant}",
                              t["fig_seeds_title"].format(variant=w.label(variant, runs[0], text=t), k=len(runs)))
        window = min(WINDOW, runs[0].experiment.epochs)
        bands.append(figures.seed_spread(
            path, title, first, (epochs + 1) * runs[0].experiment.updates_per_epoch, losses,
            (ft["fig_update"], ft["fig_first_updates"].format(epochs=window), ft["fig_loss"], ft["fig_spread"],
             ft["fig_band"], ft["fig_mean" if len(runs) > 1 else "fig_one_seed"]), w.font))
        images.append(image)
        spreads.append(figures.spread_of(losses))
    epochs = min(WINDOW, w.r["exercise3/batch"].experiment.epochs)
    caption = t["cap_seeds_band" if all(bands) else "cap_seeds_one"].format(seeds=seed_list(w.seeds), epochs=epochs)
    if all(bands):        # the lower panels, drawn with two seeds or more
        caption += t["space"] + seeds_caption(t, [t["variant_short"][v] for v in RANDOM_VARIANTS], spreads)
    w.add(Figure(tuple(images), caption))


def numpy_order_table(w: Writer, last_epoch: int) -> None:
    """What exercise3.py prints for its random modes (NumPy's order, seed 0): `numpy_impl` alone."""
    t = w.t
    rows = []
    for variant in RANDOM_VARIANTS:
        run = answers.numpy_order(w.r[f"exercise3/{variant}/seed0"].plan)
        rows.append((t["variant_short"][variant], w.f(run.loss_log[-1][1]), w.vec(run.outputs), _ints(run.predictions)))
    w.add(Para(t["ex3_numpy_order"]),
          Table((t["mode"], t["final_loss"].format(epoch=last_epoch), t["output"], t["prediction"]), tuple(rows),
                (False, True, False, False)))


def exercise3(w: Writer) -> None:
    t = w.t
    batch = w.r["exercise3/batch"]
    first = {v: w.r[f"exercise3/{v}/seed0"] for v in RANDOM_VARIANTS}
    last_epoch = batch.loss_log[-1][0]
    w.question("exercise3")
    w.add(Para(t["ex3_a"].format(last_epoch=last_epoch, loss_batch=w.f(batch.final_loss),
                                 loss_sgd=w.f(first["stochastic"].final_loss),
                                 loss_mini=w.f(first["minibatch"].final_loss),
                                 loss_seed_sgd=w.f(first["seed_sgd"].final_loss))))
    spans = {}
    for variant, key in zip(RANDOM_VARIANTS, ("sgd", "mini", "seed")):
        losses = [r.final_loss for r in _seed_runs(w, variant)]
        spans[f"{key}_min"], spans[f"{key}_max"] = w.f(min(losses)), w.f(max(losses))
    w.add(Para(t["ex3_random"].format(seeds=seed_list(w.seeds), last_epoch=last_epoch, **spans)))
    w.heading(3, "numbers")
    w.run(t["variant"]["batch"], batch)
    for variant in RANDOM_VARIANTS:
        w.run(t["mode_seed"].format(variant=t["variant"][variant], seed=0), first[variant])
    w.heading(4, "ex3_seeds_h")
    seeds_summary(w, last_epoch)
    program(w, "exercise3", batch, "program_run_ex3")
    if answers.program_text("exercise3") is not None:
        numpy_order_table(w, last_epoch)
    w.heading(3, "figures")
    pairs = [(w.label("batch", batch), batch)] + [(w.label(v, first[v], True), first[v]) for v in RANDOM_VARIANTS]
    w.loss_figure("exercise3", pairs, per_update=True)
    seeds_figure(w)
    w.map_figure("exercise3", [("batch", batch, 0, False)] + [(v, first[v], 0, True) for v in RANDOM_VARIANTS])


def mistakes(w: Writer) -> None:
    t = w.t
    w.heading(2, "mistakes_h")
    w.add(Table((t["mistake"], t["fix"]), tuple(t["mistakes"])))


def proof(w: Writer) -> None:
    t, runs = w.t, list(w.r.values())
    w.heading(2, "parity_h")
    worst = max(r.report.max_abs_diff for r in runs)
    w.add(Para(t["parity_text"].format(runs=len(runs), updates=sum(r.report.updates_checked for r in runs),
                                       dev=_dev(worst), tol=runs[0].report.tolerance.describe())))
    keys = {"hiring": [("stochastic", "hiring/stochastic")], "exercise1": [("stochastic", "exercise1/stochastic")],
            "exercise2": [("stochastic_seq", "exercise2/stochastic"), ("batch", "exercise2/batch")],
            "exercise3": [("batch", "exercise3/batch")] + [(v, f"exercise3/{v}/seed0") for v in RANDOM_VARIANTS]}
    images = [w.parity_figure(section, [(w.label(v, w.r[k], "seed" in k), w.r[k]) for v, k in pairs])
              for section, pairs in keys.items()]
    exact = any(np.any(w.r[k].per_update == 0) for pairs in keys.values() for _, k in pairs)
    w.add(Figure(tuple(images), t["parity_zero"] if exact else ""))
    w.heading(2, "reproduce_h")
    w.add(Para(t["reproduce"].format(command=w.command)))


def build(results: dict[str, Result], seeds: int, lang: str, font: str | None, folder: Path,
          command: str, digits: int | None = None) -> list[Block]:
    """Write the figures into `folder/figures` (and the programs into `folder/answers`) and return the
    document's blocks. Plot labels are Chinese only when `lang` is zh and a CJK `font` was found."""
    fig_text = TEXTS[lang] if (lang == "en" or font) else EN
    w = Writer(results, seeds, TEXTS[lang], fig_text, font if lang == "zh" else None, folder, command, digits)
    w.setup()
    if lang == "zh" and not font:
        w.add(Para(TEXTS[lang]["no_cjk_font"], note=True))
    for section in (hiring, exercise1, exercise2, exercise3, mistakes, proof):
        section(w)
    answers.copy_into(folder)
    return w.blocks
