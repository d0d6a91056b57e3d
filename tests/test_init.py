"""Initial weights from every source (file values, the three schemes, `--init FILE.npz`) reach both
implementations identically; torch-default is what nn.Linear itself draws; save/load round trips; bad .npz
files exit 2."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compare.cli.main import main as compare_main
from compare.experiment.initial import initial_parameters
from compare.experiment.sources import load_experiment
from compare.lockstep.pair import Lockstep
from numpy_impl.__main__ import main as numpy_main
from torch_impl.__main__ import main as torch_main
from torch_impl.init import torch_default_parameters
from torch_impl.layout import linear_to_seed

SIZES = (5, 4, 3, 2)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("seed", [0, 7])
def test_torch_default_is_what_nn_linear_draws(dtype, seed):
    """The oracle: nn.Linear's own reset_parameters from the global generator, seeded inside fork_rng so that
    the test leaves the global state as it found it."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        layers = [torch.nn.Linear(i, o, dtype=getattr(torch, dtype)) for i, o in zip(SIZES[:-1], SIZES[1:])]
    weights, biases = torch_default_parameters(SIZES, seed, dtype)
    for layer, W, b in zip(layers, weights, biases):
        W_ref, b_ref = linear_to_seed(layer.weight.detach().numpy(), layer.bias.detach().numpy())
        assert W.shape == W_ref.shape and b.shape == b_ref.shape and W.dtype == np.float64
        np.testing.assert_array_equal(W, W_ref)
        np.testing.assert_array_equal(b, b_ref)


def test_torch_default_leaves_the_global_generator_alone():
    state = torch.random.get_rng_state()
    torch_default_parameters(SIZES, 3)
    assert torch.equal(state, torch.random.get_rng_state())


def scheme_experiment(scheme, dtype="float64", seed=0):
    return load_experiment("blobs" if scheme == "he-normal" else "xor",
                           {"scheme": scheme, "dtype": dtype, "seed": seed, "epochs": 1})


@pytest.mark.parametrize("scheme", ["xavier-uniform", "he-normal"])
def test_numpy_schemes_by_their_formulas(scheme):
    e = load_experiment("blobs", {"scheme": scheme, "seed": 5})
    weights, biases = initial_parameters(e, torch_allowed=False)
    rng = np.random.default_rng(5)       # the documented recipe, redone here
    for (n_in, n_out), W, b in zip(zip(e.sizes[:-1], e.sizes[1:]), weights, biases):
        if scheme == "xavier-uniform":
            bound = np.sqrt(6 / (n_in + n_out))
            expected = rng.uniform(-bound, bound, size=(n_in, n_out))
            assert np.abs(W).max() <= bound
        else:
            expected = rng.normal(0, np.sqrt(2 / n_in), size=(n_in, n_out))
        np.testing.assert_array_equal(W, expected)
        np.testing.assert_array_equal(b, np.zeros((1, n_out)))
    W1 = weights[0]                      # 64 x 32 = 2048 draws: the spread is right to a few percent
    target = np.sqrt(2 / 64) if scheme == "he-normal" else np.sqrt(6 / 96) / np.sqrt(3)
    assert W1.std() == pytest.approx(target, rel=0.05)


@pytest.mark.parametrize("scheme", ["torch-default", "xavier-uniform", "he-normal", None])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_both_sides_start_bit_identical(scheme, dtype):
    e = load_experiment("exercise3", {"dtype": dtype, **({"scheme": scheme} if scheme else {})})
    run = Lockstep(e)
    assert run.numpy.theta.dtype == np.dtype(dtype) and run.torch.flat.dtype == getattr(torch, dtype)
    assert run.max_abs_diff() == 0.0
    if scheme:
        other = Lockstep(load_experiment("exercise3", {"dtype": dtype, "scheme": scheme, "seed": 1}))
        assert not np.array_equal(other.numpy.theta, run.numpy.theta)     # the seed draws them


def test_numpy_alone_cannot_draw_torch_default(capsys, tmp_path):
    assert numpy_main(["exercise3", "--scheme", "torch-default", "--epochs", "1",
                       "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "torch-default" in err and "--save-weights" in err and "--init" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_save_weights_then_init_round_trip(capsys, tmp_path):
    """torch draws torch-default and saves it; numpy_impl alone loads it and, in batch mode (no random order),
    ends exactly where torch_impl alone ends: same start, same batches, parity."""
    saved = tmp_path / "w.npz"
    assert torch_main(["exercise3", "--scheme", "torch-default", "--mode", "batch", "--epochs", "50", "--seed", "4",
                       "--save-weights", str(saved), "--quiet"]) == 0
    with np.load(saved, allow_pickle=False) as npz:
        names = sorted(npz.files)
        arrays = {k: npz[k] for k in npz.files}
    assert names == sorted(f"{s}_{p}{i}" for s in ("initial", "final") for p in "Wb" for i in (1, 2, 3))
    drawn_W, drawn_b = torch_default_parameters((2, 2, 2, 1), 4)
    np.testing.assert_array_equal(arrays["initial_W1"], drawn_W[0])
    assert arrays["initial_b1"].shape == (2,)                 # files hold biases 1-D
    loaded = tmp_path / "np.npz"
    assert numpy_main(["exercise3", "--init", str(saved), "--mode", "batch", "--epochs", "50",
                       "--save-weights", str(loaded), "--quiet"]) == 0
    with np.load(loaded, allow_pickle=False) as npz:
        for key in ("W1", "b1", "W3", "b3"):
            np.testing.assert_array_equal(npz[f"initial_{key}"], arrays[f"initial_{key}"])
            np.testing.assert_allclose(npz[f"final_{key}"], arrays[f"final_{key}"], rtol=0, atol=1e-13)
    capsys.readouterr()


def write_npz(path, **arrays):
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    return path


HIRING_W = dict(W1=np.eye(2), b1=np.zeros(2), W2=np.eye(2), b2=np.zeros(2), W3=np.ones((2, 1)), b3=np.zeros(1))
BAD_NPZ = [
    ("wrong shape", dict(HIRING_W, W3=np.ones((1, 2))), r"W3: expected shape 2x1, found shape 1x2"),
    ("bias too long", dict(HIRING_W, b2=np.zeros(3)), r"b2: expected shape 1x2, found shape 1x3"),
    ("missing layer", {k: v for k, v in HIRING_W.items() if k != "W2"}, r"missing array `W2`"),
    ("non-finite", dict(HIRING_W, W1=np.array([[np.nan, 0], [0, 1]])), r"W1\[0\]\[0\]: expected a finite number"),
    ("pickled objects", dict(HIRING_W, W1=np.array([[object(), 1], [2, 3]], dtype=object)),
     r"refused .*allow_pickle=False"),
    ("strings", dict(HIRING_W, W1=np.array([["a", "b"], ["c", "d"]])), r"W1: expected an array of numbers"),
]


@pytest.mark.parametrize("label,arrays,pattern", BAD_NPZ, ids=[c[0] for c in BAD_NPZ])
def test_bad_npz_exit_2(capsys, tmp_path, label, arrays, pattern):
    import re
    path = write_npz(tmp_path / "bad.npz", **arrays)
    out_dir = tmp_path / "plots"
    assert compare_main(["hiring", "--init", str(path), "--epochs", "2", "--out", str(out_dir),
                         "--save-weights", str(tmp_path / "s.npz")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert str(path) in err and re.search(pattern, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.npz"]


def test_not_an_npz_and_missing(capsys, tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_text("not a zip")
    assert compare_main(["--init", str(junk)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --init {junk}: ") and len(err.strip().splitlines()) == 1
    assert compare_main(["--init", str(tmp_path / "none.npz")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize("text,pattern", [('scheme = "glorot"', r"init\.scheme: expected one of"),
                                          ('schem = "he-normal"', r"init\.schem: unknown key \(did you mean `scheme`")])
def test_bad_init_keys(capsys, tmp_path, text, pattern):
    import re

    from compare.experiment.sources import PRESET_DIR
    path = tmp_path / "x.toml"
    path.write_text((PRESET_DIR / "xor.toml").read_text().replace('scheme = "xavier-uniform"', text))
    assert compare_main([str(path)]) == 2
    err = capsys.readouterr().err
    assert re.search(pattern, err) and str(path) in err, err
