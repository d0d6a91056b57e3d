"""Bad input (issue 2's list): exit 2, one line on stderr naming where/expected/found, nothing on stdout,
nothing written, never a traceback."""

from __future__ import annotations

import re

import pytest

from compare.cli.main import main as compare_main
from compare.experiment.sources import PRESET_DIR

HIRING = (PRESET_DIR / "hiring.toml").read_text()
EX1 = (PRESET_DIR / "exercise1.toml").read_text()


def edit(text, old, new):
    assert old in text, old
    return text.replace(old, new)


FILE_CASES = [
    ("missing required key", edit(HIRING, "lr = 0.1\n", ""), r"train\.lr: missing required key"),
    ("missing section", edit(HIRING, "[init]", "[initial]"), r"initial: unknown key \(did you mean `init`\?\)"),
    ("unknown key", edit(HIRING, "lr = 0.1", "lr = 0.1\nrepor_every = 3"),
     r"train\.repor_every: unknown key \(did you mean `report_every`\?\)"),
    ("seed's 2x1 targets", edit(EX1, "targets = [[1.0, 1.0]]", "targets = [[1], [1]]"),
     r"data\.targets: expected shape 1x2, found shape 2x1"),
    ("1-D inputs", edit(HIRING, "inputs = [[1, 0.1]]", "inputs = [1, 0.1]"),
     r"data\.inputs: expected a 2-D list"),
    ("1-D targets", edit(HIRING, "targets = [[1]]", "targets = [1]"), r"data\.targets: expected a 2-D list"),
    ("sample counts differ", edit(HIRING, "targets = [[1]]", "targets = [[1], [0]]"),
     r"data\.targets: expected shape 1x1, found shape 2x1"),
    ("weights do not fit sizes", edit(HIRING, "[[0.5], [0.5]]]", "[[0.5, 1], [0.5, 1]]]"),
     r"init\.weights\[2\]: expected shape 2x1, found shape 2x2"),
    ("too few weight arrays", edit(HIRING, ", [[0.5], [0.5]]]", "]"),
     r"init\.weights: expected 3 arrays .* found 2 arrays"),
    ("non-finite number", edit(HIRING, "[[1, 0.1]]", "[[1, nan]]"),
     r"data\.inputs\[0\]\[1\]: expected a finite number, found nan"),
    ("infinite weight", edit(HIRING, "[0.2, 0.8]]", "[0.2, inf]]"),
     r"init\.weights\[0\]\[1\]\[1\]: expected a finite number, found inf"),
    ("lr <= 0", edit(HIRING, "lr = 0.1", "lr = 0"), r"train\.lr: expected a number > 0, found 0"),
    ("epochs < 1", edit(HIRING, "epochs = 10000", "epochs = 0"), r"train\.epochs: expected an integer in"),
    ("epochs wrong type", edit(HIRING, "epochs = 10000", 'epochs = "many"'),
     r"train\.epochs: expected an integer, found 'many'"),
    ("report_every < 1", edit(HIRING, "report_every = 1000", "report_every = 0"),
     r"train\.report_every: expected an integer >= 1, found 0"),
    ("negative seed", edit(HIRING, "seed = 0", "seed = -1"), r"train\.seed: expected an integer in 0\.\."),
    ("unknown mode", edit(HIRING, 'mode = "stochastic"', 'mode = "online"'), r"train\.mode: expected one of"),
    ("unknown loss", edit(HIRING, 'loss = "sum"', 'loss = "l1"'), r"train\.loss: expected one of"),
    ("not TOML", "this is [not toml", r"not valid TOML"),
]


@pytest.mark.parametrize("label,text,pattern", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_bad_experiment_files(capsys, tmp_path, label, text, pattern):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out_dir = tmp_path / "plots"
    code = compare_main([str(path), "--out", str(out_dir)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("error: ") and str(path) in err
    assert re.search(pattern, err), err
    assert not out_dir.exists()


FLAG_CASES = [
    (["--lr", "-1"], r"--lr: expected a number > 0, found -1"),
    (["--lr", "abc"], r"argument --lr: invalid float value"),
    (["--epochs", "0"], r"--epochs: expected an integer in 1\.\."),
    (["--report-every", "0"], r"--report-every: expected an integer >= 1"),
    (["exercise3", "--mode", "minibatch", "--batch-size", "5"],
     r"--batch-size: expected an integer in 1\.\.4, found 5"),
    (["exercise3", "--mode", "minibatch", "--batch-size", "0"],
     r"--batch-size: expected an integer in 1\.\.4, found 0"),
    (["--seed", "-2"], r"--seed: expected an integer in 0\.\."),
    (["--mode", "all"], r"--mode all: needs at least 3 samples"),
    (["exercise2", "--mode", "all"], r"--mode all: needs at least 3 samples .* found 2"),
    (["--mode", "online"], r"argument --mode: invalid choice"),
    (["--order", "random"], r"argument --order: invalid choice"),
    (["--loss", "l2"], r"argument --loss: invalid choice"),
    (["--dtype", "float16"], r"argument --dtype: invalid choice"),
    (["hirring"], r"unknown preset `hirring`"),
    (["report.toml"], r"report\.toml: no such file"),
    (["--no-such-flag"], r"unrecognized arguments: --no-such-flag"),
]


@pytest.mark.parametrize("args,pattern", FLAG_CASES, ids=[" ".join(c[0]) for c in FLAG_CASES])
def test_bad_flags(capsys, tmp_path, monkeypatch, args, pattern):
    monkeypatch.chdir(tmp_path)
    code = compare_main(args + ["--out", "plots"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.search(pattern, err), err
    assert list(tmp_path.iterdir()) == []


def test_not_utf8_and_directory(capsys, tmp_path):
    bad = tmp_path / "latin.toml"
    bad.write_bytes("name = \"Zh\xe4ng\"\n".encode("latin-1"))
    assert compare_main([str(bad)]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    assert compare_main([str(folder)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_out_that_is_a_file(capsys, tmp_path):
    target = tmp_path / "taken"
    target.write_text("keep me")
    assert compare_main(["--epochs", "2", "--out", str(target)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"
