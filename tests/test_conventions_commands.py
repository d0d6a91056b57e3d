"""The loss's conventions (`--reduction`, `--bce-outputs`, `--l2`, `--l2-biases`) honoured by every command that
trains: `python -m compare` (every mode), `python -m numpy_impl`, `python -m torch_impl`, each optimizer, float32
too; the first update's weights against torch's autograd of the loss written out (tests/conventions_reference.py),
`--show` loading back with the keys, and `--json` carrying them."""

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from compare.cli.main import main as compare_main  # noqa: E402
from compare.cli.options import overrides_from  # noqa: E402
from compare.cli.runner import build_parser  # noqa: E402
from compare.experiment.sources import load_experiment  # noqa: E402
from numpy_impl.__main__ import main as numpy_main  # noqa: E402
from tests.conventions_reference import BCE_SUM, BCE_SUM_ALL, CONVENTIONS, first_step, loss_and_gradients  # noqa: E402
from torch_impl.__main__ import main as torch_main  # noqa: E402

DEFAULTS = {"reduction": "mean", "bce_outputs": "mean", "l2": 0.0, "l2_biases": False, "mse_scale": 0.5}
ENTRIES = {"compare": compare_main, "numpy_impl": numpy_main, "torch_impl": torch_main}
CASES = {**CONVENTIONS, "bce-sum": BCE_SUM, "bce-sum+sum+l2": BCE_SUM_ALL}


def experiment_of(argv: list[str]):
    args = build_parser("test", "").parse_args(argv)
    overrides, flags = overrides_from(args)
    return load_experiment(args.experiment, overrides, flags)


def expected_conventions(keys: dict) -> dict:
    return {k: keys.get(k, v) for k, v in DEFAULTS.items()}


def first_update(entry, argv, tmp_path):
    """Run one update (batch mode: every sample, in order) and return (experiment, initial, final) weights."""
    path = tmp_path / f"{entry}.npz"
    assert ENTRIES[entry](argv + ["--save-weights", str(path), "--quiet"]) == 0
    saved = np.load(path)
    e = experiment_of(argv)
    L = e.n_layers
    initial = ([saved[f"initial_W{l}"] for l in range(1, L + 1)], [saved[f"initial_b{l}"] for l in range(1, L + 1)])
    final = ([saved[f"final_W{l}"] for l in range(1, L + 1)], [saved[f"final_b{l}"] for l in range(1, L + 1)])
    return e, initial, final


def assert_first_update(e, initial, final, rtol):
    _, dW, db, _ = loss_and_gradients(e, *initial, np.arange(e.n_samples))
    for l in range(e.n_layers):
        np.testing.assert_allclose(final[0][l], first_step(e, initial[0][l], dW[l]), rtol=rtol, atol=rtol * 1e-3)
        np.testing.assert_allclose(final[1][l].reshape(1, -1), first_step(e, initial[1][l].reshape(1, -1), db[l]),
                                   rtol=rtol, atol=rtol * 1e-3)


@pytest.mark.parametrize("entry", list(ENTRIES))
@pytest.mark.parametrize("case", list(CASES))
def test_every_entry_point_descends_the_loss_with_its_conventions(entry, case, tmp_path):
    flags, keys = CASES[case]
    argv = ["exercise3", "--mode", "batch", "--epochs", "1", "--lr", "0.5", *flags]
    e, initial, final = first_update(entry, argv, tmp_path)
    assert e.convention_values() == expected_conventions(keys)
    assert_first_update(e, initial, final, 1e-10)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
@pytest.mark.parametrize("case", ["sum+l2-biases", "bce-sum+sum+l2"])
def test_every_optimizer_gets_the_penalised_summed_gradient(optimizer, case, tmp_path):
    flags, _ = CASES[case]
    extra = ["--momentum", "0.9"] if optimizer == "sgd" else []
    argv = ["exercise3", "--mode", "batch", "--epochs", "1", "--lr", "0.01", "--optimizer", optimizer, *extra, *flags]
    e, initial, final = first_update("compare", argv, tmp_path)
    assert_first_update(e, initial, final, 1e-9)


@pytest.mark.parametrize("case", ["sum+l2-biases", "bce-sum+sum+l2"])
def test_float32_follows_the_conventions(case, tmp_path):
    flags, _ = CASES[case]
    argv = ["exercise3", "--mode", "batch", "--epochs", "1", "--lr", "0.5", "--dtype", "float32", *flags]
    e, initial, final = first_update("compare", argv, tmp_path)
    assert_first_update(e, initial, final, 2e-5)


def test_a_summed_loss_is_not_the_mean_one(tmp_path):
    """The reference can tell them apart: the mean's step applied to a summed run misses (the test bites)."""
    flags, _ = CONVENTIONS["sum+l2-biases"]
    argv = ["exercise3", "--mode", "batch", "--epochs", "1", "--lr", "0.5", *flags]
    e, initial, final = first_update("numpy_impl", argv, tmp_path)
    import dataclasses
    with pytest.raises(AssertionError):
        assert_first_update(dataclasses.replace(e, reduction="mean", l2=0.0, l2_biases=False), initial, final, 1e-10)


@pytest.mark.parametrize("mode", ["batch", "stochastic", "minibatch"])
def test_compare_every_mode_json_carries_the_conventions(mode, capsys):
    flags, keys = CONVENTIONS["sum+l2-biases"]
    assert compare_main(["exercise3", "--mode", mode, "--epochs", "2", "--json", *flags]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["conventions"] == expected_conventions(keys)
    assert data["parity"]["ok"] is True


def test_mode_all_json_carries_them_in_every_run(capsys):
    flags, keys = BCE_SUM_ALL
    assert compare_main(["exercise3", "--mode", "all", "--epochs", "2", "--jobs", "1", "--json", *flags]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [r["mode"] for r in runs] == ["batch", "stochastic", "minibatch"]
    assert all(r["conventions"] == expected_conventions(keys) for r in runs)


@pytest.mark.parametrize("entry", ["numpy_impl", "torch_impl"])
def test_single_implementations_json_carries_them(entry, capsys):
    flags, keys = CONVENTIONS["l2-biases"]
    assert ENTRIES[entry](["exercise3", "--epochs", "1", "--json", *flags]) == 0
    assert json.loads(capsys.readouterr().out)["conventions"] == expected_conventions(keys)


def test_default_json_says_the_defaults(capsys):
    assert compare_main(["exercise3", "--epochs", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["conventions"] == DEFAULTS


@pytest.mark.parametrize("case", list(CASES))
def test_show_writes_the_keys_and_loads_back(case, capsys, tmp_path):
    flags, keys = CASES[case]
    assert compare_main(["exercise3", "--show", *flags]) == 0
    text = capsys.readouterr().out
    for key in keys:
        if key in DEFAULTS:
            assert f"\n{key} = " in text
    path = tmp_path / "shown.toml"
    path.write_text(text)
    again = load_experiment(str(path))
    assert again.convention_values() == expected_conventions(keys)
    from compare.experiment.show import to_toml
    assert to_toml(again).split("\n", 1)[1] == text.split("\n", 1)[1]   # all but the "resolved from" line
    assert again.describe() == experiment_of(["exercise3", *flags]).describe()


def test_show_of_bce_summed_over_one_output_says_it_changes_nothing(capsys):
    assert compare_main(["exercise3", "--show", "--loss", "bce", "--bce-outputs", "sum"]) == 0
    line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("bce_outputs")]
    assert line and "changes nothing" in line[0]


def test_the_text_output_names_the_conventions(capsys):
    flags, _ = CONVENTIONS["sum+l2-biases"]
    assert compare_main(["exercise3", "--epochs", "1", *flags]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "summed over the batch" in first and "l2 0.2 (biases too)" in first
    assert compare_main(["exercise3", "--epochs", "1", "--quiet", *flags]) == 0
    assert "after every update, the loss summed over the batch, l2 0.2 (biases too);" in capsys.readouterr().out


def test_report_does_not_take_them_one_line_exit_2(capsys):
    from compare.cli.cmd_report import main as report_main
    assert report_main(["--l2", "0.1"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "--l2" in err


BAD = [(["--l2", "-1"], "l2"), (["--l2", "nan"], "l2"), (["--reduction", "median"], "reduction"),
       (["--l2-biases"], "l2_biases"), (["--bce-outputs", "sum"], "bce_outputs")]
RIGHT = str(Path(__file__).parent / "conventions_files" / "conventions_solution.py")
COMMANDS = {"compare": (["exercise3"], compare_main), "numpy_impl": (["exercise3"], numpy_main),
            "torch_impl": (["exercise3"], torch_main), "explain": (["explain", "exercise3"], compare_main),
            "gradcheck": (["gradcheck", "exercise3"], compare_main), "record": (["record", "exercise3"], compare_main),
            "check": (["check", RIGHT, "exercise3"], compare_main), "check suite": (["check", RIGHT], compare_main)}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("flags,needle", BAD)
def test_a_bad_convention_is_one_line_exit_2_everywhere(command, flags, needle, capsys, tmp_path, monkeypatch):
    if command == "check suite" and needle == "bce_outputs":
        pytest.skip("the suite applies --bce-outputs to its BCE experiments (a test of its own elsewhere)")
    monkeypatch.chdir(tmp_path)      # nothing may be written (record's default trace file included)
    prefix, main = COMMANDS[command]
    assert main([*prefix, *flags]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and needle in err.replace("-", "_")
    assert list(tmp_path.iterdir()) == []
