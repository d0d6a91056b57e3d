"""Choosing an optimizer in an experiment: torch's keys and defaults, --show round trips, refusals in one line
with torch's words, and the optimizer carried through JSON, explain, the standalone runners and recordings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from compare.cli.main import main as compare_main
from compare.errors import ExperimentError
from compare.experiment.sources import PRESET_DIR, load_experiment
from compare.lockstep.harness import Lockstep
from tests.test_optimizer_choice import IDS, RUNS

# ---------------------------------------------------------------- the experiment: keys, defaults, refusals


def test_defaults_are_torchs():
    assert load_experiment("hiring", {"optimizer": "adamw"}).weight_decay == 0.01
    assert load_experiment("hiring", {"optimizer": "adam"}).weight_decay == 0.0
    assert load_experiment("hiring", {"optimizer": "adagrad"}).eps == 1e-10
    e = load_experiment("hiring", {"optimizer": "rmsprop"})
    assert (e.eps, e.alpha, e.momentum, e.centered) == (1e-8, 0.99, 0.0, False)
    assert load_experiment("hiring", {"optimizer": "adam"}).betas == (0.9, 0.999)
    assert load_experiment("hiring").optimizer == "sgd"


@pytest.mark.parametrize("name,options", RUNS, ids=IDS)
def test_show_round_trips(name, options, capsys, tmp_path):
    args = ["exercise3", "--optimizer", name]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        args += [flag, ",".join(map(str, value)) if isinstance(value, list) else str(value)]
    assert compare_main(args + ["--show"]) == 0
    shown = capsys.readouterr().out
    assert f'optimizer = "{name}"' in shown
    path = tmp_path / "shown.toml"
    path.write_text(shown)
    again = load_experiment(path)
    original = load_experiment("exercise3", {"optimizer": name, **options})
    assert again.optimizer_options == original.optimizer_options
    assert compare_main([str(path), "--show"]) == 0
    assert capsys.readouterr().out.split("\n", 1)[1] == shown.split("\n", 1)[1]


REFUSED = [
    (["--optimizer", "adamm"], r"--optimizer: unknown optimizer 'adamm' \(did you mean \"adam\"\?"),
    (["--optimizer", "RMSProp"], r"unknown optimizer 'RMSProp' \(did you mean \"rmsprop\"\?"),
    (["--optimizer", "adam", "--momentum", "0.9"],
     r"--momentum: optimizer \"adam\" \(--optimizer\) does not take momentum \(sgd and rmsprop do\)"),
    (["--optimizer", "sgd", "--betas", "0.9,0.99"], r"--betas: optimizer \"sgd\" .*\(adam and adamw do\)"),
    (["--optimizer", "rmsprop", "--nesterov"], r"does not take nesterov \(sgd does\)"),
    (["--optimizer", "adam", "--lr-decay", "0.1"], r"does not take lr_decay \(adagrad does\)"),
    (["--optimizer", "adam", "--betas", "1.0,0.999"],
     r"--betas: Invalid beta parameter at index 0: 1.0 \(torch.optim.Adam refuses it\)"),
    (["--optimizer", "adamw", "--betas", "0.9,-0.1"], r"--betas: Invalid beta parameter at index 1: -0.1"),
    (["--optimizer", "adam", "--betas", "0.9"], r"argument --betas: expected two numbers B1,B2"),
    (["--optimizer", "adam", "--eps=-1e-8"], r"--eps: Invalid epsilon value: -1e-08"),
    (["--optimizer", "adam", "--weight-decay", "-1"], r"--weight-decay: Invalid weight_decay value: -1.0"),
    (["--optimizer", "rmsprop", "--alpha", "-0.5"], r"--alpha: Invalid alpha value: -0.5"),
    (["--optimizer", "rmsprop", "--momentum", "-0.5"], r"--momentum: Invalid momentum value: -0.5"),
    (["--optimizer", "adagrad", "--lr-decay", "-1"], r"--lr-decay: Invalid lr_decay value: -1.0"),
    (["--optimizer", "adagrad", "--initial-accumulator-value", "-1"],
     r"Invalid initial_accumulator_value value: -1.0 \(torch.optim.Adagrad refuses it\)"),
    (["--optimizer", "adam", "--amsgrad", "maybe"], r"argument --amsgrad: expected true or false"),
]


@pytest.mark.parametrize("args,pattern", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_refused_with_one_line_and_exit_2(args, pattern, capsys, tmp_path):
    out_dir = tmp_path / "out"
    assert compare_main(args + ["--epochs", "2", "--out", str(out_dir)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.search(pattern, err), err
    assert not out_dir.exists()


def test_accepted_as_torch_accepts():
    """RMSprop's centered with momentum, alpha above 1, betas of 0: torch takes them, so do we."""
    e = load_experiment("hiring", {"optimizer": "rmsprop", "centered": True, "momentum": 0.9, "alpha": 1.5})
    assert (e.centered, e.momentum, e.alpha) == (True, 0.9, 1.5)
    e = load_experiment("hiring", {"optimizer": "adam", "betas": [0, 0], "eps": 0})
    assert tuple(e.betas) == (0.0, 0.0) and e.eps == 0.0


def test_file_keys_and_nearest_names(tmp_path):
    text = (PRESET_DIR / "hiring.toml").read_text()
    path = tmp_path / "typo.toml"
    path.write_text(text.replace("lr = 0.1", 'lr = 0.1\noptimizer = "adam"\nbeta = [0.9, 0.99]'))
    with pytest.raises(ExperimentError, match=r"train.beta: unknown key \(did you mean `betas`\?\)"):
        load_experiment(path)
    path.write_text(text.replace("lr = 0.1", 'lr = 0.1\noptimizer = "adam"\nbetas = [0.9]'))
    with pytest.raises(ExperimentError, match=r"train.betas: expected two numbers \[beta1, beta2\]"):
        load_experiment(path)
    path.write_text(text.replace("lr = 0.1", 'lr = 0.1\noptimizer = "adagrad"\ncentered = true'))
    with pytest.raises(ExperimentError, match=r"typo.toml: train.centered: optimizer \"adagrad\" does not take "
                                              r"centered \(rmsprop does\)"):
        load_experiment(path)


def test_json_and_verdict_name_the_state(capsys):
    assert compare_main(["exercise3", "--optimizer", "adam", "--lr", "0.05", "--epochs", "5", "--json"]) == 0
    parity = json.loads(capsys.readouterr().out)["parity"]
    assert set(parity["state_max_abs_diff"]) == {"exp_avg", "exp_avg_sq", "step"}
    assert compare_main(["exercise3", "--optimizer", "adagrad", "--epochs", "5", "--quiet"]) == 0
    assert "every weight and bias and the optimizer's sum, step after every update" in capsys.readouterr().out


def test_explain_shows_the_state(capsys):
    assert compare_main(["explain", "exercise3", "--optimizer", "adam", "--amsgrad", "--lr", "0.05",
                         "--update", "3"]) == 0
    out = capsys.readouterr().out
    for name in ("m_W1", "v_W1", "v_max_W1", "t_W1", "m_b3"):
        assert f"{name} <- " in out, name
    assert "(1 - 0.9^t)" in out


def test_numpy_alone_and_torch_alone_use_the_optimizer(capsys):
    from numpy_impl.__main__ import main as numpy_main
    from torch_impl.__main__ import main as torch_main
    args = ["exercise2", "--optimizer", "adam", "--lr", "0.05", "--epochs", "30", "--mode", "batch", "--json"]
    outputs = {}
    for name, main in (("numpy", numpy_main), ("torch", torch_main)):
        assert main(args) == 0
        outputs[name] = np.array(json.loads(capsys.readouterr().out)["outputs"])
    assert numpy_main(args[:1] + args[5:]) == 0                         # plain SGD ends elsewhere
    plain = np.array(json.loads(capsys.readouterr().out)["outputs"])
    np.testing.assert_allclose(outputs["numpy"], outputs["torch"], rtol=0, atol=1e-12)
    assert np.abs(outputs["numpy"] - plain).max() > 1e-3


def test_a_recording_carries_the_optimizer(tmp_path, capsys):
    """record with Adam, check a backward against it without torch: the trace's experiment keeps the optimizer
    and its keys, and a plain-SGD replay would not agree."""
    trace = tmp_path / "adam.npz"
    assert compare_main(["record", "exercise3", "--optimizer", "adam", "--lr", "0.01", "--betas", "0.8,0.99",
                         "--epochs", "20", "--out", str(trace), "--quiet"]) == 0
    solution = str(Path(__file__).resolve().parents[1] / "examples" / "backprop_solution.py")
    assert compare_main(["check", solution, "--against", str(trace), "--show"]) == 0
    shown = capsys.readouterr().out
    assert 'optimizer = "adam"' in shown and "betas = [0.8, 0.99]" in shown
    assert compare_main(["check", solution, "--against", str(trace), "--quiet"]) == 0


@pytest.mark.parametrize("options", [{"optimizer": "adam", "amsgrad": True},
                                     {"optimizer": "rmsprop", "centered": True, "momentum": 0.5},
                                     {"optimizer": "adagrad"}, {"optimizer": "sgd", "momentum": 0.9}],
                         ids=["adam", "rmsprop", "adagrad", "sgd"])
def test_the_harness_reads_torchs_state_through_views_as_it_is(options):
    """Lockstep.torch_state keeps NumPy views of torch's state tensors after the first read: every update it
    must equal a fresh read (torch updates its state in place)."""
    from compare.running.optimizer_state import torch_state
    e = load_experiment("exercise3", {**options, "lr": 0.05, "epochs": 3})
    run = Lockstep(e)
    for X, T, indices in list(run.torch.loader) * 2:
        run.torch.step(X, T)
        run.numpy.step(indices.numpy())
        fresh = torch_state(run.torch.optimizer, run.torch.model, e)
        kept = run.torch_state()
        assert kept.keys() == fresh.keys() and kept
        for key in fresh:
            assert np.array_equal(kept[key], fresh[key]), key
    assert run._torch_state_views is not None
