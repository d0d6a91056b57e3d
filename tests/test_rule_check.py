"""`python -m compare check RULES.py`: a user's update rules (cs231n's form) against torch.optim.

The reference solution passes the default suite; a zoo of wrong rules, each the solution with one classic
mistake, is caught at the right quantity (first moment, second moment, step, the step itself) with the right
hint; broken interfaces exit 2 with one line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from compare.cli.main import main as compare_main

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = (ROOT / "examples" / "optim_solution.py").read_text()

# (name, the rule kept, [(old, new), ...], pattern the failure must match, case that must catch it)
ZOO = [
    ("adam: no bias correction", "adam",
     [('m_hat = config["m"] / (1 - b1 ** config["t"])', 'm_hat = config["m"]'),
      ('v_hat = config["v"] / (1 - b2 ** config["t"])', 'v_hat = config["v"]')],
     r"at update 1 .*wrong quantity: bias correction or the step itself.*hint: no bias correction", "several"),
    ("adam: m without bias correction", "adam",
     [('m_hat = config["m"] / (1 - b1 ** config["t"])', 'm_hat = config["m"]')],
     r"at update 1 .*hint: m without its bias correction", "several"),
    ("adam: v without bias correction", "adam",
     [('v_hat = config["v"] / (1 - b2 ** config["t"])', 'v_hat = config["v"]')],
     r"at update 1 .*hint: v without its bias correction", "several"),
    ("adam: eps inside the square root", "adam",
     [('(np.sqrt(v_hat) + config["epsilon"])', 'np.sqrt(v_hat + config["epsilon"])')],
     r"at update 1 .*hint: eps inside the square root", "several"),
    ("adam: t incremented after use", "adam",
     [('    config["t"] += 1\n', ''), ('    return next_w, config\n\n\ndef adamw',
                                      '    config["t"] += 1\n    return next_w, config\n\n\ndef adamw')],
     r"at update 1 .*yours nan.*hint: the step counter is off by one", "several"),
    ("adam: t starts at 1", "adam", [('config.setdefault("t", 0)', 'config.setdefault("t", 1)')],
     r"at update 1 .*config\['t'\] \(step count t \(step\)\) of W3: yours 2.0, torch 1.0.*wrong quantity: step",
     "several"),
    ("adam: first moment with the betas swapped", "adam",
     [('config["m"] = b1 * config["m"] + (1 - b1) * g', 'config["m"] = (1 - b1) * config["m"] + b1 * g')],
     r"config\['m'\] \(first moment m \(exp_avg\)\) of W3.*wrong quantity: first moment", "several"),
    ("adam: second moment of g, not g^2", "adam",
     [('config["v"] = b2 * config["v"] + (1 - b2) * g * g', 'config["v"] = b2 * config["v"] + (1 - b2) * g')],
     r"config\['v'\] \(second moment v \(exp_avg_sq\)\).*wrong quantity: second moment", "several"),
    ("adam: v's bias correction without the root", "adam",
     [('v_hat = config["v"] / (1 - b2 ** config["t"])', 'v_hat = config["v"] / (1 - b2 ** config["t"]) ** 2')],
     r"hint: v's bias correction without its square root", "several"),
    ("adam: weight decay decoupled", "adam", [("g = dw + config[\"weight_decay\"] * w\n    config[\"t\"]",
                                               "g = dw\n    w = w * (1 - config['learning_rate'] * "
                                               "config['weight_decay'])\n    config[\"t\"]")],
     r"config\['m'\].*hint: this state is fed dw without the weight decay \(ignored, or decoupled", "weight decay"),
    ("adam: weight decay ignored", "adam", [("g = dw + config[\"weight_decay\"] * w\n    config[\"t\"]",
                                             "g = dw\n    config[\"t\"]")],
     r"wrong quantity: first moment.*hint: this state is fed dw without the weight decay", "weight decay"),
    ("adamw: weight decay coupled", "adamw",
     [("    decayed = w * (1 - config[\"learning_rate\"] * config[\"weight_decay\"])\n", "    decayed = w\n"),
      ('    config["weight_decay"] = 0.0                       # the moments see the raw gradient\n', "")],
     r"hint: weight decay coupled \(added to the gradient", "several"),
    ("rmsprop: eps inside the square root", "rmsprop",
     [('(np.sqrt(square) + config["epsilon"])', 'np.sqrt(square + config["epsilon"])')],
     r"hint: eps inside the square root", "several"),
    ("rmsprop: not centred", "rmsprop", [('if config.get("centered"):', 'if False:')],
     r"hint: not centred", "centred"),
    ("rmsprop: running mean's weights swapped", "rmsprop",
     [('rho * config["cache"] + (1 - rho) * g * g', '(1 - rho) * config["cache"] + rho * g * g')],
     r"config\['cache'\].*wrong quantity: running mean of dw\^2", "several"),
    ("adagrad: eps inside the square root", "adagrad",
     [('(np.sqrt(config["cache"]) + config["epsilon"])', 'np.sqrt(config["cache"] + config["epsilon"])')],
     r"hint: eps inside the square root: the denominator is sqrt\(cache\) \+ eps", "several"),
    ("adagrad: lr decay counted from t", "adagrad",
     [('(1 + (config["t"] - 1) * config["lr_decay"])', '(1 + config["t"] * config["lr_decay"])')],
     r"hint: the learning-rate decay counted from t", "lr decay"),
    ("adagrad: initial accumulator ignored", "adagrad",
     [('np.full_like(w, config["initial_accumulator_value"])', 'np.zeros_like(w)')],
     r"config\['cache'\].*wrong quantity: sum of dw\^2", "lr decay"),
    ("sgd: weight decay ignored", "sgd",
     [('w - config["learning_rate"] * (dw + config["weight_decay"] * w)', 'w - config["learning_rate"] * dw')],
     r"hint: config\['weight_decay'\] ignored", "weight decay"),
    ("sgd_momentum: weight decay ignored", "sgd_momentum",
     [('g = dw + config["weight_decay"] * w\n    v = ', 'g = dw\n    v = ')],
     r"config\['velocity'\] \(v = -lr x torch's momentum_buffer\).*hint: this state is fed dw without",
     "weight decay"),
    ("sgd_momentum: velocity damped", "sgd_momentum",
     [('v = config["momentum"] * v - config["learning_rate"] * g',
       'v = config["momentum"] * v - (1 - config["momentum"]) * config["learning_rate"] * g')],
     r"at update 2 .*config\['velocity'\].*wrong quantity: velocity", "several"),
]


def only(rule: str, text: str) -> str:
    """The solution with every rule but `rule` (and those it calls) renamed away."""
    keep = {rule, "adam"} if rule == "adamw" else {rule}
    for other in ("sgd", "sgd_momentum", "rmsprop", "adam", "adamw", "adagrad"):
        if other not in keep:
            text = text.replace(f"def {other}(", f"def _unused_{other}(")
    if rule == "adamw":
        text = text.replace("def adam(", "def _adam(").replace("adam(decayed", "_adam(decayed")
    return text


@pytest.mark.parametrize("name,rule,edits,pattern,case", ZOO, ids=[z[0] for z in ZOO])
def test_zoo_caught_at_the_right_quantity(name, rule, edits, pattern, case, tmp_path, capsys):
    text = SOLUTION
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "rules.py"
    path.write_text(only(rule, text))
    assert compare_main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert re.search(pattern, err, re.S), err
    assert f"case: {case}" in err, err
    assert "Traceback" not in err
    if "hint" not in pattern:          # right or silent: no mistake of the list reproduces these numbers
        assert "hint:" not in err, err


def test_the_solution_passes_the_suite(capsys):
    assert compare_main(["check", str(ROOT / "examples" / "optim_solution.py"), "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert {r["rule"] for r in runs} == {"sgd", "sgd_momentum", "rmsprop", "adam", "adamw", "adagrad"}
    assert all(r["ok"] and r["updates_checked"] >= 15 for r in runs)
    cases = {(r["rule"], r["case"]) for r in runs}
    assert ("adam", "weight decay") in cases and ("rmsprop", "centred") in cases and ("adamw", "eps large") in cases
    adam = [r for r in runs if r["rule"] == "adam"][0]
    assert set(adam["state_max_abs_diff"]) == {"step", "exp_avg", "exp_avg_sq"}
    assert max(max(r["state_max_abs_diff"].values(), default=0) for r in runs) <= 1e-15
    assert max(r["max_abs_diff"] for r in runs) <= 1e-14


def test_a_rule_on_a_given_experiment(capsys):
    path = str(ROOT / "examples" / "optim_solution.py")
    assert compare_main(["check", path, "hiring", "--lr", "0.01", "--epochs", "50", "--weight-decay", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "adam: hiring: OK, 50 updates" in out and "weight_decay 0.1" in out


def test_the_template_is_not_implemented_yet(capsys):
    assert compare_main(["check", str(ROOT / "examples" / "optim_template.py")]) == 2
    err = capsys.readouterr().err
    assert "is not implemented yet" in err and len(err.strip().splitlines()) == 1


BROKEN = [
    ("def adam(w, dw, config):\n    return w\n", r"returned ndarray; expected a pair \(next_w, config\)"),
    ("def adam(w, dw, config):\n    return w, {}\n", r"the returned config lost 'learning_rate'"),
    ("def adam(w, dw, config):\n    return w.T.copy(), config\n",
     r"parameter b1: next_w has shape \(2, 1\); expected \(1, 2\)"),
    ("def adam(w, dw, config):\n    return w[0], config\n", r"next_w has shape"),
    ("def adam(w, dw, config):\n    raise ValueError('oops')\n", r"adam raised ValueError: oops at update 1"),
    ("def adam(w, dw, config)\n    return w, config\n", r"does not import \(SyntaxError"),
]


@pytest.mark.parametrize("source,pattern", BROKEN, ids=[b[1][:30] for b in BROKEN])
def test_broken_rules_exit_2_with_one_line(source, pattern, tmp_path, capsys):
    path = tmp_path / "rules.py"
    path.write_text("import numpy as np\n\n" + source)
    assert compare_main(["check", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert re.search(pattern, err), err
    assert "Traceback" not in err.splitlines()[-1]


def test_nan_from_a_rule_is_a_disagreement(tmp_path, capsys):
    path = tmp_path / "rules.py"
    path.write_text("import numpy as np\n\ndef rmsprop(w, dw, config):\n    return w * np.nan, config\n")
    assert compare_main(["check", str(path)]) == 1
    assert "yours nan" in capsys.readouterr().err


def test_whole_model_form(tmp_path, capsys):
    path = tmp_path / "step.py"
    path.write_text("def step(params, grads, config):\n"
                    "    lr = config['lr']\n"
                    "    return {k: p - lr * grads[k] for k, p in params.items()}, config\n")
    assert compare_main(["check", str(path), "exercise3", "--epochs", "20"]) == 0
    assert "step: exercise3: OK, 80 updates" in capsys.readouterr().out
    path.write_text("def step(params, grads, config):\n"
                    "    return {k: p - 0.99 * config['lr'] * grads[k] for k, p in params.items()}, config\n")
    assert compare_main(["check", str(path), "exercise3", "--epochs", "20"]) == 1
    assert "W3[" in capsys.readouterr().err
