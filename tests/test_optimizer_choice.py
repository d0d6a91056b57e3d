"""`[train] optimizer`: Adam, AdamW, RMSprop and Adagrad through the experiment, both trainers and the harness.

Whole runs agree with an independent torch loop (nn.Linear layers, torch.optim, the same batches) after every
update; the harness compares every optimizer state quantity too, and names the one that goes wrong; the
experiment refuses what torch refuses, in torch's words, and `--show` round-trips.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compare.errors import ParityError
from compare.experiment.sources import load_experiment
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
