"""compare/usercode/rulecheck.py, fast (continued): which quantity a rule check names when several are wrong
(W before b within a layer; m before v), the tolerance of the state against the parameters' in float32, the
state a rule never keeps, the classic mistakes' hints at update 1 (zero moments, step 0 before it)."""

from __future__ import annotations

import numpy as np
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


def test_the_step_counter_off_by_one_and_adamws_own_decay_are_recognised():
    def t_after_use(w, dw, config):          # bias correction with t before it is counted: nan at update 1
        config.setdefault("m", 0 * w)
        config.setdefault("v", 0 * w)
        config.setdefault("t", 0)
        b1, b2 = config["beta1"], config["beta2"]
        config["m"] = b1 * config["m"] + (1 - b1) * dw
        config["v"] = b2 * config["v"] + (1 - b2) * dw * dw
        with np.errstate(divide="ignore", invalid="ignore"):
            step = (config["m"] / (1 - b1 ** config["t"])) / (np.sqrt(config["v"] / (1 - b2 ** config["t"]))
                                                              + config["epsilon"])
        config["t"] += 1
        return w - config["learning_rate"] * step, config
    found = failure(t_after_use, "adam", experiment("adam"))
    assert found["update"] == 1 and any("the step counter is off by one" in h for h in found["hints"]), found

    def adamw_without_correction(w, dw, config):     # AdamW's decay right, no bias correction
        config.setdefault("m", 0 * w)
        config.setdefault("v", 0 * w)
        config["t"] = config.get("t", 0) + 1
        b1, b2 = config["beta1"], config["beta2"]
        config["m"] = b1 * config["m"] + (1 - b1) * dw
        config["v"] = b2 * config["v"] + (1 - b2) * dw * dw
        decayed = w * (1 - config["learning_rate"] * config["weight_decay"])
        return decayed - config["learning_rate"] * config["m"] / (np.sqrt(config["v"]) + config["epsilon"]), config
    found = failure(adamw_without_correction, "adamw", experiment("adamw", weight_decay=0.1))
    assert found["update"] == 1 and any("no bias correction" in h for h in found["hints"]), found["hints"]


def test_a_step_count_wrong_for_one_parameter_only_is_named_there():
    found = failure(named(calls(lambda n, u, w, c: (w, {**c, "t": c["t"] + 1} if n == "b3" else c)), "adam"),
                    "adam", experiment("adam"))
    assert (found["state"], found["parameter"], found["yours"], found["torch"]) == ("step", "b3", 2.0, 1.0)


@pytest.mark.parametrize("scale, ok", [(0.8, True), (1.25, False)])
def test_the_parameters_tolerance_is_relative_to_torchs_value(scale, ok):
    """One element, |w| about 0.5 (not 1, where |w| and 1 / |w| agree): 1e-12 + 1e-9 |torch|, at the last update."""
    picked = []

    def nudge(n, u, w, c):
        if (n, u) == ("W2", 4):
            k = np.unravel_index(int(np.argmin(np.abs(w))), w.shape)
            assert 0.05 < abs(w[k]) < 0.7, w
            w = w.copy()
            w[k] += scale * (1e-12 + 1e-9 * abs(w[k]))
            picked.append(f"[{k[0]}, {k[1]}]")
        return w, c
    rule = named(calls(nudge), "adam")
    if ok:
        assert check_rule(rule, "adam", experiment("adam")).max_abs_diff > 0.8 * 1e-9 * 0.05
    else:
        found = failure(rule, "adam", experiment("adam"))
        assert (found["parameter"], found["element"]) == ("W2", picked[0])


def test_a_first_moment_never_kept_leaves_the_others_checked():
    private: list[dict] = [{} for _ in range(6)]
    count = [0]

    def adam(w, dw, config):
        mine = private[count[0] % 6]
        count[0] += 1
        mine.update({k: v for k, v in config.items() if k != "m"})
        next_w, mine = SOLUTION["adam"](w, dw, mine)
        return next_w, {**config, "v": mine["v"], "t": mine["t"]}
    report = check_rule(adam, "adam", experiment("adam"))
    assert report.unchecked_state == ["m"] and set(report.state_max_abs_diff) == {"exp_avg_sq", "step"}
