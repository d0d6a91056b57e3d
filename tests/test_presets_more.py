"""The `xor` and `blobs` presets (xor really learns; blobs is what its generator makes, the size the issue
asks for, and runs in lockstep quickly), and the rest of issue 4's bad-input list through the CLI."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pytest
import torch

from compare.cli.main import main as compare_main
from compare.experiment.presets import blobs
from compare.experiment.sources import PRESET_DIR, load_experiment
from numpy_impl.__main__ import main as numpy_main


def test_blobs_file_is_what_the_generator_makes():
    X, T = blobs.generate()
    assert (PRESET_DIR / "blobs.csv").read_text(encoding="utf-8") == blobs.to_csv(X, T)
    assert blobs.main(["--check"]) == 0


def test_blobs_shape_and_classes():
    e = load_experiment("blobs")
    assert e.sizes == (64, 32, 16, 10) and e.n_samples >= 1000 and e.inputs.shape[1] == 64
    assert e.loss == "cross_entropy" and e.output_activation == "softmax"
    assert e.mode == "minibatch" and e.effective_batch_size == 32
    assert set(np.unique(e.targets)) == {0.0, 1.0} and (e.targets.sum(axis=1) == 1).all()
    assert (e.targets.sum(axis=0) == 100).all()                          # 10 balanced classes
    X, _ = blobs.generate(seed=1)
    assert not np.array_equal(X, e.inputs)                               # the seed matters


def test_blobs_full_run_in_lockstep_and_learns(capsys):
    start = time.perf_counter()
    assert compare_main(["blobs", "--json"]) == 0
    seconds = time.perf_counter() - start
    result = json.loads(capsys.readouterr().out)
    assert result["parity"]["ok"] and result["updates"] == 20 * 32
    e = load_experiment("blobs")
    accuracy = (np.array(result["predictions"]) == e.targets).all(axis=1).mean()
    assert accuracy >= 0.95, accuracy
    assert result["loss_log"][-1][1] < result["loss_log"][0][1] / 10
    assert seconds < 60, f"a full blobs parity run took {seconds:.0f} s"


@pytest.mark.parametrize("mode", ["batch", "minibatch"])   # stochastic too, but 8,000 updates: see README
def test_xor_really_learns_in_both_implementations(capsys, mode):
    assert compare_main(["xor", "--mode", mode, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["parity"]["ok"]
    assert result["predictions"] == [[0], [1], [1], [0]]
    outputs = np.array(result["outputs"])[:, 0]
    assert outputs[[1, 2]].min() > 0.9 and outputs[[0, 3]].max() < 0.1     # not just on the right side of 0.5
    assert numpy_main(["xor", "--mode", mode, "--json"]) == 0             # NumPy alone, its own order
    assert json.loads(capsys.readouterr().out)["predictions"] == [[0], [1], [1], [0]]


def test_xor_needs_the_hidden_layer(capsys, tmp_path):
    """The negative control: without a hidden layer (a single sigmoid unit) XOR is not learnable."""
    text = (PRESET_DIR / "xor.toml").read_text().replace("sizes = [2, 3, 1]", "sizes = [2, 1]")
    path = tmp_path / "xor_linear.toml"
    path.write_text(text)
    assert compare_main([str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["predictions"] != [[0], [1], [1], [0]]


XOR = (PRESET_DIR / "xor.toml").read_text()


def edit(text, old, new):
    assert old in text, old
    return text.replace(old, new)


FILE_CASES = [
    ("unknown activation", edit(XOR, 'hidden_activation = "tanh"', 'hidden_activation = "gelu"'),
     r"network\.hidden_activation: expected one of .*found 'gelu'"),
    ("softmax hidden", edit(XOR, 'hidden_activation = "tanh"', 'hidden_activation = "softmax"'),
     r"network\.hidden_activation: expected one of .*found 'softmax'"),
    ("softmax without cross_entropy", edit(XOR, 'output_activation = "sigmoid"', 'output_activation = "softmax"'),
     r"network\.output_activation: softmax needs loss = \"cross_entropy\", found loss = \"bce\""),
    ("cross_entropy without softmax", edit(XOR, 'loss = "bce"', 'loss = "cross_entropy"'),
     r"train\.loss: cross_entropy needs output_activation = \"softmax\", found \"sigmoid\""),
    ("bce without sigmoid", edit(XOR, 'output_activation = "sigmoid"', 'output_activation = "tanh"'),
     r"train\.loss: bce needs output_activation = \"sigmoid\", found \"tanh\""),
    ("bce target above 1", edit(XOR, "[[0], [1], [1], [0]]", "[[0], [1], [1.5], [0]]"),
     r"data\.targets\[2\]\[0\]: expected a target in \[0, 1\] for loss \"bce\", found 1\.5"),
    ("bce target below 0", edit(XOR, "[[0], [1], [1], [0]]", "[[0], [-1], [1], [0]]"),
     r"data\.targets\[1\]\[0\]: expected a target in \[0, 1\] for loss \"bce\", found -1\.0"),
    ("cross_entropy not one-hot", edit(edit(edit(edit(XOR, "[2, 3, 1]", "[2, 3, 2]"),
                                                 "[[0], [1], [1], [0]]", "[[1, 0], [0, 1], [0.5, 0.5], [1, 0]]"),
                                            'output_activation = "sigmoid"', 'output_activation = "softmax"'),
                                       'loss = "bce"', 'loss = "cross_entropy"'),
     r"data\.targets\[2\]: expected a one-hot row for loss \"cross_entropy\", found \[0\.5, 0\.5\]"),
    ("unknown init scheme", edit(XOR, 'scheme = "xavier-uniform"', 'scheme = "orthogonal"'),
     r"init\.scheme: expected one of .*found 'orthogonal'"),
    ("negative momentum", edit(XOR, "lr = 0.5", "lr = 0.5\nmomentum = -0.9"),
     r"train\.momentum: expected a number >= 0, found -0\.9"),
    ("negative weight decay", edit(XOR, "lr = 0.5", "lr = 0.5\nweight_decay = -1e-4"),
     r"train\.weight_decay: expected a number >= 0, found -0\.0001"),
    ("dampening with nesterov", edit(XOR, "lr = 0.5", "lr = 0.5\nmomentum = 0.9\ndampening = 0.5\nnesterov = true"),
     r"train\.nesterov: Nesterov momentum requires a momentum and zero dampening"),
    ("unknown device", edit(XOR, "lr = 0.5", 'lr = 0.5\ndevice = "tpu"'), r"train\.device: expected one of"),
    ("leaky slope not a number", edit(XOR, 'hidden_activation = "tanh"', 'hidden_activation = "leaky_relu"\n'
                                      'leaky_slope = "small"'), r"network\.leaky_slope: expected a number"),
]


@pytest.mark.parametrize("label,text,pattern", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_bad_experiment_files(capsys, tmp_path, label, text, pattern):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out_dir = tmp_path / "plots"
    assert compare_main([str(path), "--out", str(out_dir), "--save-weights", str(tmp_path / "w.npz")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"error: {path}: "), err
    assert re.search(pattern, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


FLAG_CASES = [
    (["--activation", "swish"], r"argument --activation: invalid choice: 'swish'"),
    (["--hidden-activation", "softmax"], r"argument --hidden-activation: invalid choice: 'softmax'"),
    (["--output-activation", "softmax"], r"--output-activation: softmax needs loss = \"cross_entropy\""),
    (["--loss", "cross_entropy"], r"--loss: cross_entropy needs output_activation = \"softmax\""),
    (["--scheme", "lecun"], r"argument --scheme: invalid choice: 'lecun'"),
    (["--momentum", "-1"], r"--momentum: expected a number >= 0, found -1"),
]


@pytest.mark.parametrize("args,pattern", FLAG_CASES, ids=[" ".join(a) for a, _ in FLAG_CASES])
def test_bad_flags(capsys, tmp_path, monkeypatch, args, pattern):
    monkeypatch.chdir(tmp_path)
    assert compare_main(["xor"] + args + ["--out", "plots"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.search(pattern, err), err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("how", ["flag", "file"])
def test_cuda_without_cuda_exit_2(capsys, tmp_path, how):
    args = ["xor", "--device", "cuda"]
    if how == "file":
        path = tmp_path / "gpu.toml"
        path.write_text(edit(XOR, "lr = 0.5", 'lr = 0.5\ndevice = "cuda"'))
        args = [str(path)]
    out_dir = tmp_path / "plots"
    assert compare_main(args + ["--out", str(out_dir), "--save-weights", str(tmp_path / "w.npz")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    where = "--device" if how == "flag" else f"{tmp_path / 'gpu.toml'}: train.device"
    assert err.startswith(f"error: {where}: expected a device this machine has") and 'found "cuda"' in err, err
    assert not out_dir.exists() and not (tmp_path / "w.npz").exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cuda_parity(capsys, dtype):
    assert compare_main(["exercise3", "--device", "cuda", "--dtype", dtype, "--mode", "minibatch", "--epochs", "100",
                         "--momentum", "0.9", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["parity"]["ok"]
    assert compare_main(["blobs", "--device", "cuda", "--dtype", dtype, "--epochs", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["parity"]["ok"]
