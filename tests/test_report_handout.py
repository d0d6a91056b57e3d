"""`python -m compare report --handout`: the questions (with the run's epochs), the backward template and how
to check it, in English and Chinese, and no answer: no number of any run, no answer text, no verdict, no
figure. Answer-only options are refused with one line, and nothing is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compare.cli import cmd_report
from compare.reporting.text_en import TEXT as EN
from compare.reporting.text_zh import TEXT as ZH

ROOT = Path(__file__).resolve().parents[1]


def handout(out: Path, *extra: str) -> int:
    return cmd_report.main(["--handout", "--out", str(out), *extra])


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("lang, text", [("en", EN), ("zh", ZH)])
def test_questions_template_and_check_without_answers(tmp_path, en_report, capsys, lang, text):
    out = tmp_path / "handout"
    assert handout(out, "--lang", lang) == 0
    assert listing(out) == [".compare-report", "backprop_template.py", "handout.md", "index.html"]
    md = (out / "handout.md").read_text(encoding="utf-8")
    page = (out / "index.html").read_text(encoding="utf-8")
    for key in ("hiring_h", "ex1_h", "ex2_h", "ex3_h", "handout_template_h", "handout_check_h"):
        assert text[key] in md
    assert text["hiring_q"].format(epochs=10000, every=1000) in md
    assert text["ex3_q"] in md and text["ex1_q"] in md
    template = (ROOT / "examples" / {"en": "backprop_template.py", "zh": "backprop_template_zh.py"}[lang]).read_text(
        encoding="utf-8")
    assert (out / "backprop_template.py").read_text(encoding="utf-8") == template
    assert template.strip() in md and "python -m compare check backprop_template.py" in md
    # no answer: no answer heading or text, no verdict, no figure, no program, no number of any run
    for key in ("answer", "numbers", "figures", "program_h", "ex1_accident_h"):
        assert f"### {text[key]}\n" not in md and f"<h3>{text[key]}</h3>" not in page, key
    for key in ("hiring_a", "ex1_a", "ex2_a", "ex3_a", "ex3_random", "mistakes_h", "parity_h", "parity_ok"):
        fixed = text[key].split("{")[0][:30]
        assert fixed not in md and fixed not in page, key
    assert "<img" not in page and "examples/answers" not in md
    assert "solution" not in md.lower() and "solution" not in page.lower()   # never names (or links) the answer
    report_numbers = set(re.findall(r"\d\.\d{6,}", (en_report / "solutions.md").read_text(encoding="utf-8")))
    assert len(report_numbers) > 100
    assert not re.findall(r"\d\.\d{4,}", md)            # nothing with more digits than the lesson's data
    assert '<html lang="zh-CN">' in page if lang == "zh" else '<html lang="en">' in page


def test_the_questions_use_the_runs_epochs(tmp_path):
    out = tmp_path / "handout"
    assert handout(out, "--epochs", "50") == 0
    md = (out / "handout.md").read_text(encoding="utf-8")
    assert EN["hiring_q"].format(epochs=50, every=5) in md and "10000" not in md
    assert handout(out, "--lang", "zh", "--epochs", "300", "--report-every", "30") == 0   # replaces it
    assert ZH["hiring_q"].format(epochs=300, every=30) in (out / "handout.md").read_text(encoding="utf-8")


def test_the_report_questions_use_the_runs_epochs_too(en_report, zh_report):
    assert EN["hiring_q"].format(epochs=20, every=2) in (en_report / "solutions.md").read_text(encoding="utf-8")
    zh_md = (zh_report[0] / "solutions.md").read_text(encoding="utf-8")
    assert ZH["hiring_q"].format(epochs=10, every=1) in zh_md
    assert ZH["hiring_q"].format(epochs=10000, every=1000) not in zh_md


@pytest.mark.parametrize("args, says", [
    (["--seeds", "3"], "--handout with --seeds"),
    (["--lang", "fr"], "--lang fr"),
    (["--epochs", "0"], "--epochs 0"),
    (["--digits", "0"], "--digits 0"),
    (["--digits", "18"], "--digits 18"),
])
def test_answer_only_or_bad_options_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, args, says):
    assert handout(tmp_path / "handout", *args) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and says in err
    assert listing(tmp_path) == []


def test_a_folder_holding_other_files_is_refused(tmp_path, capsys):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "grades.csv").write_text("precious")
    assert handout(tmp_path / "class") == 2
    assert "holds other files" in capsys.readouterr().err
    assert listing(tmp_path) == ["class", "class/grades.csv"]


def test_a_language_without_a_template_is_refused(tmp_path, capsys, monkeypatch):
    """A language the pages are written in, but whose template this installation lacks: one line, exit 2,
    nothing written (a handout that asks students to fill in a file that is not there is no handout)."""
    from compare.reporting import handout as module
    monkeypatch.setitem(module.TEMPLATES, "zh", "backprop_template_missing.py")
    assert handout(tmp_path / "handout", "--lang", "zh") == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and "--lang zh" in err and "backprop_template_missing.py" in err
    assert listing(tmp_path) == []


def test_the_template_docstring_runs_from_beside_the_handout(tmp_path):
    """The template's own instructions name the file as it lies beside the handout, and no solution."""
    assert handout(tmp_path / "handout") == 0
    text = (tmp_path / "handout" / "backprop_template.py").read_text(encoding="utf-8")
    assert "python -m compare check backprop_template.py" in text
    assert "examples/backprop_template.py" not in text and "solution" not in text.lower()
