"""`python -m compare explain`: every printed value is the harness's own at that update, torch's autograd
agrees, the text shows the JSON's numbers, bad input exits 2, a buggy file gets its first wrong quantity marked.

Oracles: the harness objects stepped here by the test itself (`Lockstep` + the DataLoader), and torch's
autograd on a network written out below with plain tensor operations (no torch_impl, no numpy_impl)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from compare.cli.cmd_explain import main
from compare.experiment.sources import load_experiment
from compare.lockstep.pair import Lockstep
from compare.usercode.explain import explain

DATA = Path(__file__).resolve().parent / "data_explain"

CASES = [   # (preset, overrides, update)
    ("hiring", {}, 1),
    ("hiring", {"loss": "bce"}, 4),
    ("exercise1", {"loss": "mean"}, 2),
    ("exercise2", {"mode": "batch"}, 3),
    ("exercise3", {"mode": "minibatch"}, 3),
    ("exercise3", {"mode": "stochastic", "momentum": 0.9, "weight_decay": 0.01}, 6),
    ("exercise3", {"mode": "minibatch", "batch_size": 3, "hidden_activation": "tanh"}, 2),
    ("exercise3", {"mode": "batch", "dtype": "float32"}, 5),
]


def harness_states(e, k):
    """The parameters before and after update k, and the batch, as the harness itself produces them."""
    run = Lockstep(e)
    done = 0
    for _ in range(e.epochs):
        for X, T, indices in run.torch.loader:
            if done + 1 == k:
                before = (run.numpy.parameters(), run.torch.parameters())
                run.torch.step(X, T)
                run.numpy.step(indices.numpy())
                return before, (run.numpy.parameters(), run.torch.parameters()), indices.tolist(), run
            run.torch.step(X, T)
            run.numpy.step(indices.numpy())
            done += 1
    raise AssertionError("update not reached")


def autograd_oracle(e, weights, biases, X, T):
    """Z, A, loss, dL/dZ and the gradients by torch autograd, the network written out by hand."""
    Ws = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]
    f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}
    A = torch.tensor(X, dtype=torch.float64)
    Zs, As = [], []
    for l, (W, b) in enumerate(zip(Ws, bs)):
        Z = A @ W + b
        Z.retain_grad()
        A = f[e.output_activation if l == len(Ws) - 1 else e.hidden_activation](Z)
        Zs.append(Z)
        As.append(A)
    T_ = torch.tensor(T, dtype=torch.float64)
    B, K = T.shape
    if e.loss == "sum":
        loss = ((T_ - A) ** 2).sum() / 2 / B
    elif e.loss == "mean":
        loss = ((T_ - A) ** 2).sum() / 2 / (B * K)
    else:   # bce
        loss = -(T_ * torch.log(A) + (1 - T_) * torch.log(1 - A)).sum() / (B * K)
    loss.backward()
    np_ = lambda t: t.detach().numpy()  # noqa: E731
    return ([np_(z) for z in Zs], [np_(a) for a in As], float(loss.detach()), [np_(z.grad) for z in Zs],
            [np_(W.grad) for W in Ws], [np_(b.grad) for b in bs])


@pytest.mark.parametrize("preset,overrides,k", CASES)
def test_values_are_the_harness_and_autograd(preset, overrides, k):
    e = load_experiment(preset, {"epochs": 20, **overrides})
    ex = explain(e, k)
    (before_np, before_th), (after_np, after_th), samples, run = harness_states(e, k)
    assert ex.samples == samples
    assert ex.first_difference() is None
    L = e.n_layers
    for l in range(L):   # exactly the harness's parameters, both sides, before and after the update
        for p, name in ((0, "W"), (1, "b")):
            assert np.array_equal(ex.get(f"{name}{l + 1}", "before").numpy, before_np[p][l])
            assert np.array_equal(ex.get(f"{name}{l + 1}", "before").torch, before_th[p][l])
            assert np.array_equal(ex.get(f"{name}{l + 1}", "update").numpy, after_np[p][l])
            assert np.array_equal(ex.get(f"{name}{l + 1}", "update").torch, after_th[p][l])
    updated = [q for q in ex.quantities if q.stage == "update" and not q.name.startswith("buf")]
    assert max(q.max_abs_diff for q in updated) == pytest.approx(run.max_abs_diff(), rel=1e-6, abs=1e-30)
    if e.momentum:
        for l in range(L):
            assert np.array_equal(ex.get(f"buf_W{l + 1}").numpy, run.numpy.optimizer.buffers[2 * l])
            state = run.torch.optimizer.state[run.torch.model.linears[l].weight]["momentum_buffer"]
            assert np.array_equal(ex.get(f"buf_W{l + 1}").torch, state.numpy().T)
    X, T = e.inputs[samples], e.targets[samples]
    if e.dtype == "float32":
        X, T = X.astype(np.float32).astype(np.float64), T.astype(np.float32).astype(np.float64)
    Zs, As, loss, dZ, dW, db = autograd_oracle(e, before_th[0], before_th[1], X, T)
    tol = dict(rtol=1e-5, atol=1e-6) if e.dtype == "float32" else dict(rtol=1e-12, atol=1e-14)
    B = len(samples)
    assert ex.get("L").numpy[0, 0] == pytest.approx(loss, **{"rel": tol["rtol"], "abs": tol["atol"]})
    for l in range(L):
        for side in ("numpy", "torch"):
            np.testing.assert_allclose(getattr(ex.get(f"Z{l + 1}"), side), Zs[l], **tol)
            np.testing.assert_allclose(getattr(ex.get(f"A{l + 1}"), side), As[l], **tol)
            np.testing.assert_allclose(getattr(ex.get(f"delta{l + 1}"), side), dZ[l] * B, **tol)
            np.testing.assert_allclose(getattr(ex.get(f"dW{l + 1}"), side), dW[l], **tol)
            np.testing.assert_allclose(getattr(ex.get(f"db{l + 1}"), side), db[l], **tol)
        np.testing.assert_allclose(ex.get(f"delta{l + 1}").torch_raw, dZ[l], **tol)


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def printed_arrays(text):
    """Per quantity block, {side: [numbers]} in order, parsed from the text output."""
    blocks, current, side = [], None, None
    for line in text.splitlines():
        if not line.strip() or line.startswith("=="):
            continue
        if not line.startswith(" "):
            current = {}
            blocks.append(current)
            side = None
            continue
        m = re.match(r"^    (numpy|torch|yours)\s+(\[.*)$", line)
        if m:
            side = m.group(1)
            current[side] = []
            body = m.group(2)
        elif side and re.match(r"^\s+\[", line) and current is not None:
            body = line
        else:
            side = None
            continue
        current[side] += [float(x) for x in re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|nan|inf", body)]
    return [b for b in blocks if b]


@pytest.mark.parametrize("argv,digits", [(["hiring"], 8), (["exercise3", "--mode", "minibatch", "--update",
                                                                "3", "--momentum", "0.5"], 5)])
def test_text_shows_the_json_numbers(capsys, argv, digits):
    code, out, _ = run_cli(capsys, *argv, "--epochs", "5", "--json")
    assert code == 0
    data = json.loads(out)
    code, text, _ = run_cli(capsys, *argv, "--epochs", "5", "--digits", str(digits))
    assert code == 0
    blocks = printed_arrays(text)
    assert len(blocks) == len(data["quantities"])
    for block, q in zip(blocks, data["quantities"]):
        for side in ("numpy", "torch"):
            expected = [float(f"{x:.{digits}g}") for x in np.ravel(q[side])]
            assert block[side] == expected, (q["name"], side)
    assert [q["name"] for q in data["quantities"]][:2] == ["X", "T"]
    assert data["ok"] is True and data["first_difference"] is None


def test_json_matches_explanation(capsys):
    code, out, _ = run_cli(capsys, "exercise2", "--mode", "stochastic", "--update", "3", "--epochs", "4", "--json")
    data = json.loads(out)
    ex = explain(load_experiment("exercise2", {"mode": "stochastic", "epochs": 4}), 3)
    assert (data["update"], data["epoch"], data["batch"], data["samples"]) == (3, 1, 0, ex.samples)
    assert data["names"] == [ex.experiment.names[i] for i in ex.samples]
    for item, q in zip(data["quantities"], ex.quantities):
        assert item["name"] == q.name and item["shape"] == list(q.shape)
        assert np.array_equal(np.array(item["numpy"]), q.numpy) and np.array_equal(np.array(item["torch"]), q.torch)


@pytest.mark.parametrize("argv,needle", [
    (["--update", "0"], "valid: 1..50"),
    (["--update", "-2"], "valid: 1..50"),
    (["--update", "51"], "valid: 1..50"),
    (["--update", "1.5"], "valid: 1..50"),
    (["--update", "x"], "valid: 1..50"),
    (["--digits", "0"], "1..17"),
    (["--digits", "18"], "1..17"),
    (["--digits", "many"], "1..17"),
    (["--mode", "all"], "--mode all"),
    (["--out", "somewhere"], "--out"),
    (["--backward", str(DATA / "missing.py")], "no such file"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, needle):
    code, out, err = run_cli(capsys, "hiring", "--epochs", "50", *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err


@pytest.mark.parametrize("file,first,stage", [("no_hidden_derivative.py", "dW2", "backward"),
                                              ("wrong_sign_forward.py", "A1", "forward")])
def test_buggy_file_first_wrong_quantity_is_marked(capsys, file, first, stage):
    code, out, err = run_cli(capsys, "exercise3", "--mode", "minibatch", "--epochs", "3", "--update", "2",
                             "--backward", str(DATA / file))
    assert code == 1
    marked = [block for block in out.split("\n\n") if "FIRST DIFFERENCE" in block]
    assert len(marked) == 1 and marked[0].lstrip("\n").startswith(f"{first} = ")
    assert f"first difference at {first}[" in err
    code, out, _ = run_cli(capsys, "exercise3", "--mode", "minibatch", "--epochs", "3", "--update", "2",
                           "--backward", str(DATA / file), "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert data["first_difference"]["name"] == first and data["first_difference"]["side"] == "user"
    assert data["first_difference"]["stage"] == stage
    # everything before the marked quantity agrees with torch: the mark is the FIRST wrong line
    for q in data["quantities"]:
        if q["name"] == first:
            break
        if "user" in q:
            assert q["user_max_abs_diff"] <= 1e-12


def test_correct_file_agrees_and_keeps_our_numbers(capsys):
    code, out, _ = run_cli(capsys, "exercise3", "--mode", "minibatch", "--update", "4", "--epochs", "3",
                           "--momentum", "0.9", "--backward", str(DATA / "correct.py"), "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True
    users = [q for q in data["quantities"] if "user" in q]
    assert {q["name"] for q in users} >= {"A3", "dW1", "db3", "W2", "buf_W1"}
    for q in users:
        np.testing.assert_allclose(q["user"], q["torch"], rtol=1e-12, atol=1e-14)


def test_divergence_before_the_update_exits_3(capsys):
    path = str(DATA / "diverge.toml")
    code, out, err = run_cli(capsys, path, "--update", "2", "--quiet")
    assert code == 0 and "agree" in out
    code, out, err = run_cli(capsys, path, "--update", "400")
    assert code == 3 and out == "" and "diverged" in err and len(err.strip().splitlines()) == 1


def test_recorded_deltas_leave_the_gradients_unchanged():
    from numpy_impl.network import backward, forward
    e = load_experiment("exercise3")
    W = [np.array(w) for w in e.init_weights]
    Zs, As = forward(W, [np.array(b) for b in e.init_biases], e.inputs)
    plain = backward(W, Zs, As, e.targets)
    deltas: list = []
    recorded = backward(W, Zs, As, e.targets, deltas=deltas)
    for a, b in zip(plain[0] + plain[1], recorded[0] + recorded[1]):
        assert np.array_equal(a, b)
    assert [d.shape for d in deltas] == [(4, 2), (4, 2), (4, 1)]
    # the output delta of the seed's loss, written out: (A - T) A (1 - A)
    np.testing.assert_allclose(deltas[-1], (As[-1] - e.targets) * As[-1] * (1 - As[-1]), rtol=1e-14)
