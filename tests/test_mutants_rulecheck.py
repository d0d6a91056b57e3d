"""compare/usercode/rulecheck.py, fast: a user's update rule checked against torch.optim after every update, in
this process. Rules here are the shipped solution (examples/optim_solution.py) with one quantity changed by a
known amount; the values a failure names are worked out by hand from autograd's first gradient (update 1:
Adam's m = (1 - beta1) g, its step lr g / (|g| + eps); SGD momentum's v = -lr g), the tolerance at its edge."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from compare.errors import ParityError
from compare.experiment.sources import load_experiment
from compare.usercode.load import UserCodeError
from compare.usercode.rulecheck import check_rule, rule_config
from compare.usercode.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = load_rules(ROOT / "examples" / "optim_solution.py",
                      ["sgd", "sgd_momentum", "rmsprop", "adam", "adamw", "adagrad"])
NAMES = ["W1", "b1", "W2", "b2", "W3", "b3"]


def experiment(optimizer: str, **options):
    return load_experiment("exercise3", {"mode": "minibatch", "epochs": 2, "optimizer": optimizer, **options})


def first_gradients(e) -> dict[str, np.ndarray]:
    """Autograd's gradient of update 1 (the DataLoader's first batch, the initial weights), seed layout."""
    from torch_impl.data import make_loader
    X, T, _ = next(iter(make_loader(e, torch.tensor(e.inputs), torch.tensor(e.targets))))
    params = [torch.tensor(np.array(p, dtype=np.float64).reshape(np.shape(p) if i % 2 == 0 else (1, -1)),
                           requires_grad=True)
              for pair in zip(e.init_weights, e.init_biases) for i, p in enumerate(pair)]
    A = X
    for w, c in zip(params[0::2], params[1::2]):
        A = torch.sigmoid(A @ w + c)
    (((A - T) ** 2).sum() / 2 / X.shape[0]).backward()
    return {n: p.grad.numpy() for n, p in zip(NAMES, params)}


def failure(fn, rule, e) -> dict:
    with pytest.raises(ParityError) as caught:
        check_rule(fn, rule, e)
    assert caught.value.failure["message"] == str(caught.value)
    return {**caught.value.failure, "report": caught.value.report}


def calls(wrong, every: int = 6):
    """A per-parameter rule: the solution's, then `wrong(name, update, next_w, config)` may change them."""
    count = [0]

    def rule(w, dw, config):
        name, update = NAMES[count[0] % every], count[0] // every + 1
        count[0] += 1
        next_w, config = SOLUTION[rule.__name__](w, dw, config)
        return wrong(name, update, next_w, config)
    return rule


def named(fn, name):
    fn.__name__ = name
    return fn


def test_each_rules_config_holds_the_experiments_options_under_its_own_keys():
    assert rule_config("sgd", experiment("sgd", weight_decay=0.01)) == {"learning_rate": 0.1, "weight_decay": 0.01}
    assert rule_config("sgd_momentum", experiment("sgd", momentum=0.8)) == {"learning_rate": 0.1, "momentum": 0.8,
                                                                            "weight_decay": 0.0}
    assert rule_config("sgd_momentum", experiment("adam")) == {"learning_rate": 0.1, "weight_decay": 0.0}
    adam = rule_config("adam", experiment("adam", betas=[0.8, 0.9], eps=1e-6))
    assert adam == {"learning_rate": 0.1, "beta1": 0.8, "beta2": 0.9, "epsilon": 1e-6, "weight_decay": 0.0}
    assert type(adam["beta1"]) is float and type(adam["beta2"]) is float
    assert rule_config("rmsprop", experiment("rmsprop", alpha=0.95, centered=True)) == {
        "learning_rate": 0.1, "decay_rate": 0.95, "epsilon": 1e-8, "weight_decay": 0.0, "centered": True}
    assert "centered" not in rule_config("rmsprop", experiment("rmsprop"))
    assert rule_config("adagrad", experiment("adagrad", lr_decay=0.1, initial_accumulator_value=0.5)) == {
        "learning_rate": 0.1, "epsilon": 1e-10, "weight_decay": 0.0, "lr_decay": 0.1, "initial_accumulator_value": 0.5}


@pytest.mark.parametrize("rule, optimizer, options, state", [
    ("sgd", "sgd", {"weight_decay": 0.1}, set()),
    ("sgd_momentum", "sgd", {"momentum": 0.9}, {"momentum_buffer"}),
    ("rmsprop", "rmsprop", {"centered": True}, {"square_avg", "grad_avg"}),
    ("adam", "adam", {"weight_decay": 0.1}, {"step", "exp_avg", "exp_avg_sq"}),
    ("adamw", "adamw", {}, {"step", "exp_avg", "exp_avg_sq"}),
    ("adagrad", "adagrad", {"lr_decay": 0.1}, {"step", "sum"})])
def test_the_solution_agrees_at_every_update(rule, optimizer, options, state):
    seen = []
    report = check_rule(SOLUTION[rule], rule, experiment(optimizer, **options), on_update=seen.append)
    assert seen == [1, 2, 3, 4] and report.updates_checked == 4 and report.unchecked_state == []
    assert set(report.state_max_abs_diff) == state and max(report.state_max_abs_diff.values(), default=0) < 1e-15
    assert 0 <= report.max_abs_diff < 1e-14


def test_a_wrong_first_moment_is_named_before_the_weights_it_moved():
    e = experiment("adam", betas=[0.8, 0.9])
    g = first_gradients(e)["W3"][0, 0]
    found = failure(named(calls(lambda n, u, w, c: (w, {**c, "m": 2 * c["m"]})), "adam"), "adam", e)
    assert (found["rule"], found["update"], found["quantity"], found["state"]) == ("adam", 1, "first moment",
                                                                                   "exp_avg")
    assert (found["parameter"], found["element"]) == ("W3", "[0, 0]") and found["report"].updates_checked == 0
    assert found["torch"] == pytest.approx(0.2 * g, rel=1e-12, abs=0)
    assert found["yours"] == pytest.approx(2 * found["torch"], rel=1e-12, abs=0)
    a, b = found["yours"], found["torch"]
    assert found["message"].splitlines()[:2] == [
        f"rule check FAILED: adam at update 1 (epoch 0, batch 0): config['m'] (first moment m (exp_avg)) of "
        f"W3[0, 0]: yours {a!r}, torch {b!r}, |diff| {abs(a - b):.3g} > tolerance (atol 1e-12 + rtol 1e-09 x "
        "|torch|)", "  wrong quantity: first moment; every quantity checked before it agrees"]
    largest = max(float(np.abs(0.2 * x).max()) for x in first_gradients(e).values())
    assert found["report"].state_max_abs_diff["exp_avg"] == pytest.approx(largest, rel=1e-12)


def test_a_step_count_off_by_one_and_a_velocity_in_the_rules_units():
    found = failure(named(calls(lambda n, u, w, c: (w, {**c, "t": c["t"] + 1})), "adam"), "adam", experiment("adam"))
    assert (found["quantity"], found["state"], found["parameter"], found["element"]) == ("step", "step", "W3", "")
    assert (found["yours"], found["torch"]) == (2.0, 1.0) and found["hints"] == []
    assert "config['t'] (step count t (step)) of W3: yours 2.0, torch 1.0, |diff| 1 > tolerance (equal counts)" \
        in found["message"]
    e = experiment("sgd", momentum=0.9)
    g = first_gradients(e)["b2"]
    wrong = named(calls(lambda n, u, w, c: (w, {**c, "velocity": 1.5 * c["velocity"]} if n == "b2" else c)),
                  "sgd_momentum")
    found = failure(wrong, "sgd_momentum", e)
    assert (found["parameter"], found["element"], found["quantity"]) == ("b2", "[0, 0]", "velocity")
    assert found["torch"] == pytest.approx(-0.1 * g[0, 0], rel=1e-12, abs=0)
    assert found["yours"] == pytest.approx(1.5 * found["torch"], rel=1e-12, abs=0)
    assert "config['velocity'] (v = -lr x torch's momentum_buffer) of b2[0, 0]" in found["message"]


def test_weights_off_by_a_known_amount_from_the_output_layer_first():
    e = experiment("adam")
    g = first_gradients(e)
    off = named(calls(lambda n, u, w, c: (w + 1e-6 if n in ("W1", "b3") else w, c)), "adam")
    found = failure(off, "adam", e)
    assert (found["parameter"], found["element"], found["state"]) == ("b3", "[0, 0]", None)
    assert found["quantity"] == "bias correction or the step itself"
    torch_b3 = np.array(e.init_biases[2]).reshape(1, -1)[0, 0] - 0.1 * g["b3"][0, 0] / (abs(g["b3"][0, 0]) + 1e-8)
    assert found["torch"] == pytest.approx(torch_b3, rel=1e-12) and found["yours"] == pytest.approx(torch_b3 + 1e-6,
                                                                                                     rel=1e-12)
    assert "b3[0, 0] after the update: yours" in found["message"]
    assert "  wrong quantity: bias correction or the step itself" in found["message"].splitlines()
    sgd = failure(named(calls(lambda n, u, w, c: (w + 1e-6 if n == "W1" else w, c)), "sgd"), "sgd",
                  experiment("sgd"))
    assert (sgd["parameter"], sgd["quantity"]) == ("W1", "the step itself")
    W1 = np.array(e.init_weights[0])
    assert sgd["torch"] == pytest.approx(W1[0, 0] - 0.1 * g["W1"][0, 0], rel=1e-12)


@pytest.mark.parametrize("scale, ok", [(0.8, True), (1.25, False)])
def test_the_tolerances_edge(scale, ok):
    """Parameters: atol 1e-12 + rtol 1e-9 |torch|; moments the same (float64). Added at the last update."""
    e = experiment("adam")

    def nudge(n, u, w, c):
        if u != 4 or n != "W2":
            return w, c
        return w + scale * (1e-12 + 1e-9 * np.abs(w)), c
    rule = named(calls(nudge), "adam")
    if ok:
        report = check_rule(rule, "adam", e)
        assert 0.5e-9 < report.max_abs_diff <= 1e-12 + 1e-9 * 1.0
    else:
        found = failure(rule, "adam", e)
        assert (found["update"], found["parameter"], found["report"].updates_checked) == (4, "W2", 3)

    def nudge_v(n, u, w, c):
        if u == 4 and n == "b1":
            c = {**c, "m": c["m"] + scale * (1e-12 + 1e-9 * np.abs(c["m"]))}
        return w, c
    rule = named(calls(nudge_v), "adam")
    if ok:
        assert check_rule(rule, "adam", e).state_max_abs_diff["exp_avg"] > 0.5e-12
    else:
        assert failure(rule, "adam", e)["state"] == "exp_avg"


def test_nan_is_a_disagreement_in_the_weights_and_in_the_state():
    found = failure(named(calls(lambda n, u, w, c: (w * np.nan if n == "b1" else w, c)), "rmsprop"), "rmsprop",
                    experiment("rmsprop"))
    assert found["parameter"] == "b1" and np.isnan(found["yours"]) and found["report"].max_abs_diff == np.inf
    found = failure(named(calls(lambda n, u, w, c: (w, {**c, "cache": c["cache"] * np.nan} if n == "W2" else c)),
                          "rmsprop"), "rmsprop", experiment("rmsprop"))
    assert found["state"] == "square_avg" and found["parameter"] == "W2" and np.isnan(found["yours"])
    assert found["report"].state_max_abs_diff["square_avg"] == np.inf
    found = failure(named(calls(lambda n, u, w, c: (w, {**c, "t": np.array([])})), "adagrad"), "adagrad",
                    experiment("adagrad"))
    assert found["state"] == "step" and np.isnan(found["yours"])


def test_a_state_the_rule_never_keeps_is_listed_unchecked():
    private: list[dict] = [{} for _ in NAMES]
    count = [0]

    def adam(w, dw, config):
        mine = private[count[0] % 6]
        count[0] += 1
        mine.update({k: v for k, v in config.items() if k not in ("m", "v")})
        next_w, mine = SOLUTION["adam"](w, dw, mine)
        return next_w, {**config, "m": mine["m"], "v": mine["v"]}
    report = check_rule(adam, "adam", experiment("adam"))
    assert report.unchecked_state == ["t"] and set(report.state_max_abs_diff) == {"exp_avg", "exp_avg_sq"}


def test_a_mistake_from_update_3_gets_its_hint_from_the_steps_before():
    def late(w, dw, config):
        if config.get("t", 0) < 2:
            return SOLUTION["adam"](w, dw, config)
        config["t"] += 1
        config["m"] = 0.9 * config["m"] + 0.1 * dw
        config["v"] = 0.999 * config["v"] + 0.001 * dw * dw
        return w - config["learning_rate"] * config["m"] / (np.sqrt(config["v"]) + config["epsilon"]), config
    found = failure(late, "adam", experiment("adam"))
    assert found["update"] == 3 and found["state"] is None
    assert any("no bias correction" in h for h in found["hints"]), found["hints"]


def raising(exc):
    def adam(w, dw, config):
        raise exc
    return adam


@pytest.mark.parametrize("fn, text", [
    (lambda w, dw, c: [w, c], "adam at update 1 (epoch 0, batch 0), parameter W1: returned list; expected a pair "
                              "(next_w, config)"),
    (lambda w, dw, c: (w.ravel(), c), "adam at update 1 (epoch 0, batch 0), parameter W1: next_w has shape (4,); "
                                      "expected (2, 2) (w's own)"),
    (lambda w, dw, c: (w, [c]), "adam at update 1 (epoch 0, batch 0), parameter W1: config is a list; expected the "
                                "dict it was given"),
    (lambda w, dw, c: (w, {k: v for k, v in c.items() if k not in ("beta1", "epsilon")}),
     "adam at update 1 (epoch 0, batch 0), parameter W1: the returned config lost 'beta1', 'epsilon'; return the "
     "config you were given, with your state added"),
    (raising(NotImplementedError()), "adam is not implemented yet (NotImplementedError at update 1 (epoch 0, batch "
                                     "0), parameter W1): fill in its formulas"),
    (raising(ValueError("oops\nmore")), "adam raised ValueError: oops at update 1 (epoch 0, batch 0), parameter W1"),
    (lambda w, dw, c: (w, {**c, "m": "abc", "v": w, "t": 1}), "adam: config['m'] is not numbers"),
    (lambda w, dw, c: (w, {**c, "m": np.zeros(3) if w.shape == (2, 2) else np.zeros_like(w), "v": w, "t": 1}),
     "adam at update 1 (epoch 0, batch 0): config['m'] has 13 numbers in all; expected 15 (one per element of w)"),
])
def test_a_rule_that_breaks_the_interface_is_one_line(fn, text):
    with pytest.raises(UserCodeError) as caught:
        check_rule(fn, "adam", experiment("adam"))
    assert str(caught.value) == text


def test_the_whole_model_form_gets_one_config_and_returns_every_parameter():
    e = experiment("sgd")
    seen = []

    def step(params, grads, config):
        seen.append((sorted(params), config.get("n", 0), config["optimizer"], config["lr"]))
        return {k: p - config["lr"] * grads[k] for k, p in params.items()}, {**config, "n": config.get("n", 0) + 1}
    report = check_rule(step, "step", e)
    assert report.updates_checked == 4 and report.state_max_abs_diff == {}
    assert seen == [(sorted(NAMES), n, "sgd", 0.1) for n in range(4)]
    found = failure(lambda p, g, c: ({k: v - 0.99 * c["lr"] * g[k] for k, v in p.items()}, c), "step", e)
    assert (found["rule"], found["parameter"], found["quantity"]) == ("step", "W3", "the step itself")
    adam = failure(lambda p, g, c: ({k: v - c["lr"] * g[k] for k, v in p.items()}, c), "step", experiment("adam"))
    assert adam["quantity"] == "bias correction or the step itself"
    with pytest.raises(UserCodeError, match=r"^step at update 1 \(epoch 0, batch 0\): next_params lacks b2, W3$"):
        check_rule(lambda p, g, c: ({k: v for k, v in p.items() if k not in ("b2", "W3")}, c), "step", e)
    with pytest.raises(UserCodeError, match=r"^step at update 1 \(epoch 0, batch 0\): expected \(next_params, "
                                            r"config\), next_params a dict W1, b1, \.\.\.$"):
        check_rule(lambda p, g, c: (list(p.values()), c), "step", e)
