"""`[network] bias = false` (layers without biases) and `[train] weight_decay_biases = false` (weight decay on
the weights only, torch parameter groups), each against an independent torch model built here."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

import compare
from compare import ExperimentError, load_experiment
from compare.cli.main import main
from compare.experiment.initial import initial_parameters
from compare.usercode.load import UserCodeError
from numpy_impl.trainer import NumpyTrainer


def torch_reference(e, weights, biases, updates, groups):
    """A plain torch model (nn.Sequential, nn.Linear), full batch, SGD: its weights after `updates` steps."""
    layers = []
    for W, b in zip(weights, biases):
        lin = nn.Linear(*W.shape, bias=e.bias).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            if e.bias:
                lin.bias.copy_(torch.from_numpy(b[0].copy()))
        layers += [lin, nn.Sigmoid()]
    model = nn.Sequential(*layers)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    optimizer = torch.optim.SGD(groups(linears), lr=e.lr, momentum=e.momentum, weight_decay=e.weight_decay)
    X, T = torch.tensor(e.inputs), torch.tensor(e.targets)
    for _ in range(updates):
        optimizer.zero_grad()
        (((model(X) - T) ** 2).sum(dim=1) / 2).mean().backward()      # loss "sum", averaged over the batch
        optimizer.step()
    return ([lin.weight.detach().numpy().T for lin in linears],
            [lin.bias.detach().numpy()[None, :] if e.bias else np.zeros((1, lin.out_features)) for lin in linears])


def numpy_after(e, updates):
    trainer = NumpyTrainer(e, *initial_parameters(e))
    for _ in range(updates):
        trainer.step(np.arange(e.n_samples))
    return trainer.parameters()


def test_no_bias_network_matches_nn_linear_without_bias():
    e = load_experiment("exercise3", {"bias": False, "mode": "batch", "momentum": 0.9, "weight_decay": 0.01})
    assert not e.bias and all(not b.any() for b in e.init_biases)
    W, b = numpy_after(e, 5)
    W_ref, _ = torch_reference(e, *initial_parameters(e), 5, lambda ls: [p for l in ls for p in l.parameters()])
    for mine, ref in zip(W, W_ref):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-14)
    assert all(not x.any() for x in b)                           # the biases never moved from 0
    W_with_bias, _ = numpy_after(load_experiment("exercise3", {"mode": "batch", "momentum": 0.9,
                                                               "weight_decay": 0.01}), 5)
    assert not np.allclose(W[0], W_with_bias[0])                 # it is another network


def test_weight_decay_on_weights_only_matches_torch_parameter_groups():
    over = {"mode": "batch", "weight_decay": 0.3, "momentum": 0.5}
    e = load_experiment("exercise3", {**over, "weight_decay_biases": False})
    W, b = numpy_after(e, 5)
    W_ref, b_ref = torch_reference(e, *initial_parameters(e), 5, lambda ls: [
        {"params": [l.weight for l in ls]}, {"params": [l.bias for l in ls], "weight_decay": 0.0}])
    for mine, ref in zip(W + b, W_ref + b_ref):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-14)
    _, b_all = numpy_after(load_experiment("exercise3", over), 5)
    assert not np.allclose(b[0], b_all[0])                       # decaying the biases too is another result


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_harness_parity_with_both_options(optimizer):
    extra = {"momentum": 0.5} if optimizer != "adam" else {}
    for over in ({"bias": False}, {"weight_decay_biases": False, "weight_decay": 0.1}):
        report = compare.run("exercise3", mode="minibatch", epochs=30, optimizer=optimizer, **extra, **over)
        assert report.ok and report.updates_checked == 60


def test_bad_input_one_line(tmp_path, capsys):
    text = (compare.experiment.sources.PRESET_DIR / "hiring.toml").read_text()
    path = tmp_path / "nobias.toml"
    path.write_text(text.replace("[network]", "[network]\nbias = false"))
    assert main([str(path), "--show"]) == 2
    err = capsys.readouterr().err
    assert "init.biases: the network has no biases" in err and err.count("\n") == 1
    with pytest.raises(ExperimentError, match="weight_decay_biases: expected true or false"):
        load_experiment("hiring", {"weight_decay_biases": "no"})
    assert main(["hiring", "--bias", "maybe"]) == 2


def test_show_round_trips(tmp_path, capsys):
    assert main(["exercise3", "--bias", "false", "--no-weight-decay-biases", "--show"]) == 0
    path = tmp_path / "shown.toml"
    path.write_text(capsys.readouterr().out)
    e = load_experiment(str(path))
    assert e.bias is False and e.weight_decay_biases is False


NO_BIAS = '''
import numpy as np

def backward(weights, biases, activations, targets):
    assert all(b is None for b in biases)
    B = targets.shape[0]
    delta = (activations[-1] - targets) * activations[-1] * (1 - activations[-1])
    dW = [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = activations[l].T @ delta / B
        if l > 0:
            delta = (delta @ weights[l].T) * activations[l] * (1 - activations[l])
    return RETURN
'''


@pytest.mark.parametrize("returned, ok", [("dW", True), ("dW, None", True), ("dW, [np.zeros((1, w.shape[1])) "
                                                                              "for w in weights]", False)])
def test_a_users_backward_without_biases(tmp_path, returned, ok):
    path = tmp_path / "mine.py"
    path.write_text(NO_BIAS.replace("RETURN", returned))
    e = load_experiment("exercise3", {"bias": False, "mode": "minibatch", "epochs": 5})
    if ok:
        assert compare.check(str(path), e).ok
    else:
        with pytest.raises(UserCodeError, match=r"returned \(dW, db\), but this network has no biases"):
            compare.check(str(path), e)


def test_a_wrong_backward_without_biases_gets_no_db_based_deduction(tmp_path):
    path = tmp_path / "half.py"
    path.write_text(NO_BIAS.replace("RETURN", "[g * 2 for g in dW]"))
    e = dataclasses.replace(load_experiment("exercise3", {"bias": False, "mode": "batch", "epochs": 2}))
    with pytest.raises(compare.ParityError) as caught:
        compare.check(str(path), e)
    hints = " | ".join(caught.value.failure.hints)
    assert "MSE instead of MSE/2" in hints and "db3 agrees" not in hints and "delta3 is right" not in hints


@pytest.mark.parametrize("options", [{"optimizer": "adam"}, {"momentum": 0.9},
                                     {"optimizer": "rmsprop", "momentum": 0.5, "centered": True}])
def test_no_bias_network_with_a_stateful_optimizer_resyncs_and_explains(options, capsys):
    # the optimizers hold the weights only; the state is compared and copied in the whole seed layout
    e = load_experiment("exercise3", {"bias": False, "epochs": 4, "mode": "minibatch", **options})
    report = compare.lockstep.harness.run_parity(e, resync=True)
    assert report.ok and report.updates_checked == e.total_updates
    assert main(["explain", "exercise3", "--bias", "false", "--update", "3"]
                + [f"--{k.replace('_', '-')}={str(v).lower()}" for k, v in options.items()]) == 0
    assert "error" not in capsys.readouterr().err


def test_a_wrong_state_in_a_no_bias_network_names_the_weight():
    from compare import ParityError
    from compare.lockstep.harness import run_parity
    from numpy_impl.adam import Adam

    def doubled_w2_moment(experiment, weights, biases):
        trainer = NumpyTrainer(experiment, weights, biases)

        class Wrong(Adam):
            def update(self, group, p, g, state):
                super().update(group, p, g, state)
                if p.shape == (2, 1):
                    state["exp_avg"] *= 2          # W3's first moment (the 2 x 1 weight) wrong

        trainer.optimizer = Wrong(trainer.optimizer.params, lr=experiment.lr)
        return trainer

    e = load_experiment("exercise3", {"bias": False, "optimizer": "adam", "epochs": 3})
    with pytest.raises(ParityError) as failure:
        run_parity(e, numpy_factory=doubled_w2_moment)
    message = str(failure.value)
    assert "at update 1 " in message and "m_W3" in message, message


def test_an_experiment_built_in_code_with_biases_and_bias_false_starts_from_zero_biases():
    # a grader's fresh draw (compare.grading.draw.fresh) carries drawn biases whatever `bias` says
    from compare.grading.draw import fresh
    e = fresh(load_experiment("exercise3", {"bias": False, "epochs": 2}), seed=5)
    assert any(np.any(b != 0) for b in e.init_biases)
    weights, biases = initial_parameters(e)
    assert all(np.array_equal(b, np.zeros_like(b)) for b in biases)
    np.testing.assert_array_equal(weights[0], e.init_weights[0])
    assert compare.run(e).ok
