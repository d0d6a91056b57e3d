"""Every validation message is one line that names the file and the key path (`init.weights[1]`), what was
expected and what was found, also for the absurd: huge and negative numbers, NaN/inf, empty arrays, deep
nesting, bytes that are not UTF-8, a wrong type at any key. (Issue 2's everyday list is test_validation.py.)"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from compare.cli.main import main as compare_main
from compare.errors import ExperimentError
from compare.experiment.sources import PRESET_DIR, load_experiment
from compare.experiment.validate import MAX_PARAMETERS, MAX_UPDATES

HIRING = (PRESET_DIR / "hiring.toml").read_text("utf-8")
ROOT = Path(__file__).resolve().parents[1]


def edit(old: str, new: str) -> str:
    assert old in HIRING, old
    return HIRING.replace(old, new, 1)


def message(tmp_path: Path, content: str | bytes, overrides: dict | None = None) -> str:
    path = tmp_path / "exp.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(ExperimentError) as caught:
        load_experiment(str(path), overrides)
    text = str(caught.value)
    assert "\n" not in text and "\r" not in text, text
    assert text.startswith((str(tmp_path), "override ", "--")), text
    return text


CASES = [
    ("a layer's weights, key path with index", edit("[[0.5], [0.5]]]", "[[0.5], [0.5], [0.5]]]"),
     r"init\.weights\[2\]: expected shape 2x1, found shape 3x1"),
    ("one number inside", edit("[[0.5, 0.0], [0.5, 1.0]]", "[[0.5, 0.0], [0.5, true]]"),
     r"init\.weights\[1\]\[1\]\[1\]: expected a number, found True"),
    ("a bias", edit("[0.1, -0.1]", "[0.1, -inf]"),
     r"init\.biases\[1\]\[0\]\[1\]: expected a finite number, found -inf"),
    ("an integer too big for a float", edit("[[1, 0.1]]", "[[1, " + "9" * 400 + "]]"),
     r"data\.inputs\[0\]\[1\]: expected a finite number, found an integer of about 40\d digits"),
    ("huge epochs", edit("epochs = 10000", "epochs = 99999999999"),
     r"train\.epochs: expected an integer in 1\.\.10000000, found 99999999999"),
    ("negative epochs", edit("epochs = 10000", "epochs = -5"),
     r"train\.epochs: expected an integer in 1\.\.10000000, found -5"),
    ("negative seed", edit("seed = 0", "seed = -1"),
     r"train\.seed: expected an integer in 0\.\.\d+, found -1"),
    ("huge learning rate float", edit("lr = 0.1", "lr = 1e999"), r"train\.lr: expected a finite number, found inf"),
    ("negative learning rate", edit("lr = 0.1", "lr = -0.1"), r"train\.lr: expected a number > 0, found -0\.1"),
    ("nan learning rate", edit("lr = 0.1", "lr = nan"), r"train\.lr: expected a finite number, found nan"),
    ("huge widths", edit("sizes = [2, 2, 2, 1]", "sizes = [2, 100000, 100000, 1]"),
     rf"network\.sizes: expected at most {MAX_PARAMETERS} weights and biases in all, found \[2, 100000, 100000, 1\]"),
    ("a width over the cap", edit("sizes = [2, 2, 2, 1]", "sizes = [2, 2, 200000, 1]"),
     r"network\.sizes\[2\]: expected an integer in 1\.\.100000, found 200000"),
    ("zero width", edit("sizes = [2, 2, 2, 1]", "sizes = [2, 0, 2, 1]"),
     r"network\.sizes\[1\]: expected an integer in 1"),
    ("empty sizes", edit("sizes = [2, 2, 2, 1]", "sizes = []"), r"network\.sizes: expected a list of at least 2"),
    ("empty inputs", edit("inputs = [[1, 0.1]]", "inputs = []"), r"data\.inputs: expected shape Nx2, found shape 0x0"),
    ("empty row", edit("inputs = [[1, 0.1]]", "inputs = [[]]"), r"data\.inputs: expected shape Nx2, found shape 1x0"),
    ("empty weights", edit("[[0.5], [0.5]]]", "[]]"), r"init\.weights\[2\]: expected shape 2x1, found shape 0x0"),
    ("deep nesting", edit("inputs = [[1, 0.1]]", "inputs = " + "[" * 3000 + "]" * 3000),
     r"nested too deeply"),
    ("nesting a little too deep", edit("inputs = [[1, 0.1]]", "inputs = " + "[" * 12 + "1" + "]" * 12),
     r"data\.inputs\[0\](\[0\])+: nested more than 8 levels deep"),
    ("a key with a newline", edit("[train]", '[train]\n"lr\\n" = 1'), r'train\."lr\\n": unknown key'),
    ("a typo", edit("report_every = 1000", "report_evry = 1000"),
     r"train\.report_evry: unknown key \(did you mean `report_every`\?\)"),
    ("a table where a number goes", edit("lr = 0.1", "lr = {value = 0.1}"),
     r"train\.lr: expected a number, found \{'value': 0\.1\}"),
    ("a date", edit("lr = 0.1", "lr = 1979-05-27"), r"train\.lr: expected a number, found datetime\.date"),
    ("a section that is a number", HIRING.replace("[network]\n", "network = 3\n[nothing]\n"),
     r"not valid TOML|network"),
]


@pytest.mark.parametrize("label, content, pattern", CASES, ids=[c[0] for c in CASES])
def test_message_names_key_expected_and_found(tmp_path, label, content, pattern):
    assert re.search(pattern, message(tmp_path, content)), message(tmp_path, content)


def test_not_utf8_names_the_byte(tmp_path):
    raw = HIRING.encode("utf-8")
    text = message(tmp_path, raw[:40] + b"\xff\xfe" + raw[40:])
    assert text.endswith(": not UTF-8 (byte 40)")


def test_total_updates_are_bounded(tmp_path):
    text = message(tmp_path, edit("[train]", '[train]\norder = "replacement"'),
                   {"epochs": 10_000_000, "samples_per_epoch": 1000})
    assert text == (f"override samples_per_epoch: expected at most {MAX_UPDATES} updates in all (epochs x "
                    "updates per epoch), found 10000000 x 1000 = 10000000000")


def test_a_nul_in_a_csv_name_is_one_line(tmp_path):
    content = edit("inputs = [[1, 0.1]]\ntargets = [[1]]",
                   'csv = "a\\u0000.csv"\ninput_columns = ["a"]\ntarget_columns = ["b"]')
    assert "data.csv: " in message(tmp_path, content) and "not a valid file name" in message(tmp_path, content)


def test_a_csv_with_nul_bytes_is_one_line(tmp_path):
    (tmp_path / "d.csv").write_bytes(b"a,b,t\n1,\x00,1\n")
    content = edit("inputs = [[1, 0.1]]\ntargets = [[1]]",
                   'csv = "d.csv"\ninput_columns = ["a", "b"]\ntarget_columns = ["t"]')
    assert "d.csv" in message(tmp_path, content)


WRONG = {"int": 3, "float": 2.5, "negative": -7, "huge": 10**18, "bool": True, "string": "x", "list": [1],
         "empty list": [], "table": {"a": 1}, "nan": float("nan")}
KEYS = {"network": ["sizes", "activation", "hidden_activation", "output_activation", "leaky_slope"],
        "init": ["weights", "biases", "scheme"], "data": ["inputs", "targets", "names"],
        "train": ["lr", "epochs", "report_every", "mode", "order", "batch_size", "samples_per_epoch", "drop_last",
                  "seed", "loss", "dtype", "momentum", "dampening", "nesterov", "weight_decay", "maximize", "device"]}


def toml(value) -> str:
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


@pytest.mark.parametrize("section, key", [(s, k) for s, keys in KEYS.items() for k in keys])
def test_a_wrong_type_at_any_key_names_that_key(tmp_path, section, key):
    """Every key, every wrong type: the result loads (a value that happens to be valid) or the message names
    this key (or, for init keys, init itself: a scheme and weights together)."""
    for label, value in WRONG.items():
        doc = tomllib.loads(HIRING)
        doc[section][key] = value
        path = tmp_path / "exp.toml"
        path.write_text("\n".join(f"{k} = {toml(v)}" for k, v in doc.items()), "utf-8")
        try:
            load_experiment(str(path))
        except ExperimentError as exc:
            msg = str(exc)
            assert "\n" not in msg
            assert f"{section}.{key}" in msg or (section == "init") or "not valid TOML" in msg, (label, msg)


def test_the_command_line_prints_one_line_for_absurd_flags():
    """A real process: no traceback for absurd flag values."""
    for flags in (["--epochs", "1" * 5000], ["--lr", "1e999"], ["--batch-size", "-3", "--mode", "minibatch"],
                  ["--samples-per-epoch", "10000000", "--order", "replacement", "--epochs", "10000000"]):
        proc = subprocess.run([sys.executable, "-m", "compare", "exercise3", *flags], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 2 and proc.stdout == "", (flags, proc.stderr)
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: "), proc.stderr


def test_in_process_cli_errors_are_one_line(capsys):
    for argv in (["hiring", "--lr", "nan"], ["no/such.toml"], ["hiring\nx"], ["hiring", "--init", "a\nb.npz"]):
        assert compare_main(argv) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1, err
