"""`[data] csv = ...` with input_columns / target_columns, relative to the experiment file: the same
experiment as inline arrays; every broken CSV exits 2 with one line naming the file, and writes nothing."""

from __future__ import annotations

import re

import numpy as np
import pytest

from compare.cli.main import main as compare_main
from compare.experiment.sources import load_experiment

HEADER_TOML = """name = "csvtest"
[network]
sizes = [2, 2, 1]
[init]
scheme = "xavier-uniform"
[data]
csv = "data/points.csv"
input_columns = ["study", "practice"]
target_columns = ["hired"]
[train]
lr = 0.5
epochs = 3
mode = "batch"
"""
GOOD_CSV = "name,study,practice,hired\nZhang San,1,0.1,1\nLi Si,0.1,1,0\n\nWang Wu, 0.1 ,0.1,0\n"


def write(tmp_path, csv_text: str | None = GOOD_CSV, toml_text: str = HEADER_TOML):
    (tmp_path / "exp").mkdir()
    path = tmp_path / "exp" / "csvtest.toml"
    path.write_text(toml_text)
    if csv_text is not None:
        (tmp_path / "exp" / "data").mkdir()
        (tmp_path / "exp" / "data" / "points.csv").write_text(csv_text)
    return path


def test_csv_equals_inline_arrays(tmp_path, monkeypatch):
    path = write(tmp_path)
    monkeypatch.chdir(tmp_path)           # relative to the experiment file, not to the working folder
    e = load_experiment(str(path))
    np.testing.assert_array_equal(e.inputs, [[1, 0.1], [0.1, 1], [0.1, 0.1]])   # blank line skipped, cells trimmed
    np.testing.assert_array_equal(e.targets, [[1], [0], [0]])
    (tmp_path / "inline").mkdir()
    inline = write(tmp_path / "inline", None, HEADER_TOML.replace(
        'csv = "data/points.csv"\ninput_columns = ["study", "practice"]\ntarget_columns = ["hired"]',
        "inputs = [[1, 0.1], [0.1, 1], [0.1, 0.1]]\ntargets = [[1], [0], [0]]"))
    f = load_experiment(str(inline))
    np.testing.assert_array_equal(e.inputs, f.inputs)
    np.testing.assert_array_equal(e.targets, f.targets)


def test_csv_experiment_runs_in_lockstep(tmp_path, capsys):
    path = write(tmp_path)
    assert compare_main([str(path), "--json", "--epochs", "40"]) == 0
    import json
    result = json.loads(capsys.readouterr().out)
    assert result["parity"]["ok"] and result["updates"] == 40 and len(result["outputs"]) == 3


def test_blobs_reads_its_csv():
    e = load_experiment("blobs")
    assert e.inputs.shape == (1000, 64) and e.targets.shape == (1000, 10)


BAD = [
    ("missing file", None, HEADER_TOML, r"data\.csv: .*points\.csv: no such file"),
    ("missing column", GOOD_CSV.replace("hired", "hire"), HEADER_TOML, r"points\.csv: no column `hired`"),
    ("non-numeric cell", GOOD_CSV.replace("Li Si,0.1,1,0", "Li Si,0.1,lots,0"), HEADER_TOML,
     r"points\.csv: line 3, column `practice`: expected a number written in ASCII digits"),
    ("empty cell", GOOD_CSV.replace("Li Si,0.1,1,0", "Li Si,0.1,,0"), HEADER_TOML,
     r"points\.csv: line 3, column `practice`: expected a number written in ASCII digits"),
    ("ragged row", GOOD_CSV.replace("Li Si,0.1,1,0", "Li Si,0.1,1,0,7"), HEADER_TOML,
     r"points\.csv: line 3: expected 4 cells, found 5"),
    ("short row", GOOD_CSV.replace("Li Si,0.1,1,0", "Li Si,0.1,1"), HEADER_TOML,
     r"points\.csv: line 3: expected 4 cells, found 3"),
    ("non-finite cell", GOOD_CSV.replace("Li Si,0.1,1,0", "Li Si,0.1,inf,0"), HEADER_TOML,
     r"data\.inputs\[1\]\[1\]: expected a finite number, found inf"),
    ("empty file", "", HEADER_TOML, r"points\.csv: empty CSV file"),
    ("columns not a list", GOOD_CSV, HEADER_TOML.replace('["hired"]', '"hired"'),
     r"data\.target_columns: expected a non-empty list of column names"),
    ("too many input columns", GOOD_CSV, HEADER_TOML.replace('["study", "practice"]', '["study", "practice", "hired"]'),
     r"data\.inputs: expected shape Nx2, found shape 3x3"),
    ("csv and inline both", GOOD_CSV, HEADER_TOML.replace('[data]', '[data]\ninputs = [[1, 2]]'),
     r"data\.csv: give either csv or inputs \+ targets, not both"),
    ("bce target out of [0, 1]", GOOD_CSV.replace("Li Si,0.1,1,0", "Li Si,0.1,1,2"),
     HEADER_TOML.replace('mode = "batch"', 'mode = "batch"\nloss = "bce"'),
     r"data\.targets\[1\]\[0\]: expected a target in \[0, 1\] for loss \"bce\", found 2\.0"),
]


@pytest.mark.parametrize("label,csv_text,toml_text,pattern", BAD, ids=[c[0] for c in BAD])
def test_bad_csv_exit_2(capsys, tmp_path, label, csv_text, toml_text, pattern):
    path = write(tmp_path, csv_text, toml_text)
    out_dir = tmp_path / "plots"
    assert compare_main([str(path), "--out", str(out_dir), "--save-weights", str(tmp_path / "w.npz")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("error: ") and str(tmp_path / "exp") in err, err
    assert re.search(pattern, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp"]
