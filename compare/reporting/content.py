"""The report's content: per exercise the question, the answer in words, the command, the numbers and the
figures, all read from parity-checked runs (`compare.reporting.runs.Result`).

Numbers are printed as `repr(float)` (exactly the values `python -m compare <command> --json` prints), or
rounded to `digits` significant digits when the report is asked for fewer (`report --digits N`); the data
file beside the report (numbers.json) keeps every digit either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from compare.reporting import figures, maps
from compare.reporting.captions import map_caption
from compare.reporting.document import Block, Bullets, Contents, Figure, Heading, Image, Para, Table
from compare.reporting.runs import Result
from compare.running.environment import environment

FIG_DIR = "figures"
SECTIONS = ("hiring", "exercise1", "exercise2", "exercise3")
RANDOM_VARIANTS = ("stochastic", "minibatch", "seed_sgd")


def _f(value: float, digits: int | None = None) -> str:
    return repr(float(value)) if digits is None else f"{float(value):.{digits}g}"


def _vec(values: np.ndarray, digits: int | None = None) -> str:
    return ", ".join(_f(v, digits) for v in np.ravel(values))


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
                 fig_text: dict[str, Any], font: str | None, folder: Path, command: str, digits: int | None = None):
        self.r, self.seeds, self.t, self.ft, self.font = results, seeds, lang_text, fig_text, font
        self.folder, self.command, self.digits = folder, command, digits
        (folder / FIG_DIR).mkdir(exist_ok=True)
        self.blocks: list[Block] = []

    # --- pieces -----------------------------------------------------------------------------------------
    def f(self, value: float) -> str:
        """A number as the report shows it: every digit, or `digits` significant ones."""
        return _f(value, self.digits)

    def vec(self, values: np.ndarray) -> str:
        return _vec(values, self.digits)

    def _mode(self, res: Result) -> str:
        """The run's mode line, in the page's language (the option names stay: they are what one types)."""
        e, t = res.experiment, self.t
        mode = t["modes"][e.mode]
        text = mode if e.mode == "batch" else f"{mode} / {t['orders'][e.resolved_order]}"
        sep = t["list_sep"]
        if e.mode == "minibatch":
            text += f"{sep}batch_size {e.batch_size}"
        if e.resolved_order == "replacement":
            text += f"{sep}samples_per_epoch {e.effective_samples_per_epoch}"
        random = e.mode != "batch" and e.resolved_order != "sequential"
        return text + (sep + t["seed_is"].format(seed=e.seed) if random else "")

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
            Table((t["epoch"], t["loss"]), tuple((str(ep), self.f(v)) for ep, v in res.loss_log), (True, True)),
            Table((t["candidate"], t["input"], t["target"], t["output"], t["prediction"]),
                  tuple((name, _short(x), _short(y), self.vec(out), _ints(pred)) for name, x, y, out, pred in
                        zip(self._names(t, res), e.inputs, e.targets, res.outputs, res.predictions))),
            Para(t["parity_ok"].format(updates=rep.updates_checked, dev=_dev(rep.max_abs_diff),
                                       tol=rep.tolerance.describe())),
        ]

    def label(self, variant: str, res: Result, seeded: bool = False, text: dict[str, Any] | None = None) -> str:
        """A short figure label: the variant, its seed when it has one, its updates per epoch (in the figures'
        language, or in `text`'s)."""
        ft = text or self.ft
        name = ft["variant_short"][variant]
        if seeded:
            name = ft["mode_seed"].format(variant=name, seed=res.experiment.seed)
        return ft["per_epoch"].format(label=name, n=res.experiment.updates_per_epoch)

    def image(self, name: str, alt: str) -> tuple[Image, Path]:
        return Image(f"{FIG_DIR}/{name}.png", alt), self.folder / FIG_DIR / f"{name}.png"

    def loss_figure(self, section: str, series: list[tuple[str, Result]], per_update: bool = False) -> None:
        """The loss per epoch; with `per_update`, also against the update number (a second panel)."""
        ft, t = self.ft, self.t
        title = ft["fig_loss_title"].format(name=ft["section_names"][section])
        image, path = self.image(f"{section}_loss", t["fig_loss_title"].format(name=t["section_names"][section]))

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
        every = series[0][1].plan.fine_every
        caption = [t["cap_loss"].format(every=every) if every > 1 else t["cap_loss_1"]]
        if per_update:
            caption.append(t["cap_loss_update"])
        if len(series) > 1:
            caption.append(t["cap_loss_styles"])
        self.blocks.append(Figure((image,), t["space"].join(caption)))

    def parity_figure(self, section: str, series: list[tuple[str, Result]]) -> Image:
        ft = self.ft
        title = ft["fig_parity_title"].format(name=ft["section_names"][section])
        atol = series[0][1].report.tolerance.atol
        image, path = self.image(f"{section}_parity",
                                 self.t["fig_parity_title"].format(name=self.t["section_names"][section]))
        figures.parity(path, title, [figures.Series(label, np.arange(1, len(res.per_update) + 1), res.per_update)
                                     for label, res in series], atol, ft["fig_update"], ft["fig_dev"],
                       ft["fig_tol"].format(atol=atol), self.font)
        return image

    def map_figure(self, section: str, panels: list[tuple[str | None, Result, int, bool]]) -> None:
        """One map per panel (variant, run, output, seeded), side by side where the screen allows, stacked on a
        phone; one colour scale for all of them, and a caption made from what the drawn panels show. A panel
        without a variant is one output of the run (exercise 1), named by that output."""
        ft, t = self.ft, self.t
        res0 = panels[0][1]
        page_title = t["fig_map_title"].format(name=t["section_names"][section])

        def name(text: dict[str, Any], variant: str | None, res: Result, out: int, seeded: bool) -> str:
            return text["map_outputs"][out] if variant is None else self.label(variant, res, seeded, text)
        grids = [maps.output_grid(res0.experiment, self._panel("", res, out))[2] for _, res, out, _ in panels]
        scale = maps.Scale.of(grids)
        images, facts, labels = [], [], []
        for i, (variant, res, out, seeded) in enumerate(panels):
            labels.append(name(t, variant, res, out, seeded))
            image, path = self.image(f"{section}_map{i + 1}", page_title + t["label_sep"] + labels[-1])
            _, fact = maps.decision_map(path, res0.experiment, self._panel(name(ft, variant, res, out, seeded), res,
                                                                           out),
                                        self._map_words(section, res0, out), self.font, scale)
            images.append(image)
            facts.append(fact)
        caption = page_title + t["stop"] + map_caption(t, labels, facts, scale)
        self.blocks.append(Figure(tuple(images), caption))

    def _panel(self, label: str, res: Result, out: int) -> maps.Panel:
        return maps.Panel(label, res.report.numpy.final_weights, res.report.numpy.final_biases, out)

    def _map_words(self, section: str, res0: Result, out: int) -> maps.MapWords:
        """The axes, colour bar and legend words of a map: what a target means in this exercise (hire or
        reject for the committee; exercise 1's outputs are ability and attitude, no decision to hire)."""
        ft = self.ft
        if section == "exercise1":
            name = ft["map_outputs"][out]
            classes = (ft["map_class_output"].format(output=name, value=0),
                       ft["map_class_output"].format(output=name, value=1))
            colour = ft["map_colour_output"].format(output=name)
        else:
            classes, colour = ft["map_classes"], ft["map_colour"]
        return maps.MapWords(ft["map_x"], ft["map_y"], colour, ft["map_boundary"], classes,
                             tuple(self._names(ft, res0)))

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
        self.add(Heading(1, t["title"]), Para(t["intro"]), *font_help(t), Contents(t["contents"]),
                 Para(t["setup"].format(
            runs=len(runs), updates=sum(r.report.updates_checked for r in runs), lr=f"{e.lr:g}", epochs=e.epochs,
            dtype=e.dtype, seeds=seed_list(self.seeds), python=env["python"], numpy=env["numpy"],
            torch=env["torch"])))

    def bullets(self, items: list[str]) -> None:
        self.blocks.append(Bullets(tuple(items)))

    def table(self, header: tuple[str, ...], rows: list[tuple[str, ...]], numeric: tuple[bool, ...] = ()) -> None:
        self.blocks.append(Table(header, tuple(rows), numeric))


def font_help(t: dict[str, Any]) -> list[Block]:
    """For a page in a language that needs its own fonts: how to install one, in words a reader without one
    can still read (ASCII), as a side note."""
    return [Para(t["font_help"], note=True)] if t["font_help"] else []
