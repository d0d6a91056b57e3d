"""How the layer check calls a layer's functions and reads what they return (compare/layers/check.py):
the running statistics a batchnorm forward leaves in bn_param (train: updated, test: left as given), the
cache handed back to the backward, a layer's problem ending that layer only. Against a hand-written batchnorm
(cs231n's interface: running = momentum running + (1 - momentum) batch, biased variance) varied by known
mistakes, and recordings built here by hand where the shipped ones have no such case."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from compare.layers.check import check_layer
from compare.layers.recorded import Recorded, load_cases
from compare.layers.table import LAYERS

BN = LAYERS["batchnorm"]
TRAIN, TEST, ONLY_MODE = "train, N=6", "test mode", "train, only mode given"


def _bn(momentum_of=None, store=True, test_touch=None, nudge_out=0.0, test_pop=None, var_factor=1.0,
        only_mode_mean=None, given_var_factor=1.0):
    """cs231n's batchnorm, right by default; each argument puts one mistake in."""
    def batchnorm_forward(x, gamma, beta, bn_param):
        eps, m = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
        D = x.shape[1]
        rm = bn_param.get("running_mean", np.zeros(D))       # (D,)
        rv = bn_param.get("running_var", np.zeros(D))        # (D,)
        if bn_param["mode"] == "test":
            out = gamma * (x - rm) / np.sqrt(rv + eps) + beta
            if test_touch is not None:
                bn_param[test_touch] = bn_param[test_touch] + 1.0
            if test_pop is not None:
                del bn_param[test_pop]
            return out, None
        mu, var = x.mean(0), x.var(0)                         # (D,)
        xhat = (x - mu) / np.sqrt(var + eps)                  # (N, D)
        out = gamma * xhat + beta + nudge_out
        if store == "given":
            bn_param["running_mean"] = rm                     # the array passed in, unchanged
        elif store:
            keep = m if momentum_of is None else momentum_of(m)
            bn_param["running_mean"] = keep * rm + (1 - keep) * mu
            if only_mode_mean is not None and "momentum" not in bn_param:
                bn_param["running_mean"] = only_mode_mean(mu)
        bn_param["running_var"] = m * rv + (1 - m) * var * var_factor
        if "running_var" in bn_param and "momentum" in bn_param:       # the first case only
            bn_param["running_var"] *= given_var_factor
        return out, (xhat, 1 / np.sqrt(var + eps), gamma)

    def batchnorm_backward(dout, cache):
        xhat, istd, gamma = cache
        N = dout.shape[0]
        dxhat = dout * gamma                                  # (N, D)
        dx = istd / N * (N * dxhat - dxhat.sum(0) - xhat * (dxhat * xhat).sum(0))
        return dx, (dout * xhat).sum(0), dout.sum(0)
    return {"batchnorm_forward": batchnorm_forward, "batchnorm_backward": batchnorm_backward}


def test_a_right_batchnorm_agrees_on_its_outputs_running_statistics_and_gradients():
    r = check_layer(BN, _bn())
    assert r.status == "ok" and r.failure is None
    assert [i.name for i in r.items] == ["out", "running_mean", "running_var", "dx", "dgamma", "dbeta"]
    # the recording's running mean is 0.9 x the given one + 0.1 x the batch mean, by hand
    rec = load_cases(BN)[0]
    expected = 0.9 * rec.inputs["bn_param.running_mean"] + 0.1 * rec.inputs["x"].mean(0)
    assert np.allclose(rec.ref["running_mean"], expected, rtol=1e-12, atol=0)


def test_a_train_forward_storing_no_running_mean_is_an_error_naming_it():
    # the first case passes bn_param with a running mean (left there: unchanged); the third passes none
    r = check_layer(BN, _bn(store=False))
    assert r.status == "error" and (r.failure.function, r.failure.item, r.failure.case) == (
        "batchnorm_forward", "running_mean", ONLY_MODE)
    assert r.failure.message == ("batchnorm_forward left no running_mean in bn_param (case \"train, only mode "
                                 "given\"): in train mode it updates bn_param['running_mean']")


def test_a_test_forward_removing_a_running_statistic_is_an_error_naming_it():
    r = check_layer(BN, _bn(test_pop="running_var"))
    assert r.status == "error" and (r.failure.item, r.failure.case) == ("running_var", TEST)
    assert r.failure.message == ("batchnorm_forward left no running_var in bn_param (case \"test mode\"): in "
                                 "test mode it leaves bn_param['running_var'] as it was")


def test_a_test_forward_changing_the_running_statistics_is_told_they_are_only_read():
    r = check_layer(BN, _bn(test_touch="running_mean"))
    f = r.failure
    assert r.status == "failed" and (f.function, f.item, f.case) == ("batchnorm_forward", "running_mean", TEST)
    assert f.yours - f.torch == 1.0
    assert f.hints == ("bn_param['running_mean'] changed in test mode: the running statistics are only read there "
                       "(they are updated in train mode only)",)


def test_a_train_forward_leaving_the_given_running_mean_is_told_so():
    r = check_layer(BN, _bn(store="given"))
    f = r.failure
    assert r.status == "failed" and (f.item, f.case) == ("running_mean", TRAIN)
    assert f.hints == ("bn_param['running_mean'] is unchanged, the array passed in: in train mode the forward "
                       "stores the updated running statistic back in bn_param['running_mean']",)
    # running_var is still compared after running_mean's failure (and agrees)
    items = {i.name: i.ok for i in r.items}
    assert items["running_mean"] is False and items["running_var"] is True


def test_a_known_mistake_keeps_its_own_hint_alone():
    # torch's meaning of momentum: the new batch weighs 0.9
    r = check_layer(BN, _bn(momentum_of=lambda m: 1 - m))
    f = r.failure
    assert (f.item, f.case) == ("running_mean", TRAIN)
    assert len(f.hints) == 1 and "torch's meaning of momentum" in f.hints[0]


def test_a_wrong_running_mean_no_mistake_explains_gets_no_hint_and_the_rest_is_compared():
    r = check_layer(BN, _bn(momentum_of=lambda m: 0.5))
    f = r.failure
    assert r.status == "failed" and (f.item, f.case, f.hints) == ("running_mean", TRAIN, ())
    rec = load_cases(BN)[0]
    mu, given = rec.inputs["x"].mean(0), rec.inputs["bn_param.running_mean"]
    assert np.abs(np.array(f.yours) - (0.5 * given + 0.5 * mu)).min() < 1e-15
    assert [i.name for i in r.items] == ["out", "running_mean", "running_var", "dx", "dgamma", "dbeta"]
    # running_var, wrong in the same case, is compared after it
    r = check_layer(BN, _bn(momentum_of=lambda m: 0.5, given_var_factor=3.0))
    assert r.failure.item == "running_mean" and {i.name: i.ok for i in r.items}["running_var"] is False


def test_a_wrong_running_var_after_a_right_running_mean_is_found():
    r = check_layer(BN, _bn(var_factor=2.0))
    assert r.status == "failed" and (r.failure.item, r.failure.case) == ("running_var", TRAIN)


def test_with_no_running_statistics_given_a_wrong_one_gets_no_unchanged_hint():
    # bn_param = {"mode": "train"}: the running mean starts at zeros, 0.1 x the batch mean is right
    r = check_layer(BN, _bn(only_mode_mean=lambda mu: mu))
    f = r.failure
    assert r.status == "failed" and (f.item, f.case, f.hints) == ("running_mean", ONLY_MODE, ())
    rec = load_cases(BN)[2]
    mu = rec.inputs["x"].mean(0)
    assert f.index == "running_mean[0]" and f.yours == pytest.approx(mu[0], rel=1e-14, abs=0)
    assert f.torch == pytest.approx(0.1 * mu[0], rel=1e-12, abs=0)


def test_a_failure_on_out_is_not_given_a_running_statistics_hint():
    r = check_layer(BN, _bn(nudge_out=1e-3, store="given"))
    f = r.failure
    assert (f.item, f.case, f.hints) == ("out", TRAIN, ())
    assert f.yours - f.torch == pytest.approx(1e-3, rel=1e-9, abs=0)


def test_a_test_case_giving_no_running_mean_still_checks_the_running_var():
    """A test-mode recording without a running mean (built here): the forward's default zeros, out by hand."""
    rec = load_cases(BN)[1]
    x, gamma, beta, rv = (rec.inputs[k] for k in ("x", "gamma", "beta", "bn_param.running_var"))
    out = gamma * x / np.sqrt(rv + 1e-5) + beta                  # (N, D), running mean 0
    inputs = {k: v for k, v in rec.inputs.items() if k != "bn_param.running_mean"}
    built = Recorded(inputs, {}, {"out": out}, {}, rec.numbers, rec.torch)
    layer = replace(BN, cases=(BN.cases[1],))
    assert check_layer(layer, _bn(), [built]).status == "ok"
    r = check_layer(layer, _bn(test_touch="running_var"), [built])
    assert r.status == "failed" and (r.failure.item, r.failure.case) == ("running_var", TEST)
    assert r.failure.hints[0].startswith("bn_param['running_var'] changed in test mode")


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def test_the_backward_gets_the_cache_the_forward_returned_last_after_two_outputs():
    """lstm_step returns (next_h, next_c, cache): the backward is handed the cache, not next_c."""
    cache = ("the forward's cache",)

    def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
        a = x @ Wx + prev_h @ Wh + b                                   # (N, 4H)
        H = prev_h.shape[1]
        i, f, o, g = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
        next_c = f * prev_c + i * g
        return o * np.tanh(next_c), next_c, cache

    def lstm_step_backward(dnext_h, dnext_c, got):
        if got is not cache:
            raise TypeError("not my cache")
        N, H = dnext_h.shape
        return (np.zeros((N, 5)), np.zeros((N, H)), np.zeros((N, H)), np.zeros((5, 4 * H)),
                np.zeros((H, 4 * H)), np.zeros(4 * H))
    r = check_layer(LAYERS["lstm_step"], {"lstm_step_forward": lstm_step_forward,
                                          "lstm_step_backward": lstm_step_backward})
    assert r.status == "failed" and (r.failure.function, r.failure.item) == ("lstm_step_backward", "dx")
    assert {i.name: i.ok for i in r.items}["next_c"] is True


def _softmax_loss(change_x=False, loss_as=float):
    def softmax_loss(x, y):
        z = x - x.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))       # (N, C)
        N = x.shape[0]
        dx = np.exp(logp)
        dx[np.arange(N), y] -= 1
        if change_x:
            x -= x.max(axis=1, keepdims=True)
        return loss_as(-logp[np.arange(N), y].mean()), dx / N
    return {"softmax_loss": softmax_loss}


def test_a_loss_is_read_as_one_number_and_its_inputs_must_stay():
    layer = LAYERS["softmax_loss"]
    assert check_layer(layer, _softmax_loss()).status == "ok"
    assert check_layer(layer, _softmax_loss(loss_as=lambda v: np.array([v]))).status == "ok"
    r = check_layer(layer, _softmax_loss(loss_as=lambda v: np.array([v, v])))
    assert r.status == "error" and r.failure.message == (
        "softmax_loss: loss is an array of 2 float64; expected one number")
    r = check_layer(layer, _softmax_loss(change_x=True))
    assert r.status == "error" and (r.failure.function, r.failure.item) == ("softmax_loss", "x")
    assert r.failure.message.startswith("softmax_loss changed its argument x in place (case \"N=5, C=4\")")
    assert [i.name for i in r.items] == ["loss", "dx"] and all(i.ok for i in r.items)
