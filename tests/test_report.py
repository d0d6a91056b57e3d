"""`python -m compare report`: the report builds quickly with few epochs, its HTML parses and embeds valid
PNGs, every number it prints is what torch computes for its command (tests/torch_oracle.py), the zh report is
Chinese, and bad input or an interruption leaves nothing behind (and the previous report untouched)."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import struct
import warnings
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from conftest import QUICK_REPORT as QUICK
from torch_oracle import PRESETS, torch_train

from compare.cli import cmd_report
from compare.cli import main as cli
from compare.errors import ParityError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def build(out: Path, *extra: str) -> int:
    return cmd_report.main(["--out", str(out), *extra])


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; fails on anything that is not a PNG."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


class Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.sources.append(dict(attrs)["src"])


def test_html_parses_and_every_image_is_an_embedded_png(en_report):
    page = Images()
    page.feed((en_report / "index.html").read_text(encoding="utf-8"))
    page.close()
    assert "table" in page.tags and "h2" in page.tags
    assert len(page.sources) == 20   # a loss figure per exercise, 9 map panels, 3 seed figures, 4 parity plots
    for src in page.sources:
        assert src.startswith("data:image/png;base64,"), "the page must open from disk, alone"
        width, height = png_size(base64.b64decode(src.split(",", 1)[1], validate=True))
        assert width > 100 and height > 100
    assert not re.search(r"(src|href)=\"https?:", (en_report / "index.html").read_text(encoding="utf-8"))


def test_markdown_images_exist_beside_it(en_report):
    md = (en_report / "solutions.md").read_text(encoding="utf-8")
    paths = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(paths) == 20
    for rel in paths:
        data = (en_report / rel).read_bytes()
        assert len(data) > 1000
        png_size(data)
    # the same content: every heading of the Markdown is in the HTML
    page = (en_report / "index.html").read_text(encoding="utf-8")
    for heading in re.findall(r"^#+ (.+)$", md, flags=re.M):
        assert heading.replace("'", "&#x27;") in page


def parse_runs(md: str) -> list[dict]:
    """Each run block: its command, per-epoch/total updates, loss table, outputs, predictions, deviation."""
    runs = []
    blocks = md.split("\nCommand: `")[1:]
    for block in blocks:
        command, rest = block.split("`", 1)
        per_epoch, updates = map(int, re.search(r"(\d+) update\(s\) per epoch, (\d+) updates", rest).groups())
        tables, current = [], []
        for line in rest.split("Parity:")[0].splitlines():
            if line.startswith("| ---"):
                continue                                    # a table's alignment row
            if line.startswith("| "):
                current.append([c.strip() for c in line.strip("|").split(" | ")])
            elif current:
                tables.append(current)
                current = []
        loss, candidates = tables[0][1:], tables[1][1:]
        dev = float(re.search(r"largest \|numpy - torch\| = ([0-9.e+-]+)", rest).group(1))
        runs.append({"command": command, "updates_per_epoch": per_epoch, "updates": updates,
                     "loss_log": [[int(e), float(v)] for e, v in loss],
                     "outputs": [[float(x) for x in row[3].split(", ")] for row in candidates],
                     "predictions": [[int(x) for x in row[4].split(", ")] for row in candidates],
                     "max_abs_diff": dev})
    return runs


def parse_seed_rows(md: str) -> list[dict]:
    rows = []
    for line in md.splitlines():
        m = re.match(r"\| (\d+) \| `(python -m compare [^`]+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", line)
        if m:
            rows.append({"seed": int(m[1]), "command": m[2], "loss": float(m[3]),
                         "outputs": [[float(x)] for x in m[4].split(", ")],
                         "predictions": [[int(x)] for x in m[5].split(", ")], "max_abs_diff": float(m[6])})
    return rows


def json_of(command: str, capsys) -> dict:
    """`python -m compare ... --json`, through the CLI's own entry point."""
    argv = command.split()
    assert argv[:3] == ["python", "-m", "compare"]
    capsys.readouterr()
    assert cli.main(argv[3:] + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def oracle_of(command: str) -> dict:
    """The run a report command names, recomputed by tests/torch_oracle.py (torch autograd, torch.optim.SGD, a
    DataLoader seeded as the command says), never by the harness. Defaults are the presets': stochastic, order
    shuffle for exercise 3 and sequential for exercise 2; batch mode one batch of every sample."""
    flags = dict(zip(command.split()[4::2], command.split()[5::2]))
    preset = command.split()[3]
    n = len(PRESETS[preset][0])
    mode = flags.get("--mode", "stochastic")
    batch_size = {"batch": n, "stochastic": 1}.get(mode) or int(flags["--batch-size"])
    order = "sequential" if mode == "batch" else flags.get("--order",
                                                            "sequential" if preset == "exercise2" else "shuffle")
    samples = int(flags["--samples-per-epoch"]) if "--samples-per-epoch" in flags else None
    return torch_train(preset, epochs=int(flags["--epochs"]), report_every=int(flags["--report-every"]),
                       batch_size=batch_size, order=order, seed=int(flags.get("--seed", 0)),
                       samples_per_epoch=samples)


# The report prints losses and outputs with every digit (repr); torch here and the harness compute the same
# formulas in another order (measured: at most 2 ulp apart over 20 epochs), so 1e-13 relative is tight.
CLOSE = 1e-13


def test_every_number_equals_an_independent_torch_run(en_report, capsys):
    md = (en_report / "solutions.md").read_text(encoding="utf-8")
    runs = parse_runs(md)
    assert len(runs) == 8       # hiring, exercise1, exercise2 x2, exercise3 batch + three modes at seed 0
    assert {r["command"].split()[3] for r in runs} == {"hiring", "exercise1", "exercise2", "exercise3"}
    for run in runs:
        oracle = oracle_of(run["command"])
        assert [e for e, _ in run["loss_log"]] == [e for e, _ in oracle["loss_log"]] == list(range(0, 20, 2))
        np.testing.assert_allclose([v for _, v in run["loss_log"]], [v for _, v in oracle["loss_log"]],
                                   rtol=CLOSE, atol=0, err_msg=run["command"])
        np.testing.assert_allclose(run["outputs"], oracle["outputs"], rtol=CLOSE, atol=0, err_msg=run["command"])
        assert run["predictions"] == oracle["predictions"].tolist(), run["command"]
        assert run["updates"] == oracle["updates"] == 20 * run["updates_per_epoch"], run["command"]
        # the deviation is printed with 3 significant digits: exactly the command's own figure, and tiny
        theirs = json_of(run["command"], capsys)["parity"]["max_abs_diff"]
        assert run["max_abs_diff"] == float(f"{theirs:.3g}") and run["max_abs_diff"] < 1e-14, run["command"]
    per_epoch = {r["command"]: r["updates_per_epoch"] for r in runs}
    assert per_epoch["python -m compare exercise2 --mode stochastic --order sequential --epochs 20 "
                     "--report-every 2"] == 2
    assert per_epoch["python -m compare exercise2 --mode batch --epochs 20 --report-every 2"] == 1
    assert per_epoch["python -m compare exercise3 --mode minibatch --batch-size 2 --seed 0 --epochs 20 "
                     "--report-every 2"] == 2
    assert per_epoch["python -m compare exercise3 --mode stochastic --order replacement --samples-per-epoch 1 "
                     "--seed 0 --epochs 20 --report-every 2"] == 1


def test_every_seed_row_equals_an_independent_torch_run(en_report, capsys):
    rows = parse_seed_rows((en_report / "solutions.md").read_text(encoding="utf-8"))
    assert sorted(r["seed"] for r in rows) == [0, 0, 0, 1, 1, 1]     # three random modes x seeds 0, 1
    for row in rows:                                                 # seed 0 included
        assert f"--seed {row['seed']} " in row["command"]           # the row's seed is its command's
        oracle = oracle_of(row["command"])
        assert row["loss"] == pytest.approx(oracle["loss_log"][-1][1], rel=CLOSE, abs=0), row["command"]
        np.testing.assert_allclose(row["outputs"], oracle["outputs"], rtol=CLOSE, atol=0, err_msg=row["command"])
        assert row["predictions"] == oracle["predictions"].tolist(), row["command"]
        theirs = json_of(row["command"], capsys)["parity"]["max_abs_diff"]
        assert row["max_abs_diff"] == float(f"{theirs:.3g}") and row["max_abs_diff"] < 1e-14, row["command"]
    # the seeds differ: randomness the seed lesson asks for, reproducibly
    by_mode = {}
    for row in rows:
        by_mode.setdefault(row["command"].split("--seed")[0], set()).add(row["loss"])
    assert all(len(losses) == 2 for losses in by_mode.values())


def test_zh_report_is_chinese(zh_report):
    out, caught = zh_report
    md = (out / "solutions.md").read_text(encoding="utf-8")
    page = (out / "index.html").read_text(encoding="utf-8")
    for heading in ("反向传播代码实践：参考答案", "实验题 1：去掉总裁这一层",
                    "为什么原答案中 2x1 的真值数组只是碰巧可用", "实验题 2：", "实验题 3：批量、随机与小批量梯度下降",
                    "原课程代码中的错误及我们的改正"):
        assert heading in md and heading in page
    assert '<html lang="zh-CN">' in page
    assert "| 周期 | 损失 |" in md and "张三" in md
    assert not [m for m in caught if "Glyph" in m and "missing" in m], "tofu: a glyph without a font"
    assert md.count("\n命令: `python -m compare ") == 8


def test_zh_without_a_cjk_font_warns_once_and_replaces_the_previous_report(en_report, tmp_path, monkeypatch,
                                                                          capsys):
    """Plot labels fall back to English (no tofu), with one warning line; the text stays Chinese. The new
    report replaces the previous one in the same folder, stale files included."""
    monkeypatch.setattr(cmd_report, "cjk_font", lambda: None)
    out = tmp_path / "report"
    shutil.copytree(en_report, out)
    (out / "figures" / "stale.png").write_bytes(b"old")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert build(out, "--lang", "zh", "--epochs", "5", "--seeds", "1") == 0
    stdout, err = capsys.readouterr()
    assert len(err.splitlines()) == 1 and err.startswith("warning:") and "fonts-noto-cjk" in err
    assert not [w for w in caught if "Glyph" in str(w.message)], "Chinese labels drawn without a CJK font"
    assert f"{out}/" in stdout and str(out / "index.html") in stdout
    assert not (out / "figures" / "stale.png").exists()
    md = (out / "solutions.md").read_text(encoding="utf-8")
    assert "实验题 1" in md and "--epochs 5" in md
    assert "整个数据集上的损失" in md and "颜色" in md      # captions are page text: Chinese
    assert "fonts-noto-cjk" in md.split("目录")[1].split("##")[0]      # and the page says how to get the font
    assert sorted(os.listdir(tmp_path)) == ["report"]          # no temporary or old folder left beside it


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("args, says", [
    (["--lang", "fr"], "--lang fr: unknown language"),
    (["--seeds", "0"], "--seeds 0"),
    (["--seeds", "-3"], "--seeds -3"),
    (["--epochs", "0"], "epochs"),
    (["--report-every", "0"], "--report-every 0"),
    (["--bogus"], "unrecognized arguments"),
])
def test_bad_options_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, args, says):
    assert build(tmp_path / "report", *args) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and says in err
    assert listing(tmp_path) == []


def test_out_that_is_a_file_or_holds_other_files_is_refused(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert build(tmp_path / "notes.txt", *QUICK) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    assert build(tmp_path / "mine", *QUICK) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "holds other files" in err
    assert listing(tmp_path) == ["mine", "mine/thesis.tex", "notes.txt"]


def test_the_current_folder_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert build(Path(".")) == 2
    assert "current folder" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_out_is_refused(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert build(locked / "report", *QUICK) == 2
        assert build(locked, *QUICK) == 2
        assert len(capsys.readouterr().err.splitlines()) == 2
        assert listing(locked) == []
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("failure, code", [(KeyboardInterrupt(), 130), (ParityError("update 3: W2[1, 0]"), 1)])
def test_a_failed_run_keeps_the_previous_report(en_report, tmp_path, monkeypatch, capsys, failure, code):
    previous = tmp_path / "report"
    shutil.copytree(en_report, previous)
    before = {p: p.read_bytes() for p in previous.rglob("*") if p.is_file()}

    def fail(*args, **kwargs):
        raise failure
    monkeypatch.setattr("compare.reporting.runs.run_all", fail)
    assert build(previous, *QUICK) == code
    assert {p: p.read_bytes() for p in previous.rglob("*") if p.is_file()} == before
    assert sorted(os.listdir(tmp_path)) == ["report"]          # no temporary folder left beside it
