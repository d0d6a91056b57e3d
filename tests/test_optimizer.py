"""numpy_impl's SGD is torch.optim.SGD: every option combination torch accepts, step by step on its own and
over whole lockstep runs on two presets; the combinations torch rejects are rejected the same way (exit 2)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from compare.cli.main import main as compare_main
from compare.experiment.sources import load_experiment
from compare.lockstep.harness import run_parity
from numpy_impl.optimizer import SGD


def combinations() -> list[dict]:
    """Every combination of the five options that torch.optim.SGD accepts, over two values each."""
    out = []
    for momentum, dampening, nesterov, weight_decay, maximize in itertools.product(
            (0.0, 0.9), (0.0, 0.5), (False, True), (0.0, 0.01), (False, True)):
        if nesterov and (momentum <= 0 or dampening != 0):
            continue
        out.append(dict(momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay,
                        maximize=maximize))
    return out


COMBOS = combinations()
IDS = ["-".join(f"{k}={v}" for k, v in c.items() if v) or "plain" for c in COMBOS]


def test_combination_count():
    # 2^5 = 32, minus nesterov without momentum (8) and nesterov with dampening (4 more)
    assert len(COMBOS) == 20


@pytest.mark.parametrize("options", COMBOS, ids=IDS)
def test_step_by_step_against_torch(options):
    """Five steps on two parameters with a fixed gradient sequence: the same numbers as torch (float64)."""
    rng = np.random.default_rng(3)
    params0 = [rng.normal(size=(3, 2)), rng.normal(size=(1, 2))]
    grads = [[rng.normal(size=p.shape) for p in params0] for _ in range(5)]
    ours = [p.copy() for p in params0]
    sgd = SGD(ours, lr=0.1, **options)
    theirs = [torch.tensor(p, requires_grad=True) for p in params0]
    reference = torch.optim.SGD(theirs, lr=0.1, **options)
    for step_grads in grads:
        sgd.step(step_grads)
        for t, g in zip(theirs, step_grads):
            t.grad = torch.tensor(g)
        reference.step()
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p, t.detach().numpy(), rtol=0, atol=1e-15)
    if options["momentum"]:
        for buf, t in zip(sgd.buffers, theirs):
            np.testing.assert_allclose(buf, reference.state[t]["momentum_buffer"].numpy(), rtol=0, atol=1e-15)


def test_first_step_buffer_is_the_gradient_without_dampening():
    """torch's order of operations, by hand: buf_1 = g_1 + wd p (no dampening), then buf_2 = mu buf_1 + (1-tau) g_2."""
    p = np.array([[1.0]])
    sgd = SGD([p], lr=0.5, momentum=0.9, dampening=0.5, weight_decay=0.1)
    sgd.step([np.array([[2.0]])])
    assert sgd.buffers[0][0, 0] == pytest.approx(2.0 + 0.1 * 1.0)         # g + wd p, undamped
    assert p[0, 0] == pytest.approx(1.0 - 0.5 * 2.1)
    p_before = p[0, 0]
    sgd.step([np.array([[-1.0]])])
    g = -1.0 + 0.1 * p_before
    assert sgd.buffers[0][0, 0] == pytest.approx(0.9 * 2.1 + 0.5 * g)
    assert p[0, 0] == pytest.approx(p_before - 0.5 * (0.9 * 2.1 + 0.5 * g))


def test_maximize_negates_the_gradient_but_not_the_decay():
    p = np.array([[2.0]])
    SGD([p], lr=1.0, weight_decay=0.25, maximize=True).step([np.array([[1.0]])])
    assert p[0, 0] == pytest.approx(2.0 - (-1.0 + 0.25 * 2.0))


@pytest.mark.parametrize("kwargs", [dict(momentum=0.0, nesterov=True), dict(momentum=0.9, dampening=0.1, nesterov=True),
                                    dict(momentum=-0.5), dict(weight_decay=-1.0)])
def test_rejected_like_torch(kwargs):
    with pytest.raises(ValueError) as theirs:
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, **kwargs)
    with pytest.raises(ValueError) as ours:
        SGD([np.zeros(1)], lr=0.1, **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("preset,mode,epochs", [("exercise3", "minibatch", 60), ("exercise1", "batch", 120)])
@pytest.mark.parametrize("options", COMBOS, ids=IDS)
def test_whole_runs_in_lockstep(preset, mode, epochs, options):
    e = load_experiment(preset, {"mode": mode, "epochs": epochs, **options})
    report = run_parity(e)
    assert report.ok and report.updates_checked == e.total_updates >= 100
    assert report.max_abs_diff <= 1e-13


def test_options_change_the_trajectory():
    """Each option must reach torch's SGD: a run with it ends elsewhere than plain SGD (so parity above is not
    parity of two runs that ignore the option)."""
    def final(**options):
        e = load_experiment("exercise3", {"mode": "batch", "epochs": 30, **options})
        return np.concatenate([w.ravel() for w in run_parity(e).torch.final_weights])
    plain = final()
    for options in (dict(momentum=0.9), dict(momentum=0.9, dampening=0.5), dict(momentum=0.9, nesterov=True),
                    dict(weight_decay=0.01), dict(maximize=True)):
        assert np.abs(final(**options) - plain).max() > 1e-4, options


REJECTED = [
    (["--nesterov"], r"--nesterov: Nesterov momentum requires a momentum and zero dampening \(found momentum 0,"),
    (["--nesterov", "--momentum", "0.9", "--dampening", "0.1"],
     r"Nesterov momentum requires a momentum and zero dampening \(found momentum 0\.9, dampening 0\.1\)"),
    (["--momentum", "-0.5"], r"--momentum: expected a number >= 0, found -0\.5"),
    (["--weight-decay", "-0.01"], r"--weight-decay: expected a number >= 0, found -0\.01"),
    (["--nesterov", "maybe"], r"argument --nesterov: expected true or false, found 'maybe'"),
]


@pytest.mark.parametrize("args,pattern", REJECTED, ids=[" ".join(a) for a, _ in REJECTED])
def test_rejected_combinations_exit_2(capsys, tmp_path, args, pattern):
    import re
    out_dir = tmp_path / "plots"
    assert compare_main(args + ["--epochs", "2", "--out", str(out_dir)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.search(pattern, err), err
    assert not out_dir.exists()


@pytest.mark.parametrize("key,value", [("momentun", "0.9"), ("weight_decai", "0.1"), ("nestrov", "true")])
def test_unknown_optimizer_keys_in_file(capsys, tmp_path, key, value):
    path = tmp_path / "typo.toml"
    path.write_text(load_text("hiring").replace("lr = 0.1", f"lr = 0.1\n{key} = {value}"))
    assert compare_main([str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: train.{key}: unknown key (did you mean" in err and len(err.strip().splitlines()) == 1


def load_text(preset: str) -> str:
    from compare.experiment.sources import PRESET_DIR
    return (PRESET_DIR / f"{preset}.toml").read_text()
