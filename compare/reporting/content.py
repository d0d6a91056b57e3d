"""The report's content: per exercise the question, the answer in words, the command, the numbers and the
figures, all read from parity-checked runs (`compare.reporting.runs.Result`).

Numbers are printed as `repr(float)`: exactly the values `python -m compare <command> --json` prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from compare.reporting import figures, maps
from compare.reporting.document import Block, Bullets, Contents, Figure, Heading, Image, Para, Table
from compare.reporting.runs import Result
from compare.running.environment import environment

FIG_DIR = "figures"
SECTIONS = ("hiring", "exercise1", "exercise2", "exercise3")
RANDOM_VARIANTS = ("stochastic", "minibatch", "seed_sgd")


def _f(value: float) -> str:
    return repr(float(value))


def _vec(values: np.ndarray) -> str:
    return ", ".join(_f(v) for v in np.ravel(values))


def _ints(values: np.ndarray) -> str:
    return ", ".join(str(int(v)) for v in np.ravel(values))


def _short(values: np.ndarray) -> str:
    return ", ".join(f"{float(v):g}" for v in np.ravel(values))


def _dev(value: float) -> str:
    return f"{value:.3g}"


def question_blocks(t: dict[str, Any], section: str, epochs: int, every: int) -> list[Block]:
    """A section's heading (anchored by its name) and its question, stated with the run's own epochs and
    loss interval: shared by the report and the handout."""
    key = {"exercise1": "ex1", "exercise2": "ex2", "exercise3": "ex3"}.get(section, section)
    return [Heading(2, t[f"{key}_h"], section), Heading(3, t["question"]),
            Para(t[f"{key}_q"].format(epochs=epochs, every=every))]


def seed_list(k: int) -> str:
    return ", ".join(map(str, range(k))) if k <= 10 else f"0 ... {k - 1}"


class Writer:
    """Builds the blocks and the figures of one report in `folder` (figures into `folder/figures`)."""

    def __init__(self, results: dict[str, Result], seeds: int, lang_text: dict[str, Any],
                 fig_text: dict[str, Any], font: str | None, folder: Path, command: str):
        self.r, self.seeds, self.t, self.ft, self.font = results, seeds, lang_text, fig_text, font
        self.folder, self.command = folder, command
        (folder / FIG_DIR).mkdir(exist_ok=True)
        self.blocks: list[Block] = []

    # --- pieces -----------------------------------------------------------------------------------------
    def _mode(self, res: Result) -> str:
        e = res.experiment
        text = e.mode if e.mode == "batch" else f"{e.mode} / {e.resolved_order}"
        if e.mode == "minibatch":
            text += f", batch_size {e.batch_size}"
        if e.resolved_order == "replacement":
            text += f", samples_per_epoch {e.effective_samples_per_epoch}"
        return text + (f", seed {e.seed}" if e.mode != "batch" and e.resolved_order != "sequential" else "")

    def _names(self, text: dict[str, Any], res: Result) -> list[str]:
        return [text["names"].get(n, n) for n in res.experiment.names]

    def run(self, title: str, res: Result) -> None:
        """The numbers of one run: command, mode, loss log, outputs, predictions, parity verdict."""
        t, e, rep = self.t, res.experiment, res.report
        self.blocks += [
            Heading(4, title),
            Para(f"{t['command']}: `{res.plan.command()}`"),
            Para(t["run_line"].format(mode=self._mode(res), per_epoch=e.updates_per_epoch,
                                      updates=rep.numpy.updates)),
            Table((t["epoch"], t["loss"]), tuple((str(ep), _f(v)) for ep, v in res.loss_log), (True, True)),
            Table((t["candidate"], t["input"], t["target"], t["output"], t["prediction"]),
                  tuple((name, _short(x), _short(y), _vec(out), _ints(pred)) for name, x, y, out, pred in
                        zip(self._names(t, res), e.inputs, e.targets, res.outputs, res.predictions))),
            Para(t["parity_ok"].format(updates=rep.updates_checked, dev=_dev(rep.max_abs_diff),
                                       tol=rep.tolerance.describe())),
        ]

    def label(self, variant: str, res: Result, seeded: bool = False) -> str:
        """A short figure label: the variant, its seed when it has one, its updates per epoch."""
        ft = self.ft
        name = ft["variant_short"][variant]
        if seeded:
            name = ft["mode_seed"].format(variant=name, seed=res.experiment.seed)
        return ft["per_epoch"].format(label=name, n=res.experiment.updates_per_epoch)

    def image(self, name: str, alt: str) -> tuple[Image, Path]:
        return Image(f"{FIG_DIR}/{name}.png", alt), self.folder / FIG_DIR / f"{name}.png"

    def loss_figure(self, section: str, series: list[tuple[str, Result]], per_update: bool = False) -> None:
        """The loss per epoch; with `per_update`, also against the update number (a second panel)."""
        ft = self.ft
        title = ft["fig_loss_title"].format(name=ft["section_names"][section])
        image, path = self.image(f"{section}_loss", title)

        def line(label: str, res: Result, by_update: bool) -> figures.Series:
            epochs, values = map(np.array, zip(*res.curve))
            # after epoch e, (e + 1) * updates_per_epoch updates have been made
            return figures.Series(label, (epochs + 1) * res.experiment.updates_per_epoch if by_update else epochs,
                                  values)
        panels = [(ft["fig_epoch"], ft["fig_per_epoch"] if per_update else "",
                   [line(label, res, False) for label, res in series])]
        if per_update:
            panels.append((ft["fig_update"], ft["fig_per_update"], [line(label, res, True) for label, res in series]))
        figures.curves(path, title, panels, ft["fig_loss"], self.font)
        self.blocks.append(Figure((image,), self.t["cap_loss"].format(every=series[0][1].plan.fine_every)))

    def parity_figure(self, section: str, series: list[tuple[str, Result]]) -> Image:
        ft = self.ft
        title = ft["fig_parity_title"].format(name=ft["section_names"][section])
        atol = series[0][1].report.tolerance.atol
        image, path = self.image(f"{section}_parity", title)
        figures.parity(path, title, [figures.Series(label, np.arange(1, len(res.per_update) + 1), res.per_update)
                                     for label, res in series], atol, ft["fig_update"], ft["fig_dev"],
                       ft["fig_tol"].format(atol=atol), self.font)
        return image

    def map_figure(self, section: str, panels: list[tuple[str, Result, int]]) -> None:
        """One map per panel, side by side where the screen allows, stacked on a phone."""
        ft = self.ft
        res0 = panels[0][1]
        title = ft["fig_map_title"].format(name=ft["section_names"][section])
        words = maps.MapWords(ft["map_x"], ft["map_y"], ft["map_colour"], ft["map_boundary"], ft["map_classes"],
                              tuple(self._names(ft, res0)))
        images = []
        for i, (label, res, out) in enumerate(panels):
            image, path = self.image(f"{section}_map{i + 1}", f"{title}: {label}")
            maps.decision_map(path, res0.experiment, maps.Panel(label, res.report.numpy.final_weights,
                                                                res.report.numpy.final_biases, out), words, self.font)
            images.append(image)
        t = self.t        # the caption is page text: the page's language even when the plots fall back to English
        caption = t["fig_map_title"].format(name=t["section_names"][section]) + t["stop"] + t["cap_map"]
        self.blocks.append(Figure(tuple(images), caption))

    def question(self, section: str) -> None:
        """The exercise's heading (with its anchor) and question, in the words of this run's settings."""
        res = self.r["hiring/stochastic"]
        self.blocks += question_blocks(self.t, section, res.experiment.epochs, res.plan.table_every)
        self.blocks.append(Heading(3, self.t["answer"]))

    def add(self, *blocks: Block) -> None:
        self.blocks += blocks

    def heading(self, level: int, key: str) -> None:
        self.blocks.append(Heading(level, self.t[key], key.removesuffix("_h") if level == 2 else ""))

    def setup(self) -> None:
        """Title, introduction, and how every number was produced."""
        t, runs = self.t, list(self.r.values())
        e = runs[0].experiment
        env = environment(e.dtype)
        self.add(Heading(1, t["title"]), Para(t["intro"]), Contents(t["contents"]), Para(t["setup"].format(
            runs=len(runs), updates=sum(r.report.updates_checked for r in runs), lr=f"{e.lr:g}", epochs=e.epochs,
            dtype=e.dtype, seeds=seed_list(self.seeds), python=env["python"], numpy=env["numpy"],
            torch=env["torch"])))

    def bullets(self, items: list[str]) -> None:
        self.blocks.append(Bullets(tuple(items)))

    def table(self, header: tuple[str, ...], rows: list[tuple[str, ...]], numeric: tuple[bool, ...] = ()) -> None:
        self.blocks.append(Table(header, tuple(rows), numeric))
