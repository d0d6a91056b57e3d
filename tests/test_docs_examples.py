"""What the README and docs/ show a command printing, run as a user runs it and compared with the page.

Each shown block is read from the page itself (so an edit to either side that makes them differ fails here),
and compared line by line where the page quotes whole lines, fragment by fragment in order where it shortens a
line with "...". Tolerated: only what legitimately varies: the largest |numpy - torch| (it depends on the CPU's
kernels, README "Largest |numpy - torch|"), the time a grading took, and where the grader's time limit counts
CPU seconds (a sandbox with a control group) or wall-clock ones. Every bad-input example the docs give is one
line on stderr, nothing on stdout, exit 2.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from compare.cli.main import main as compare_main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"

BODY = """
import numpy as np


def backward(weights, biases, activations, targets):
    B = targets.shape[0]
    A = activations[-1]
    delta = (A - targets) * A * (1 - A){K}
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = activations[l].T @ delta{B}
        db[l] = delta.sum(axis=0, keepdims=True){B}
        if l > 0:
            delta = (delta @ weights[l].T) * activations[l] * (1 - activations[l])
    return dW, db
"""
RIGHT = BODY.format(K="", B=" / B")
PER_OUTPUT = BODY.format(K=" / targets.shape[1]", B=" / B")    # the "mean" loss's delta: divided by K outputs
NOT_AVERAGED = BODY.format(K="", B="")                          # Bob: no average over the batch


def fenced_after(text: str, first_line: str) -> list[str]:
    """The lines of the ``` block whose first line is `first_line`."""
    found = re.search(r"```[a-z]*\n(" + re.escape(first_line) + r"\n.*?)```", text, re.S)
    assert found, f"the page no longer shows a block starting {first_line!r}"
    return found.group(1).splitlines()


def indented_from(text: str, start: str) -> list[str]:
    """The 4-space indented lines from the one starting `start` up to the next blank line, unindented."""
    at = text.index("\n    " + start) + 1
    block = text[at:].split("\n\n")[0]
    return [line[4:] for line in block.splitlines()]


def fragments_in_order(shown: str, printed: str) -> None:
    """Each piece of `shown` between "..." occurs in `printed`, in order (whitespace runs count as one space)."""
    flat = " ".join(printed.split())
    at = 0
    for piece in (" ".join(p.split()) for p in shown.split("...")):
        if piece:
            found = flat.find(piece, at)
            assert found >= 0, f"shown {piece!r} is not what the command prints (after {flat[at:at + 80]!r})"
            at = found + len(piece)


def run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_what_you_see(tmp_path):
    """README "What you see": `python -m compare`, every line; the largest difference is the CPU's."""
    shown = fenced_after(README, "$ python -m compare")
    proc = run(["compare"], tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    printed = proc.stdout.splitlines()
    assert len(printed) == len(shown) - 1
    diff = re.compile(r"= [0-9.e+-]+ \(tolerance")
    for want, got in zip(shown[1:], printed):
        assert diff.sub("= X (tolerance", got) == diff.sub("= X (tolerance", want)


def test_json_output_example(capsys):
    """docs/json-output.md's run object: its keys in order, and every value it shows but the CPU's figures."""
    page = (DOCS / "json-output.md").read_text(encoding="utf-8")
    shown = "\n".join(fenced_after(page, "{"))
    assert compare_main(["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    keys = re.findall(r'^  "([a-z_]+)":', shown, re.M)
    assert keys == list(data)
    for key in ("experiment", "implementation", "mode", "order", "batch_size", "seed", "loss", "conventions",
                "epochs", "updates_per_epoch", "updates", "outputs", "predictions"):
        value = re.search(rf'^  "{key}": (.*?),?$', shown, re.M).group(1)
        assert json.loads(value) == data[key], key
    for pair in json.loads(re.search(r'"loss_log": (\[.*\]),$', shown, re.M).group(1))[:-1]:
        assert pair in data["loss_log"]
    parity_keys = re.findall(r'"([a-z_]+)":', shown[shown.index('"parity"'):])
    assert [k for k in parity_keys if k in data["parity"]] == list(data["parity"])
    environment = shown[shown.index('"environment"') + len('"environment"'):shown.index('"parity"')]
    assert set(re.findall(r'"([a-z]+)":', environment)) == set(data["environment"])


def test_check_ok_line(tmp_path, monkeypatch, capsys):
    """README "Checking your own backprop": a right backward with no keywords, the suite's OK line."""
    shown = " ".join(indented_from(README, "check OK: mine.py agrees"))
    (tmp_path / "mine.py").write_text(RIGHT)
    monkeypatch.chdir(tmp_path)
    assert compare_main(["check", "mine.py"]) == 0
    out = capsys.readouterr().out
    fragments_in_order(shown, out.splitlines()[-1])


def test_check_failure_example(tmp_path, monkeypatch, capsys):
    """README: `check mine.py exercise1` with the output delta divided by K, the failure and its hint."""
    shown = " ".join(indented_from(README, "check FAILED at update 1"))
    assert "`check mine.py exercise1`" in README
    (tmp_path / "mine.py").write_text(PER_OUTPUT)
    monkeypatch.chdir(tmp_path)
    assert compare_main(["check", "mine.py", "exercise1"]) == 1
    fragments_in_order(shown, capsys.readouterr().err)


def test_grade_example(tmp_path):
    """README "Grading a class": the five students, the table line by line, the summary's counts."""
    at = README.index("    $ python -m compare grade submissions")
    block = README[at:].split("\n\n")[0].splitlines()
    command = (block[0] + block[1]).replace("\\", " ").split()[3:]      # after "$ python -m"
    shown = [line[4:] for line in block[2:]]
    subs = tmp_path / "submissions"
    (subs / "carol").mkdir(parents=True)
    (subs / "alice.py").write_text((ROOT / "examples" / "backprop_solution.py").read_text())
    (subs / "bob.py").write_text(NOT_AVERAGED)
    (subs / "carol" / "submission.py").write_text("def backward(weights, biases, activations, targets):\n"
                                                  "    while True:\n        pass\n")
    (subs / "dave.py").write_text("import sys\n\n\ndef backward(weights, biases, activations, targets):\n"
                                  "    sys.exit(0)\n")
    (subs / "erin.py").write_text("def backward(weights, biases, activations, targets)\n    return None\n")
    rubric = tmp_path / "examples" / "gradescope" / "rubric.toml"
    rubric.parent.mkdir(parents=True)
    rubric.write_text((ROOT / "examples" / "gradescope" / "rubric.toml").read_text())
    proc = run(command, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "grades.csv").is_file() and (tmp_path / "grades.json").is_file()
    fragments_in_order(shown[0], proc.stderr)                                   # the header line
    table = [line.rstrip() for line in proc.stdout.splitlines()]
    cpu = "(5 s of CPU time, all its processes together)"
    assert [line.replace(cpu, "(5 s)") for line in table] == [line.replace(cpu, "(5 s)") for line in shown[1:-1]]
    summary = re.compile(r" in [0-9.]+ s$")
    assert summary.sub("", proc.stderr.splitlines()[-1]) == summary.sub("", shown[-1])
    listed = re.search(r"`grades.json` is `(\{.*?\})`", README, re.S).group(1)   # every key the README names
    data = json.loads((tmp_path / "grades.json").read_text())
    bob = data["submissions"][1]
    keys = {*data, *bob, *bob["checks"][2], *bob["checks"][2]["failure"]}
    assert set(re.findall(r'"([a-z_]+)"', listed)) == keys


def test_layers_example(tmp_path, monkeypatch, capsys):
    """docs/layers.md "What it prints": affine right, batchnorm without the mean term, dropout forward only."""
    page = (DOCS / "layers.md").read_text(encoding="utf-8")
    table = fenced_after(page, "layer check: mine.py, 3 layers against the shipped torch recordings (torch not "
                                "needed), ...")
    message = " ".join(fenced_after(page, re.search(r"\nbatchnorm: batchnorm_backward: [^\n]*", page)
                                    .group(0).strip()))
    solution = (ROOT / "examples" / "layers_solution.py").read_text()
    head = solution[:solution.index("def affine_forward")]
    parts = [solution[solution.index(f"def {a}"):solution.index(f"def {b}")] for a, b in
             (("affine_forward", "relu_forward"), ("batchnorm_forward", "batchnorm_backward_alt"),
              ("dropout_forward", "dropout_backward"))]
    text = head + "".join(parts)
    assert text.count("\n    dx = dxmu + dmu / N") == 1                       # the code line, not the docstring's
    (tmp_path / "mine.py").write_text(text.replace("\n    dx = dxmu + dmu / N", "\n    dx = dxmu"))
    monkeypatch.chdir(tmp_path)
    assert compare_main(["check", "mine.py"]) == 1
    out, err = capsys.readouterr()
    printed = out.splitlines()
    fragments_in_order(table[0], printed[0])
    figure = re.compile(r"difference [0-9.e+-]+ ")                               # the CPU's rounding
    assert [figure.sub("difference X ", line.rstrip()) for line in printed[1:]] == \
        [figure.sub("difference X ", line) for line in table[1:]]
    fragments_in_order(message, err)


def test_optimizer_examples(capsys):
    """docs/optimizers.md: the command line it shows runs; a key Adam does not take; explain's Adam formulas."""
    page = (DOCS / "optimizers.md").read_text(encoding="utf-8")
    shown = re.search(r"or on the command line: `python -m compare ([^`]*)`", page).group(1).split()
    assert compare_main([*shown, "--epochs", "20", "--quiet"]) == 0
    capsys.readouterr()
    refusal = re.search(r"\(`(--momentum: optimizer \"adam\"[^`]*)`\)", page).group(1)
    assert compare_main(["--optimizer", "adam", "--momentum", "0.9"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"error: {refusal}\n"
    assert compare_main(["explain", "--optimizer", "adam"]) == 0
    out = capsys.readouterr().out
    formula = re.search(r"\(`(m_W1 <- [^`]*)`", page).group(1)
    assert formula in out and "v_W1" in out and "t_W1" in out


BAD_INPUTS = [     # (where the docs give it, the command, what the one line names)
    ("README report", ["report", "--seeds", "0"], "--seeds 0"),
    ("README report", ["report", "--digits", "18"], "--digits 18"),
    ("README report", ["report", "--lang", "fr"], "--lang fr"),
    ("README report --handout", ["report", "--handout", "--seeds", "3"], "--seeds"),
    ("README explain", ["explain", "--update", "0"], "--update 0"),
    ("README explain", ["explain", "--digits", "18"], "--digits 18"),
    ("README grade", ["grade", "no-such-folder"], "no-such-folder"),
    ("README grade", ["grade", "a.py", "--jobs", "0"], "--jobs"),
    ("README grade", ["grade", "a.py", "--timeout", "0"], "--timeout"),
    ("README grade", ["grade", "a.py", "--memory", "100"], "--memory"),
    ("experiment-format conventions", ["--l2", "-1"], "--l2"),
    ("experiment-format conventions", ["--l2-biases"], "--l2-biases"),
    ("experiment-format conventions", ["--bce-outputs", "sum"], "--bce-outputs"),
    ("experiment-format conventions", ["--bias", "false", "--l2", "0.1", "--l2-biases"], "no biases"),
    ("README SGD", ["--nesterov"], "--nesterov"),
    ("README SGD", ["--momentum", "-1"], "--momentum"),
    ("experiment-format drop_last", ["exercise3", "--mode", "minibatch", "--batch-size", "3", "--order",
                                     "replacement", "--samples-per-epoch", "1", "--drop-last"], "--drop-last"),
    ("experiment-format", ["--epochs", "0"], "--epochs"),
    ("README check", ["check", "no-such-file.py"], "no-such-file.py"),
    ("README record", ["record"], "--out"),
]


@pytest.mark.parametrize("where, args, names", BAD_INPUTS, ids=[" ".join(a) for _, a, _ in BAD_INPUTS])
def test_bad_input_examples(where, args, names, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("a.py").write_text(RIGHT)
    assert compare_main(args) == 2, where
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: ") and err.count("\n") == 1, (where, err)
    assert names in err and os.listdir(".") == ["a.py"], (where, err)


def test_bad_input_files(tmp_path, monkeypatch, capsys):
    """An unknown key names the nearest one; `report --out` a folder of other files; numpy_impl cannot draw
    torch-default: each one line, exit 2, nothing written."""
    from numpy_impl.__main__ import main as numpy_main
    monkeypatch.chdir(tmp_path)
    Path("bad.toml").write_text(textwrap.dedent("""\
        name = "x"
        [network]
        sizez = [2, 1]
        """))
    assert compare_main(["bad.toml"]) == 2
    assert capsys.readouterr().err == "error: bad.toml: network.sizez: unknown key (did you mean `sizes`?)\n"
    Path("other").mkdir()
    Path("other/notes.txt").write_text("mine")
    assert compare_main(["report", "--out", "other"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and sorted(os.listdir("other")) == ["notes.txt"]
    assert numpy_main(["hiring", "--scheme", "torch-default"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "--save-weights w.npz" in err
    assert sorted(os.listdir(".")) == ["bad.toml", "other"]


def test_experiment_files_shown_run(tmp_path, monkeypatch, capsys):
    """The README's minimal experiment file and docs/experiment-format.md's complete one load and train."""
    monkeypatch.chdir(tmp_path)
    for page, after in ((README, "A minimal file:\n\n"), ((DOCS / "experiment-format.md").read_text(encoding="utf-8"),
                                                         "## A complete example\n\n")):
        text = re.search(re.escape(after) + r"```toml\n(.*?)```", page, re.S).group(1)
        Path("shown.toml").write_text(text)
        assert compare_main(["shown.toml", "--epochs", "3", "--quiet"]) == 0
        assert capsys.readouterr().out.startswith("parity OK: 3 updates checked")


def test_rubrics_shown_grade(tmp_path, monkeypatch, capsys):
    """The README's rubrics (`suite = "all"` and the commented one) and docs/layers.md's layer rubric grade a
    right file to full marks."""
    monkeypatch.chdir(tmp_path)
    layers_page = (DOCS / "layers.md").read_text(encoding="utf-8")
    shown = re.findall(r"```toml\n(.*?)```", README, re.S)
    rubrics = [(shown[0], "suite = \"all\"", RIGHT), (shown[1], "[[check]]", RIGHT),
               (re.search(r"```toml\n(.*?)```", layers_page, re.S).group(1), "layer = \"batchnorm\"",
                (ROOT / "examples" / "layers_solution.py").read_text())]
    for text, marks, submission in rubrics:
        assert marks in text
        Path("rubric.toml").write_text(text)
        Path("right.py").write_text(submission)
        assert compare_main(["grade", "right.py", "--rubric", "rubric.toml", "--reference", "numpy",
                             "--sandbox", "none"]) == 0
        out = capsys.readouterr().out
        row = out.splitlines()[1].split()
        assert row[0] == "right.py" and row[2] == "pass" and row[1].split("/")[0] == row[1].split("/")[1], out
