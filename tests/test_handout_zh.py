"""The Chinese handout gives students a Chinese template: `report --handout --lang zh` writes
examples/backprop_template_zh.py beside itself (as backprop_template.py, the name its commands use). Its
docstrings and comments are Chinese; its interface is the English template's (same functions, same
arguments, the same TODO lines in the same order); filled in with the reference answer's formulas it passes
`python -m compare check` exactly as the English one does, and a wrong fill-in fails. Neither it nor the
handout names the solution."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from compare.cli import cmd_report

ROOT = Path(__file__).resolve().parents[1]
EN = ROOT / "examples" / "backprop_template.py"
ZH = ROOT / "examples" / "backprop_template_zh.py"
CJK = re.compile(r"[\u4e00-\u9fff]")
TODO = re.compile(r"^(?P<indent>\s*)(?P<target>\S+) = None  # TODO.*$", re.MULTILINE)

# The reference answer's formulas for the template's case (sigmoid everywhere, loss "sum"), one per TODO line in
# order: the output layer's delta, dW[l], db[l], delta one layer down. The two loop lines are the solution's
# own (checked below); the solution writes the output delta and the slope through helpers, spelled out here.
RIGHT = ["(A_L - targets) * A_L * (1 - A_L)", "A_prev.T @ delta / B", "delta.sum(axis=0, keepdims=True) / B",
         "(delta @ weights[l].T) * A_prev * (1 - A_prev)"]


def fill(template: str, bodies: list[str]) -> str:
    """The template with its TODO lines, in order, replaced by `bodies`."""
    lines = iter(bodies)
    filled = TODO.sub(lambda m: f"{m['indent']}{m['target']} = {next(lines)}", template)
    assert next(lines, None) is None, "fewer TODO lines than bodies"
    return filled


def check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "compare", "check", str(path), "--quiet"], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def signature(tree: ast.Module) -> list[tuple]:
    """Every top-level function: name, argument names and defaults; plus the module's imports."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            a = node.args
            found.append((node.name, [x.arg for x in a.posonlyargs], [x.arg for x in a.args],
                          [ast.dump(d) for d in a.defaults], [x.arg for x in a.kwonlyargs],
                          [ast.dump(d) for d in a.kw_defaults if d is not None], a.vararg and a.vararg.arg,
                          a.kwarg and a.kwarg.arg))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            found.append(ast.dump(node))
    return found


def comments(source: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.COMMENT]


def docstrings(tree: ast.Module) -> list[str]:
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]
    return [ast.get_docstring(n) for n in nodes]


def test_the_zh_handout_writes_the_chinese_template_beside_itself(tmp_path):
    out = tmp_path / "handout"
    assert cmd_report.main(["--handout", "--lang", "zh", "--out", str(out)]) == 0
    zh = ZH.read_text(encoding="utf-8")
    assert (out / "backprop_template.py").read_text(encoding="utf-8") == zh
    assert "python -m compare check backprop_template.py" in zh      # its commands name it as it lies there
    md = (out / "handout.md").read_text(encoding="utf-8")
    assert zh.strip() in md and EN.read_text(encoding="utf-8").strip() not in md
    # the English handout keeps the English template
    assert cmd_report.main(["--handout", "--lang", "en", "--out", str(tmp_path / "en")]) == 0
    assert (tmp_path / "en" / "backprop_template.py").read_text(encoding="utf-8") == EN.read_text(encoding="utf-8")


def test_the_chinese_template_speaks_chinese():
    source = ZH.read_text(encoding="utf-8")
    tree = ast.parse(source)
    for doc in docstrings(tree):
        assert doc and len(CJK.findall(doc)) > 40
        prose = [line for line in doc.splitlines() if not line.strip().startswith("python -m")]
        english = [line for line in prose if re.search(r"\b[A-Za-z]{2,}( [A-Za-z]{2,}){3}\b", line)]
        assert not english, f"English prose left in a docstring: {english}"
    zh, en = comments(source), comments(EN.read_text(encoding="utf-8"))
    assert len(zh) == len(en) > 10                       # every English comment has its Chinese one
    untranslated = [c for c in zh if c != "# TODO" and not CJK.search(c)]
    assert not untranslated, untranslated
    message = next(n for n in ast.walk(tree) if isinstance(n, ast.Raise)).exc.args[0].value
    assert CJK.search(message) and "TODO" in message
    # the lesson's own words, as the seed writes them
    for word in ("权值", "偏置", "样本", "真值", "误差", "偏导", "求平均", "sigmoid 的导数", "输出层"):
        assert word in source, word


def test_the_interface_is_the_english_templates():
    en_source, zh_source = EN.read_text(encoding="utf-8"), ZH.read_text(encoding="utf-8")
    en, zh = ast.parse(en_source), ast.parse(zh_source)
    assert signature(zh) == signature(en)
    assert [x[0] for x in signature(zh) if isinstance(x, tuple)] == ["backward"]
    assert [m["target"] for m in TODO.finditer(zh_source)] == [m["target"] for m in TODO.finditer(en_source)] == [
        "delta", "dW[l]", "db[l]", "delta"]
    # the same code once comments and docstrings are gone: only the words differ
    def code(tree: ast.Module) -> str:
        for node in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
            if ast.get_docstring(node) is not None:
                node.body = node.body[1:]
        for node in ast.walk(tree):                      # the NotImplementedError's message is words too
            if isinstance(node, ast.Raise):
                node.exc.args = []
        return ast.dump(tree)
    assert code(zh) == code(en)


def test_the_filled_bodies_are_the_solutions():
    solution = (ROOT / "examples" / "backprop_solution.py").read_text(encoding="utf-8")
    for target, body in zip(["dW[l]", "db[l]"], RIGHT[1:3], strict=True):
        assert f"{target} = {body}" in solution
    assert "(delta @ weights[l].T) * derivative(hidden_activation, A_prev" in solution
    assert '"sigmoid": lambda A: A * (1 - A)' in solution
    assert "return (A_L - T) * derivative(output_activation, A_L" in solution


@pytest.mark.parametrize("template", [EN, ZH], ids=["en", "zh"])
def test_a_right_fill_in_passes_check_and_a_wrong_one_fails(tmp_path, template):
    pytest.importorskip("torch")
    source = template.read_text(encoding="utf-8")
    unfilled = check(template)
    assert unfilled.returncode == 2 and "backward is not implemented yet" in unfilled.stderr
    right = tmp_path / "right.py"
    right.write_text(fill(source, RIGHT), encoding="utf-8")
    done = check(right)
    assert done.returncode == 0 and "check OK" in done.stdout, done.stderr
    wrong = tmp_path / "wrong.py"                          # the seed's sign: T - A instead of dL/dA
    wrong.write_text(fill(source, ["(targets - A_L) * A_L * (1 - A_L)", *RIGHT[1:]]), encoding="utf-8")
    failed = check(wrong)
    assert failed.returncode == 1 and "check OK" not in failed.stdout


def test_the_zh_handout_never_names_the_solution(tmp_path):
    out = tmp_path / "handout"
    assert cmd_report.main(["--handout", "--lang", "zh", "--out", str(out)]) == 0
    for name in ("handout.md", "index.html", "backprop_template.py"):
        text = (out / name).read_text(encoding="utf-8").lower()
        assert "solution" not in text and "answers/" not in text and "参考答案" not in text, name
    assert "solution" not in ZH.read_text(encoding="utf-8").lower()
