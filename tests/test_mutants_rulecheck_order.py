"""compare/usercode/rulecheck.py, fast (continued): which quantity a rule check names when several are wrong
(W before b within a layer; m before v), the tolerance of the state against the parameters' in float32, the
state a rule never keeps, the classic mistakes' hints at update 1 (zero moments, step 0 before it)."""

from __future__ import annotations

import pytest

from compare.errors import ParityError
from compare.usercode.load import UserCodeError
from compare.usercode.rulecheck import check_rule
from tests.test_mutants_rulecheck import SOLUTION, calls, experiment, named


def failure(fn, rule, e) -> dict:
    with pytest.raises(ParityError) as caught:
        check_rule(fn, rule, e)
    return caught.value.failure


def test_w_before_b_within_a_layer_and_m_before_v():
    found = failure(named(calls(lambda n, u, w, c: (w + 1e-3 if n in ("W2", "b2") else w, c)), "adam"), "adam",
                    experiment("adam"))
    assert found["parameter"] == "W2"
    found = failure(named(calls(lambda n, u, w, c: (w, {**c, "m": 2 * c["m"], "v": 2 * c["v"]} if n == "b1" else c)),
                          "adam"), "adam", experiment("adam"))
    assert (found["state"], found["parameter"]) == ("exp_avg", "b1")
    found = failure(named(calls(lambda n, u, w, c: (w, {**c, "v": 2 * c["v"]} if n == "b1" else c)), "adam"),
                    "adam", experiment("adam"))
    assert (found["state"], found["quantity"]) == ("exp_avg_sq", "second moment")


def test_float32_holds_the_state_to_its_own_wider_tolerance():
    """float32: parameters within 1e-5 + 1e-5 |torch|, the state within 1e-4 + 1e-4 |torch|: a first moment 5e-5
    off passes, a weight 5e-5 off does not (both at the last update, where nothing carries them on)."""
    e = experiment("adam", dtype="float32")
    assert check_rule(SOLUTION["adam"], "adam", e).updates_checked == 4
    state = named(calls(lambda n, u, w, c: (w, {**c, "m": c["m"] + 5e-5} if (n, u) == ("W3", 4) else c)), "adam")
    assert check_rule(state, "adam", e).state_max_abs_diff["exp_avg"] == pytest.approx(5e-5, rel=0.05)
    weight = named(calls(lambda n, u, w, c: (w + 5e-5 if (n, u) == ("W3", 4) else w, c)), "adam")
    found = failure(weight, "adam", e)
    assert (found["update"], found["parameter"], found["state"]) == (4, "W3", None)
    assert "tolerance (atol 1e-05 + rtol 1e-05 x |torch|)" in found["message"]
    far = named(calls(lambda n, u, w, c: (w, {**c, "m": c["m"] + 5e-3} if (n, u) == ("W3", 4) else c)), "adam")
    assert "tolerance (atol 0.0001 + rtol 0.0001 x |torch|)" in failure(far, "adam", e)["message"]


def test_rmsprop_without_centring_keeps_no_mean_gradient_and_none_is_asked():
    report = check_rule(SOLUTION["rmsprop"], "rmsprop", experiment("rmsprop"))
    assert report.unchecked_state == [] and set(report.state_max_abs_diff) == {"square_avg"}
    found = failure(named(calls(lambda n, u, w, c: (w, {**c, "cache": 1.5 * c["cache"]} if n == "W1" else c)),
                          "rmsprop"), "rmsprop", experiment("rmsprop"))
    assert (found["state"], found["quantity"], found["parameter"]) == ("square_avg", "running mean of dw^2", "W1")
    found = failure(named(calls(lambda n, u, w, c: (w, {**c, "cache": 1.5 * c["cache"]} if n == "b3" else c)),
                          "adagrad"), "adagrad", experiment("adagrad"))
    assert (found["state"], found["quantity"], found["parameter"]) == ("sum", "sum of dw^2", "b3")


def test_the_classic_mistakes_are_named_at_update_1():
    def no_correction(w, dw, config):
        config.setdefault("m", 0 * w)
        config.setdefault("v", 0 * w)
        config["t"] = config.get("t", 0) + 1
        config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
        config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * dw * dw
        return w - config["learning_rate"] * config["m"] / (config["v"] ** 0.5 + config["epsilon"]), config
    found = failure(no_correction, "adam", experiment("adam"))
    assert found["update"] == 1 and any("no bias correction" in h for h in found["hints"]), found["hints"]
    coupled = failure(named(SOLUTION["adam"], "adamw"), "adamw", experiment("adamw", weight_decay=0.1))
    assert any("weight decay coupled (added to the gradient" in h for h in coupled["hints"]), coupled["hints"]
    decoupled = failure(SOLUTION["adamw"], "adam", experiment("adam", weight_decay=0.1))
    assert any("without the weight decay (ignored, or decoupled" in h for h in decoupled["hints"]), decoupled


def test_a_state_that_is_not_numbers_is_one_line():
    for bad in ({}, "abc"):
        with pytest.raises(UserCodeError, match=r"^adam: config\['m'\] is not numbers$"):
            check_rule(lambda w, dw, c, bad=bad: (w, {**c, "m": bad, "v": w, "t": 1}), "adam", experiment("adam"))
