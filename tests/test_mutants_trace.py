"""compare/usercode/trace.py, fast: a recording of exercise3 (3 epochs of mini-batches of 2: 6 updates) against
torch autograd on the seed's formulas written out here (sigmoid layers, loss = batch mean of sum (t - a)^2 / 2,
plain SGD), update by update to the last; the loaded `Trace` read back the same way; a recording's size in
bytes against the arrays it really holds; the ways a recording diverges, in words."""

from __future__ import annotations

import dataclasses
import json
import tomllib

import numpy as np
import pytest
import torch

from compare.errors import DivergenceError, ExperimentError
from compare.experiment.initial import initial_parameters
from compare.experiment.sources import load_experiment
from compare.usercode import trace as trace_module
from compare.usercode.trace import TraceBuilder, check_recordable, load_trace, record, save_trace, trace_bytes

E = load_experiment("exercise3", {"mode": "minibatch", "epochs": 3})
CLOSE = dict(rtol=1e-12, atol=1e-15)


def autograd_run(e) -> list[dict]:
    """Every update of `e` by torch autograd, in the seed layout, on the DataLoader's batches."""
    from torch_impl.data import make_loader

    W = [torch.tensor(np.array(w, dtype=np.float64)) for w in e.init_weights]
    b = [torch.tensor(np.array(x, dtype=np.float64)).reshape(1, -1) for x in e.init_biases]
    X_all, T_all = torch.tensor(np.asarray(e.inputs)), torch.tensor(np.asarray(e.targets))
    loader = make_loader(e, X_all, T_all)
    updates = []
    for epoch in range(e.epochs):
        for batch, (X, T, idx) in enumerate(loader):
            Wg = [w.clone().requires_grad_(True) for w in W]
            bg = [x.clone().requires_grad_(True) for x in b]
            A, Zs, As = X, [], []
            for w, c in zip(Wg, bg):
                Z = A @ w + c                       # (B, n_out)
                Z.retain_grad()
                A = torch.sigmoid(Z)
                Zs.append(Z)
                As.append(A)
            loss = ((A - T) ** 2).sum() / 2 / X.shape[0]
            loss.backward()
            before = ([w.numpy().copy() for w in W], [x.numpy().copy() for x in b])
            W = [w - e.lr * w_.grad for w, w_ in zip(W, Wg)]
            b = [x - e.lr * x_.grad for x, x_ in zip(b, bg)]
            updates.append(dict(epoch=epoch, batch=batch, idx=idx.numpy(), before=before, loss=loss.item(),
                                Z=[z.detach().numpy() for z in Zs], A=[a.detach().numpy() for a in As],
                                dZ=[z.grad.numpy() for z in Zs], dW=[w.grad.numpy() for w in Wg],
                                db=[x.grad.numpy() for x in bg], W=[w.numpy() for w in W], b=[x.numpy() for x in b]))
    return updates


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    seen = []
    arrays = record(E, *initial_parameters(E), on_epoch=lambda epoch, loss: seen.append((epoch, loss)))
    path = save_trace(tmp_path_factory.mktemp("trace") / "t.npz", arrays)
    return arrays, path, seen


def test_every_array_of_the_recording_is_autograds_to_the_last_update(recorded):
    arrays, _, seen = recorded
    hand = autograd_run(E)
    assert len(hand) == 6
    assert arrays["epoch"].tolist() == [u["epoch"] for u in hand] == [0, 0, 1, 1, 2, 2]
    assert arrays["batch"].tolist() == [u["batch"] for u in hand] == [0, 1, 0, 1, 0, 1]
    assert arrays["offsets"].tolist() == [0, 2, 4, 6, 8, 10, 12]
    np.testing.assert_array_equal(arrays["samples"], np.concatenate([u["idx"] for u in hand]))
    assert arrays["sizes"].tolist() == [2, 2, 2, 1] and arrays["version"][()] == 1
    assert str(arrays["format"][()]) == "backprop-parity-trace"
    np.testing.assert_allclose(arrays["loss"], [u["loss"] for u in hand], **CLOSE)
    for l in range(3):
        np.testing.assert_array_equal(arrays[f"initial_W{l + 1}"], np.array(E.init_weights[l]))
        np.testing.assert_array_equal(arrays[f"initial_b{l + 1}"], np.array(E.init_biases[l]).reshape(1, -1))
        for key in ("A", "dZ"):
            np.testing.assert_allclose(arrays[f"{key}{l + 1}"], np.concatenate([u[key][l] for u in hand]), **CLOSE)
        for key in ("dW", "db", "W", "b"):
            np.testing.assert_allclose(arrays[f"{key}{l + 1}"], np.stack([u[key][l] for u in hand]), **CLOSE)
    for key, value in arrays.items():
        assert value.dtype == {"U": value.dtype, "i": np.int64, "f": np.float64}[value.dtype.kind], key
    # on_epoch: every epoch; the data-set loss on the report epoch (0 of report_every 1000), after its updates
    W, b = hand[1]["W"], hand[1]["b"]
    A = np.asarray(E.inputs)
    for w, c in zip(W, b):
        A = 1 / (1 + np.exp(-(A @ w + c)))
    assert [epoch for epoch, _ in seen] == [0, 1, 2] and seen[1][1] is None and seen[2][1] is None
    assert seen[0][1] == pytest.approx(np.mean(np.sum((A - np.asarray(E.targets)) ** 2, axis=1) / 2), rel=1e-12)


def test_the_loaded_trace_reads_each_update_as_autograd_computed_it(recorded):
    _, path, _ = recorded
    hand = autograd_run(E)
    t = load_trace(path)
    assert t.updates == 6 and t.path == path and t.experiment.source == str(path)
    assert t.environment["torch"] == torch.__version__ and t.environment["dtype"] == "float64"
    X_all = np.asarray(E.inputs)
    for u, h in enumerate(hand):
        np.testing.assert_array_equal(t.samples(u), h["idx"])
        assert t.epoch_batch(u) == (h["epoch"], h["batch"]) == (u // 2, u % 2)
        W, b = t.before(u)
        for l in range(3):
            np.testing.assert_allclose(W[l], h["before"][0][l], **CLOSE)
            np.testing.assert_allclose(b[l], h["before"][1][l], **CLOSE)
        X = X_all[h["idx"]]
        s = t.stages(u, X)
        assert s.activations[0] is X and len(s.Zs) == len(s.activations) - 1 == 3
        assert s.loss == pytest.approx(h["loss"], rel=1e-12, abs=0)
        for l in range(3):
            for mine, key in ((s.Zs, "Z"), (s.activations[1:], "A"), (s.dZ, "dZ"), (s.dW, "dW"), (s.db, "db"),
                              (s.weights, "W"), (s.biases, "b")):
                np.testing.assert_allclose(mine[l], h[key][l], **CLOSE, err_msg=f"update {u + 1} {key}{l + 1}")
    np.testing.assert_array_equal(t.initial_weights[2], np.array(E.init_weights[2]))
    np.testing.assert_array_equal(t.initial_biases[0], np.array(E.init_biases[0]).reshape(1, -1))


@pytest.mark.parametrize("changes, per_epoch, batch_sizes", [
    ({"batch_size": 3}, 2, [3, 1]),
    ({"batch_size": 3, "drop_last": True}, 1, [3]),
    ({"order": "replacement", "samples_per_epoch": 5, "batch_size": 2}, 3, [2, 2, 1]),
    ({"mode": "batch"}, 1, [4]),
])
def test_batch_schedules_record_load_and_size_as_they_are(tmp_path, changes, per_epoch, batch_sizes):
    e = load_experiment("exercise3", {"mode": "minibatch", "epochs": 2, **changes})
    arrays = record(e, *initial_parameters(e))
    t = load_trace(save_trace(tmp_path / "t.npz", arrays))
    assert t.updates == 2 * per_epoch
    assert np.diff(t.arrays["offsets"]).tolist() == batch_sizes * 2
    assert [len(t.samples(u)) for u in range(t.updates)] == batch_sizes * 2
    # one more epoch adds exactly the bytes its arrays add: per update W, b, dW, db and 4 numbers, per sample
    # A and dZ of every layer and its index (8 bytes each)
    more = dataclasses.replace(e, epochs=3)
    P, widths = sum(a.size for k, a in arrays.items() if k.startswith("initial_")), sum(e.sizes[1:])
    assert P == 15 and widths == 5
    grown = 8 * (per_epoch * (2 * P + 4) + sum(batch_sizes) * (2 * widths + 1))
    assert trace_bytes(more) - trace_bytes(e) == grown
    numeric = sum(a.nbytes for a in arrays.values() if a.dtype.kind != "U")
    text = sum(a.nbytes for a in arrays.values() if a.dtype.kind == "U")
    assert numeric + text <= trace_bytes(e) <= numeric + 3 * text + 4 * (20 * P + 4096)


def test_a_recording_is_written_compressed(recorded):
    import zipfile
    _, path, _ = recorded
    with zipfile.ZipFile(path) as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}


def test_the_size_covers_an_experiment_whose_text_is_most_of_it():
    """blobs: 1000 samples of data written into the experiment's text, 2,778 weights written out."""
    e = load_experiment("blobs", {"epochs": 1, "mode": "batch"})
    arrays = record(e, *initial_parameters(e))
    held = sum(a.nbytes for a in arrays.values())
    assert str(arrays["experiment"][()]).count("\n") > 10 and arrays["experiment"].nbytes > 1_500_000
    assert held <= trace_bytes(e) <= 2 * held


def test_the_size_covers_weights_written_out_at_their_longest():
    """xor's drawn weights (xavier-uniform) written out: 2-128-128-1 at their longest (a 24-character repr and
    ", ", 17,025 numbers) within the size computed before recording; 2-64-64-1 as drawn (21 characters)."""
    from compare.diagnosis.stages import Stages

    e = dataclasses.replace(load_experiment("xor", {"epochs": 1, "mode": "batch"}), sizes=(2, 128, 128, 1))
    assert e.init_scheme == "xavier-uniform" and len(repr(-2.2250738585072014e-308)) == 24
    shapes = list(zip(e.sizes[:-1], e.sizes[1:]))
    weights = [np.full(s, -2.2250738585072014e-308) for s in shapes]
    biases = [np.full((1, s[1]), -2.2250738585072014e-308) for s in shapes]
    rows = [np.zeros((4, s[1])) for s in shapes]
    builder = TraceBuilder(3)
    builder.add(0, 0, np.arange(4), Stages(rows, [np.zeros((4, 2))] + rows, weights, biases, weights, biases,
                                           dZ=rows, loss=0.5))
    arrays = builder.arrays(e, weights, biases)
    assert arrays["experiment"].nbytes > 4 * 26 * 17_000
    assert sum(a.nbytes for a in arrays.values()) <= trace_bytes(e)
    e = dataclasses.replace(e, sizes=(2, 64, 64, 1))
    real = record(e, *initial_parameters(e))
    held = sum(a.nbytes for a in real.values())
    assert held <= trace_bytes(e) <= 1.5 * held


def test_a_run_too_large_to_read_back_is_refused_before_training(monkeypatch):
    big = dataclasses.replace(E, epochs=10_000_000)      # 2e7 updates of 15 parameters, 4e7 samples of 5 widths
    numbers = 8 * (20_000_000 * (2 * 15 + 4) + 40_000_000 * (2 * 5 + 1) + 15)
    assert abs(trace_bytes(big) - numbers) < 100_000
    with pytest.raises(ExperimentError) as caught:
        check_recordable(big, "record exercise3")
    assert str(caught.value) == (f"record exercise3: this run's trace would hold {numbers / 2**30:.1f} GiB of "
                                 "arrays; traces are read up to 1 GiB (record fewer epochs: its first epochs "
                                 "check the same formulas)")
    monkeypatch.setattr(trace_module, "TRACE_BYTES", trace_bytes(E))
    check_recordable(E, "x")                             # exactly at the cap: read
    monkeypatch.setattr(trace_module, "TRACE_BYTES", trace_bytes(E) - 1)
    with pytest.raises(ExperimentError, match="^x: this run's trace would hold 0.0 GiB"):
        check_recordable(E, "x")


def test_the_builder_keeps_what_it_is_given():
    """A hand-made update of a 2-1 network: the loss it lacks is NaN, a dZ given beats the stages' own."""
    from compare.diagnosis.stages import Stages

    e = dataclasses.replace(load_experiment("xor", {"sizes": [2, 1], "epochs": 1, "mode": "stochastic"}),
                            init_scheme="xavier-uniform", init_weights=None, init_biases=None)
    X = np.array([[1.0, 2.0]])
    s = Stages([X], [X, X[:, :1]], [np.ones((2, 1))], [np.ones((1, 1))], [np.full((2, 1), 3.0)],
               [np.full((1, 1), 4.0)], dZ=[np.full((1, 1), 5.0)], loss=None)
    builder = TraceBuilder(1)
    builder.add(0, 0, np.array([2]), s)
    builder.add(0, 1, np.array([0, 1]), dataclasses.replace(s, loss=0.25), dZ=[np.full((2, 1), 6.0)])
    weights, biases = [np.array([[7.0], [8.0]])], [np.array([9.0])]
    a = builder.arrays(e, weights, biases)
    assert np.isnan(a["loss"][0]) and a["loss"][1] == 0.25
    assert a["offsets"].tolist() == [0, 1, 3] and a["samples"].tolist() == [2, 0, 1]
    assert a["epoch"].tolist() == [0, 0] and a["batch"].tolist() == [0, 1]
    assert a["dZ1"].tolist() == [[5.0], [6.0], [6.0]] and a["A1"].tolist() == [[1.0]] * 2
    assert a["W1"].shape == (2, 2, 1) and a["b1"].tolist() == [[[4.0]], [[4.0]]] and a["dW1"].sum() == 4
    assert a["initial_b1"].tolist() == [[9.0]] and a["initial_W1"].tolist() == [[7.0], [8.0]]
    written = tomllib.loads(str(a["experiment"][()]))["init"]
    assert written == {"weights": [[[7.0], [8.0]]], "biases": [[9.0]]}
    assert json.loads(str(a["environment"][()]))["numpy"] == np.__version__
    kept = tomllib.loads(str(builder.arrays(e, weights, biases, write_weights=False)["experiment"][()]))
    assert kept["init"] == {"scheme": "xavier-uniform"}


def test_a_run_that_diverges_records_nothing_and_says_where():
    e = load_experiment("exercise3", {"mode": "stochastic", "epochs": 2, "lr": 1e100, "activation": "identity",
                                      "order": "sequential"})
    with pytest.raises(DivergenceError) as caught:
        record(e, *initial_parameters(e))
    assert caught.value.update == 2 and str(caught.value).startswith(
        "training diverged at update 2 (epoch 0, batch 1, samples [1]): the batch loss is inf; nothing recorded;")
    huge = dataclasses.replace(dataclasses.replace(e, lr=1e308), inputs=np.asarray(e.inputs) * 100)
    with pytest.raises(DivergenceError) as caught:
        record(huge, *initial_parameters(huge))
    assert caught.value.update == 1 and str(caught.value).startswith(
        "training diverged at update 1 (epoch 0, batch 0, samples [0]): NaN or inf in the weights; nothing "
        "recorded;")
    # an output of 1e200: its square overflows, its gradient does not (weights stay finite): the batch loss says so
    one = load_experiment("exercise3", {"sizes": [2, 1], "activation": "identity", "mode": "batch", "epochs": 2})
    one = dataclasses.replace(one, init_weights=(np.full((2, 1), 1e200),), init_biases=(np.zeros((1, 1)),), lr=1e-10)
    with pytest.raises(DivergenceError, match=r"^training diverged at update 1 \(epoch 0, batch 0, samples \[0, 1, "
                                              r"2, .*\]\): the batch loss is inf; nothing recorded;") as caught:
        record(one, *initial_parameters(one))
    assert caught.value.update == 1
    batch = load_experiment("exercise3", {"mode": "batch", "epochs": 2, "lr": 1e300, "activation": "relu"})
    with pytest.raises(DivergenceError, match=r"^training diverged at epoch 0 \(update 1\): the loss is inf; "
                                              "nothing recorded;"):
        record(batch, *initial_parameters(batch))
