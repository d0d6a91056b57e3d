"""Every caption is true of its figure. Each map caption is parsed sentence by sentence and checked against
the network it draws, recomputed here from the weights that the run's own command saves
(`--save-weights`) with a plain sigmoid forward pass: the colour range it names, that the range is narrow
exactly when it is, the decision boundary in exactly the panels whose output crosses 0.5, and on which side of
0.5 the others stay. The seeds' caption speaks of a band only when a band is drawn (two seeds or more)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from test_report import parse_runs

from compare.cli import main as cli
from compare.reporting import maps
from compare.reporting.text_en import TEXT as EN

SECTIONS = ("hiring", "exercise1", "exercise2", "exercise3")
NEARLY_FLAT = 0.2        # "nearly the same everywhere": the output moves less than this over the square


def captions(md: str) -> dict[str, tuple[list[str], str]]:
    """Per map figure (by section): the panels' labels (from the images' alt text) and the caption."""
    found = {}
    for section in SECTIONS:
        title = EN["fig_map_title"].format(name=EN["section_names"][section])
        alts = [alt.removeprefix(f"{title}: ")
                for alt in re.findall(rf"!\[([^\]]*)\]\(figures/{section}_map\d\.png\)", md)]
        caption = re.search(rf"figures/{section}_map\d\.png\)\n\n\*([^\n]*)\*\n", md).group(1)
        found[section] = (alts, caption)
    return found


def sigmoid_grid(weights: list[np.ndarray], biases: list[np.ndarray], output: int) -> np.ndarray:
    """The network's output over the square the maps draw, by a forward pass written out here."""
    u = np.linspace(-maps.PAD, 1 + maps.PAD, maps.GRID)
    g1, g2 = np.meshgrid(u, u)
    A = np.column_stack([g1.ravel(), g2.ravel()])
    for W, b in zip(weights, biases):
        A = 1 / (1 + np.exp(-(A @ W + b.reshape(1, -1))))
    return A[:, output]


def trained(command: str, tmp_path: Path, capsys) -> tuple[list[np.ndarray], list[np.ndarray]]:
    out = tmp_path / f"w{abs(hash(command))}.npz"
    argv = command.split()[3:] + ["--save-weights", str(out), "--quiet"]
    assert cli.main(argv) == 0
    capsys.readouterr()
    saved = np.load(out)
    layers = len([k for k in saved.files if k.startswith("final_W")])
    return ([saved[f"final_W{i}"] for i in range(1, layers + 1)], [saved[f"final_b{i}"] for i in range(1, layers + 1)])


def panel_outputs(md: str, tmp_path: Path, capsys) -> dict[str, list[np.ndarray]]:
    runs = [r["command"] for r in parse_runs(md)]     # hiring, exercise1, exercise2 x2, exercise3 batch + 3 seed 0
    by_section = {"hiring": [(runs[0], 0)], "exercise1": [(runs[1], 0), (runs[1], 1)],
                  "exercise2": [(runs[2], 0), (runs[3], 0)], "exercise3": [(c, 0) for c in runs[4:8]]}
    return {section: [sigmoid_grid(*trained(command, tmp_path, capsys), out) for command, out in panels]
            for section, panels in by_section.items()}


def named_panels(caption: str, sentence: str, labels: list[str]) -> set[str]:
    """The panels that the caption's sentences of the form `sentence` ("In {panels}, ...") name."""
    pattern = re.escape(sentence).replace(re.escape("{panels}"), "(.*)")
    found = set()
    for part in caption.split(". "):
        match = re.fullmatch(pattern, part.rstrip(".") + ".")
        if match:
            found |= {label for label in labels if label in match.group(1)}
    return found


def test_every_map_caption_is_true_of_its_networks(en_report, tmp_path, capsys):
    md = (en_report / "solutions.md").read_text(encoding="utf-8")
    outputs = panel_outputs(md, tmp_path, capsys)
    for section, (labels, caption) in captions(md).items():
        grids = outputs[section]
        assert len(labels) == len(grids), section
        low, high = min(g.min() for g in grids), max(g.max() for g in grids)
        # the colour range, and "only ... nearly the same" exactly when the output hardly moves
        span = re.search(r"The colours span (only )?([0-9.e-]+) to ([0-9.e-]+)", caption)
        assert span, caption
        shown_low, shown_high = float(span[2]), float(span[3])
        digits = max(len(span[2].replace(".", "").lstrip("0")), len(span[3].replace(".", "").lstrip("0")))
        assert shown_low == pytest.approx(low, rel=10 ** (1 - digits)) and shown_low < shown_high
        assert shown_high == pytest.approx(high, rel=10 ** (1 - digits))
        assert (span[1] is not None) == (high - low < NEARLY_FLAT), (section, low, high)
        assert ("same colour scale" in caption) == (len(grids) > 1)
        # the boundary: said for exactly the panels whose output crosses 0.5
        crossing = {label for label, g in zip(labels, grids) if g.min() < 0.5 < g.max()}
        if EN["cap_map_boundary_all"] in caption:
            said = set(labels)
        else:
            said = named_panels(caption, EN["cap_map_boundary"], labels)
        assert said == crossing, (section, caption)
        assert ("thick line" in caption) == bool(crossing)
        # the others: on the side of 0.5 the caption says
        for side, holds in (("above", lambda g: g.min() > 0.5), ("below", lambda g: g.max() < 0.5)):
            named = (set(labels) if EN[f"cap_map_{side}_all"] in caption
                     else named_panels(caption, EN[f"cap_map_{side}"], labels))
            assert named == {label for label, g in zip(labels, grids) if holds(g)}, (section, side, caption)


def test_exercise1_labels_say_what_its_targets_are(en_report):
    md = (en_report / "solutions.md").read_text(encoding="utf-8")
    labels, caption = captions(md)["exercise1"]
    assert labels == ["ability", "attitude"]
    assert "hire" not in caption and "reject" not in caption


def test_the_seeds_caption_speaks_of_a_band_only_where_one_is_drawn(en_report, zh_report):
    en = (en_report / "solutions.md").read_text(encoding="utf-8")          # seeds 0, 1: a band
    zh = (zh_report[0] / "solutions.md").read_text(encoding="utf-8")       # seed 0 alone: a line
    seeds = re.search(r"figures/exercise3_seeds_seed_sgd\.png\)\n\n\*([^\n]*)\*", en).group(1)
    assert "band spans the lowest to the highest seed" in seeds and "one line per seed" not in en
    zh_seeds = re.search(r"figures/exercise3_seeds_seed_sgd\.png\)\n\n\*([^\n]*)\*", zh).group(1)
    assert "色带" not in zh_seeds and "种子 0" in zh_seeds
    assert "色带" not in zh and "band" not in re.sub(r"figures/.*", "", en.split("## 6.")[0]).replace(
        "band spans", "")


def test_a_single_curve_is_not_said_to_coincide(en_report):
    md = (en_report / "solutions.md").read_text(encoding="utf-8")
    hiring = re.search(r"figures/hiring_loss\.png\)\n\n\*([^\n]*)\*", md).group(1)
    exercise3 = re.search(r"figures/exercise3_loss\.png\)\n\n\*([^\n]*)\*", md).group(1)
    assert EN["cap_loss_styles"] not in hiring and EN["cap_loss_update"] not in hiring
    assert EN["cap_loss_styles"] in exercise3 and EN["cap_loss_update"] in exercise3


def test_the_seeds_spread_sentence_is_true_of_the_runs(en_report, capsys):
    """Per random mode, the caption's spread after the first and the last epoch, and the way it went, against
    each seed's run made again by its own command, logged every epoch (`--json`)."""
    import json
    md = (en_report / "solutions.md").read_text(encoding="utf-8")
    caption = re.search(r"figures/exercise3_seeds_seed_sgd\.png\)\n\n\*([^\n]*)\*", md).group(1)
    runs = json.loads((en_report / "numbers.json").read_text())["runs"]
    for variant in ("stochastic", "minibatch", "seed_sgd"):
        first, last = [], []
        for key in sorted(k for k in runs if k.startswith(f"exercise3/{variant}/seed")):
            argv = re.sub(r"--report-every \d+", "--report-every 1", runs[key]["command"]).split()[3:]
            assert cli.main([*argv, "--json"]) == 0
            log = json.loads(capsys.readouterr().out)["loss_log"]
            first.append(log[0][1])
            last.append(log[-1][1])
        spread = [(max(v) - min(v)) / np.mean(v) for v in (first, last)]
        said = re.search(rf"{re.escape(EN['variant_short'][variant])}, (\S+) after the first epoch and (\S+) after "
                         r"the last \(([^)]*)\)", caption)
        assert said, (variant, caption)
        assert float(said[1]) == pytest.approx(spread[0], rel=0.06) and float(said[2]) == pytest.approx(spread[1],
                                                                                                       rel=0.06)
        trend = EN["spread_shrank"] if spread[1] < spread[0] else EN["spread_grew"]
        assert said[3] == trend.split(" (")[0], (variant, spread, said[3])
    assert "never vanishes" not in md


def test_panel_labels_holding_commas_stay_apart_in_both_languages():
    """A caption's list of panels: labels such as "stochastic, seed 0 (...)" hold commas of their own, so the
    list is joined by "; " (en) and "、" (zh), and a Chinese sentence puts no space inside 在...中."""
    from types import SimpleNamespace as Facts

    from compare.reporting.captions import map_caption
    from compare.reporting.text_zh import TEXT as ZH
    facts = [Facts(boundary=True, contours=True, low=0.4, high=0.6), Facts(boundary=True, contours=True, low=0.45,
                                                                          high=0.55),
             Facts(boundary=False, contours=True, low=0.51, high=0.6)]
    scale = Facts(low=0.4, high=0.6)
    en = map_caption(EN, ["batch (updates/epoch: 1)", "stochastic, seed 0 (updates/epoch: 4)", "SGD, seed 0"], facts,
                     scale)
    assert "In batch (updates/epoch: 1); stochastic, seed 0 (updates/epoch: 4), the thick line" in en
    assert "In SGD, seed 0, the output stays above 0.5" in en
    zh_labels = ["批量（每周期 1 次更新）", "随机，种子 0（每周期 4 次更新）", "随机梯度下降，种子 0"]
    zh = map_caption(ZH, zh_labels, facts, scale)
    assert "在批量（每周期 1 次更新）、随机，种子 0（每周期 4 次更新）中，粗线" in zh
    assert "在随机梯度下降，种子 0中，输出处处大于 0.5" in zh


def test_a_lone_loss_curve_has_no_markers_that_could_pass_for_its_points(en_report):
    """The loss is logged every epoch (or every N), while the markers that tell coinciding curves apart sit
    every seventh point: a lone curve draws none, and no caption calls a marker a point."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from compare.reporting.figures import Series, draw_series
    x = np.arange(50.0)
    for count in (1, 2):
        fig, ax = plt.subplots()
        draw_series(ax, [Series(f"s{i}", x, x * (i + 1)) for i in range(count)])
        assert [line.get_marker() for line in ax.lines] == (["None"] if count == 1 else ["o", "s"])
        plt.close(fig)
    md = (en_report / "solutions.md").read_text(encoding="utf-8")
    hiring = re.search(r"figures/hiring_loss\.png\)\n\n\*([^\n]*)\*", md).group(1)
    assert hiring == EN["cap_loss_1"] and "a point" not in md


def test_parity_figures_keep_each_difference_at_its_height_and_say_where_an_exact_0_is(en_report, capsys):
    """A log scale cannot draw 0: an exact 0 goes a decade below the smallest difference, so that 5e-20 stays
    5e-20 (it was drawn at a fixed 1e-18 floor, as if it were that), and the text says so when there is one;
    checked against the hiring run made again by its own command, logged after every update."""
    import json

    from compare.reporting.figures import Series, parity_floor
    floor = parity_floor([Series("a", np.arange(3.0), np.array([0.0, 5.4e-20, 2.2e-16]))], 1e-12)
    assert floor == pytest.approx(1e-21, rel=1e-9)
    no_zero = parity_floor([Series("a", np.arange(2.0), np.array([3e-16, 2.2e-16]))], 1e-12)
    assert no_zero == pytest.approx(1e-17, rel=1e-9)
    md = (en_report / "solutions.md").read_text(encoding="utf-8")
    command = json.loads((en_report / "numbers.json").read_text())["runs"]["hiring/stochastic"]["command"]
    argv = re.sub(r"--report-every \d+", "--report-every 1", command).split()[3:]
    assert cli.main([*argv, "--json"]) == 0
    log = json.loads(capsys.readouterr().out)["parity"]["max_abs_diff_log"]      # one update an epoch
    assert any(v == 0 for _, v in log), log
    assert EN["parity_zero"] in md
