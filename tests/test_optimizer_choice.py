"""`[train] optimizer`: Adam, AdamW, RMSprop and Adagrad through the experiment, both trainers and the harness.

Whole runs agree with an independent torch loop (nn.Linear layers, torch.optim, the same batches) after every
update; the harness compares every optimizer state quantity too, and names the one that goes wrong; the
experiment refuses what torch refuses, in torch's words, and `--show` round-trips.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from compare.cli.main import main as compare_main
from compare.errors import ExperimentError, ParityError
from compare.experiment.sources import PRESET_DIR, load_experiment
from compare.lockstep.harness import Lockstep, run_parity
from compare.running.optimizer_state import numpy_state
from numpy_impl.adam import Adam
from numpy_impl.trainer import NumpyTrainer

RUNS = [
    ("adam", {}), ("adam", {"amsgrad": True, "weight_decay": 0.05, "betas": [0.8, 0.99]}),
    ("adamw", {}), ("adamw", {"amsgrad": True, "maximize": True, "eps": 1e-3}),
    ("rmsprop", {}), ("rmsprop", {"centered": True, "momentum": 0.9, "weight_decay": 0.01}),
    ("rmsprop", {"alpha": 0.9, "maximize": True}),
    ("adagrad", {}), ("adagrad", {"lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.01}),
]
IDS = [f"{name}-" + "-".join(f"{k}={v}" for k, v in o.items()) for name, o in RUNS]


def independent_torch_run(e, batches):
    """The experiment trained by a plain torch loop written here (not torch_impl): the parameters after every
    update, in the seed layout (W (in, out), b (1, out)), flattened W1, b1, W2, b2, ..."""
    torch.manual_seed(0)
    layers = []
    for W, b in zip(e.init_weights, e.init_biases):
        linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(W.T))
            linear.bias.copy_(torch.tensor(b[0]))
        layers.append(linear)
    params = [p for lin in layers for p in (lin.weight, lin.bias)]
    kwargs = dict(e.optimizer_options)
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": torch.optim.RMSprop,
           "adagrad": torch.optim.Adagrad}[e.optimizer]
    opt = cls(params, foreach=False, **kwargs)
    X, T = torch.tensor(e.inputs), torch.tensor(e.targets)
    out = []
    for indices in batches:
        opt.zero_grad()
        A = X[indices]
        for lin in layers:
            A = torch.sigmoid(lin(A))
        loss = (0.5 * ((A - T[indices]) ** 2).sum(dim=1)).mean()      # the seed's "sum" loss
        loss.backward()
        opt.step()
        out.append(np.concatenate([np.concatenate([lin.weight.detach().numpy().T.ravel(),
                                                   lin.bias.detach().numpy()]) for lin in layers]))
    return out


@pytest.mark.parametrize("name,options", RUNS, ids=IDS)
def test_every_update_agrees_with_an_independent_torch_loop(name, options):
    e = load_experiment("exercise3", {"optimizer": name, "lr": 0.05, "mode": "minibatch", "epochs": 40,
                                      "order": "shuffle", **options})
    run = Lockstep(e)
    batches, ours = [], []
    for _ in range(e.epochs):
        for _X, _T, indices in run.torch.loader:
            batches.append(indices.numpy())
            run.numpy.step(indices.numpy())
            ours.append(run.numpy.theta.copy())
    theirs = independent_torch_run(e, batches)
    assert len(theirs) == e.total_updates == 80
    worst = max(float(np.abs(a - b).max()) for a, b in zip(ours, theirs))
    assert worst <= 1e-13, worst
    moved = float(np.abs(theirs[-1] - np.concatenate([np.concatenate([W.ravel(), b.ravel()])
                                                      for W, b in zip(e.init_weights, e.init_biases)])).max())
    assert moved > 1e-3                        # the run really trains


@pytest.mark.parametrize("name,options", RUNS, ids=IDS)
def test_harness_checks_parameters_and_state(name, options):
    e = load_experiment("exercise3", {"optimizer": name, "lr": 0.05, "mode": "stochastic", "epochs": 100,
                                      **options})
    report = run_parity(e)
    assert report.ok and report.updates_checked == 400
    assert report.max_abs_diff <= 1e-13
    expected = {"adam": {"exp_avg", "exp_avg_sq"}, "adamw": {"exp_avg", "exp_avg_sq"}, "rmsprop": {"square_avg"},
                "adagrad": {"sum"}}[name] | {"step"}
    expected |= {"max_exp_avg_sq"} if options.get("amsgrad") else set()
    expected |= {"grad_avg"} if options.get("centered") else set()
    expected |= {"momentum_buffer"} if options.get("momentum") else set()
    assert set(report.state_max_abs_diff) == expected
    assert report.state_max_abs_diff["step"] == 0
    assert max(report.state_max_abs_diff.values()) <= 1e-13
    synced = run_parity(e, resync=True)
    assert synced.ok and synced.max_abs_diff <= 4e-15


def test_resync_copies_every_state_quantity():
    e = load_experiment("exercise3", {"optimizer": "rmsprop", "centered": True, "momentum": 0.5, "lr": 0.05,
                                      "epochs": 3})
    run = Lockstep(e)
    for X, T, indices in list(run.torch.loader)[:3]:
        run.torch.step(X, T)
        run.numpy.step(indices.numpy())
        run.numpy.theta[:] += 1.0                                   # spoil ours...
        for flat in run.numpy.optimizer.flat_state.values():
            flat += 1.0
        run.max_abs_diff()
        run.resync()                                                # ...resync restores torch's exactly
        theirs = run.torch_state()
        ours = numpy_state(run.numpy.optimizer, e)
        assert ours.keys() == theirs.keys() == {"square_avg", "grad_avg", "momentum_buffer", "step"}
        for key in theirs:
            assert np.array_equal(ours[key], theirs[key]), key
        assert np.array_equal(run.numpy.theta, run.theirs)


def counting_twice(experiment, weights, biases):
    """Adam whose step count runs ahead for the biases, counted after the step: the parameters of update 1
    still agree, so the harness must catch it in the state, naming the step count."""
    trainer = NumpyTrainer(experiment, weights, biases)

    class Miscounting(Adam):
        def update(self, group, p, g, state):
            super().update(group, p, g, state)
            if p.shape[0] == 1:
                state["step"] += 1                 # counted twice for every bias

    trainer.optimizer = Miscounting(trainer.optimizer.params, lr=experiment.lr)
    return trainer


def test_a_wrong_step_count_is_named_in_the_state():
    e = load_experiment("exercise3", {"optimizer": "adam", "lr": 0.05, "epochs": 5})
    with pytest.raises(ParityError) as failure:
        run_parity(e, numpy_factory=counting_twice)
    message = str(failure.value)
    assert "at update 1 " in message and "stage optimizer state" in message, message
    assert "t_b3" in message and "step count" in message, message


def test_a_wrong_moment_fails_at_the_first_update():
    def no_bias_correction(experiment, weights, biases):
        trainer = NumpyTrainer(experiment, weights, biases)

        class Uncorrected(Adam):
            def update(self, group, p, g, state):
                super().update(group, p, g, state)
                state["exp_avg"] *= 1.5                  # a wrong first moment carried to the next update

        trainer.optimizer = Uncorrected(trainer.optimizer.params, lr=experiment.lr)
        return trainer
    e = load_experiment("exercise3", {"optimizer": "adam", "lr": 0.05, "epochs": 5})
    with pytest.raises(ParityError) as failure:
        run_parity(e, numpy_factory=no_bias_correction)
    assert "at update 1 " in str(failure.value) and "first moment m (exp_avg)" in str(failure.value)


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
    load_experiment("hiring", {"optimizer": "rmsprop", "centered": True, "momentum": 0.9, "alpha": 1.5})
    load_experiment("hiring", {"optimizer": "adam", "betas": [0, 0], "eps": 0})


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
