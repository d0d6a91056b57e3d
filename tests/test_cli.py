"""The command line: exit statuses, the JSON object (also on exit 1), --show, --out, --version."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import numpy as np
import pytest

import compare
from compare import load_experiment
from compare.cli.main import main as compare_main
from numpy_impl.__main__ import main as numpy_main
from torch_impl.__main__ import main as torch_main


def run_cli(capsys, main, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_default_run_is_hiring_with_parity_ok():
    """The README's main command, as a user runs it (a fresh process)."""
    proc = subprocess.run([sys.executable, "-m", "compare", "--epochs", "2001"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("hiring: 2-2-2-1 sigmoid")
    assert lines[1] == "epoch      0  loss 0.11673740506651809"     # the seed's first printed loss
    assert "Zhang San" in proc.stdout and "predict [1]" in proc.stdout
    assert lines[-1].startswith("parity OK: 2001 updates checked")
    assert proc.stderr == ""


def test_json_schema(capsys):
    code, out, err = run_cli(capsys, compare_main, "exercise3", "--mode", "minibatch", "--epochs", "30",
                             "--report-every", "10", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    for key in ("experiment", "mode", "updates", "loss_log", "outputs", "predictions", "environment", "parity"):
        assert key in data
    assert data["experiment"] == "exercise3" and data["mode"] == "minibatch" and data["updates"] == 60
    assert [e for e, _ in data["loss_log"]] == [0, 10, 20]
    assert np.array(data["outputs"]).shape == (4, 1) and np.array(data["predictions"]).shape == (4, 1)
    assert set(data["environment"]) >= {"python", "numpy", "torch", "dtype", "threads"}
    assert data["environment"]["dtype"] == "float64" and data["environment"]["torch"].startswith("2.")
    parity = data["parity"]
    assert parity["ok"] is True and parity["updates_checked"] == 60 and parity["failure"] is None
    assert 0 <= parity["max_abs_diff"] <= 1e-12
    assert [e for e, _ in parity["max_abs_diff_log"]] == [0, 10, 20, 29]
    assert max(v for _, v in parity["max_abs_diff_log"]) == parity["max_abs_diff"]
    assert "time" not in out


def test_json_agrees_with_the_python_api(capsys):
    code, out, _ = run_cli(capsys, compare_main, "exercise2", "--epochs", "40", "--json")
    report = compare.run("exercise2", epochs=40)
    data = json.loads(out)
    assert data["loss_log"] == [[e, v] for e, v in report.numpy.loss_log]
    assert data["outputs"] == report.numpy.outputs.tolist()


def test_mode_all_gives_one_object_per_mode(capsys):
    code, out, _ = run_cli(capsys, compare_main, "exercise3", "--mode", "all", "--epochs", "5", "--json")
    runs = json.loads(out)["runs"]
    assert code == 0 and [r["mode"] for r in runs] == ["batch", "stochastic", "minibatch"]
    assert [r["updates"] for r in runs] == [5, 20, 10] and all(r["parity"]["ok"] for r in runs)


def test_exit_1_still_prints_the_json(capsys, monkeypatch):
    """A broken NumPy backward (the output delta negated) is a disagreement: exit 1, JSON with the failure."""
    import numpy_impl.network as network
    original = network.output_delta
    monkeypatch.setattr(network, "output_delta", lambda *a, **k: -original(*a, **k))
    code, out, err = run_cli(capsys, compare_main, "exercise3", "--epochs", "5", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["parity"]["ok"] is False and data["parity"]["updates_checked"] == 1
    failure = data["parity"]["failure"]
    assert failure["update"] == 1 and failure["layer"] == 3
    assert "update 1" in err and "W3" in err


def test_exit_3_on_divergence(capsys, tmp_path):
    doc = (load_path := tmp_path / "diverge.toml")
    doc.write_text("""
[network]
sizes = [1, 4, 1]
hidden_activation = "relu"
output_activation = "identity"
[init]
weights = [[[1.0, 2.0, 3.0, 4.0]], [[1.0], [2.0], [3.0], [4.0]]]
biases = [[0.0, 0.0, 0.0, 0.0], [0.0]]
[data]
inputs = [[3.0], [4.0]]
targets = [[1.0], [2.0]]
[train]
lr = 5.0
epochs = 1000
""")
    for main in (compare_main, numpy_main, torch_main):
        code, out, err = run_cli(capsys, main, str(load_path), "--json")
        assert code == 3, err
        assert out == "" and "diverged" in err and "update" in err and len(err.strip().splitlines()) == 1


def test_show_prints_loadable_toml_with_flags_applied(capsys, tmp_path):
    code, out, _ = run_cli(capsys, compare_main, "exercise3", "--mode", "minibatch", "--batch-size", "3",
                           "--lr", "0.5", "--show")
    assert code == 0
    doc = tomllib.loads(out)
    assert doc["train"]["lr"] == 0.5 and doc["train"]["batch_size"] == 3 and doc["train"]["order"] == "shuffle"
    (tmp_path / "shown.toml").write_text(out)
    again = load_experiment(str(tmp_path / "shown.toml"))
    original = load_experiment("exercise3", {"mode": "minibatch", "batch_size": 3, "lr": 0.5})
    assert again.sizes == original.sizes and again.lr == original.lr and again.mode == original.mode
    np.testing.assert_array_equal(again.inputs, original.inputs)
    for a, b in zip(again.init_weights, original.init_weights):
        np.testing.assert_array_equal(a, b)


def test_out_writes_pngs_and_nothing_is_written_without_it(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, *_ = run_cli(capsys, compare_main, "exercise2", "--epochs", "20", "--quiet")
    assert code == 0 and list(tmp_path.iterdir()) == []
    code, *_ = run_cli(capsys, compare_main, "exercise2", "--epochs", "20", "--quiet", "--out", "plots")
    pngs = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert pngs == ["exercise2_stochastic_loss.png", "exercise2_stochastic_parity.png"]
    for name in pngs:
        data = (tmp_path / "plots" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000


def test_version_and_help(capsys):
    for main in (compare_main, numpy_main, torch_main):
        with pytest.raises(SystemExit) as info:
            main(["--version"])
        assert info.value.code == 0
        assert compare.__version__ in capsys.readouterr().out
    with pytest.raises(SystemExit):
        compare_main(["--help"])
    text = capsys.readouterr().out
    for flag in ("--mode", "--batch-size", "--order", "--samples-per-epoch", "--drop-last", "--seed", "--epochs",
                 "--lr", "--report-every", "--loss", "--dtype", "--json", "--out", "--quiet", "--show"):
        assert flag in text


def test_presets_command_lists_every_preset(capsys):
    code, out, _ = run_cli(capsys, compare_main, "presets")
    names = [line.split()[0] for line in out.splitlines()]
    assert code == 0 and {"hiring", "exercise1", "exercise2", "exercise3"} <= set(names)


def test_standalone_runners_agree_with_the_harness_on_deterministic_orders(capsys):
    """torch_impl alone and numpy_impl alone give the harness's numbers when the order is sequential."""
    results = []
    for main in (compare_main, numpy_main, torch_main):
        code, out, _ = run_cli(capsys, main, "exercise2", "--epochs", "300", "--report-every", "100", "--json")
        assert code == 0
        results.append(json.loads(out))
    for r in results[1:]:
        np.testing.assert_allclose(np.array(r["loss_log"]), np.array(results[0]["loss_log"]), rtol=1e-12)
        np.testing.assert_allclose(r["outputs"], results[0]["outputs"], rtol=1e-12)
    assert results[1]["environment"]["torch"] is None and "parity" not in results[1]


def test_json_is_strict_even_with_nan(capsys, tmp_path, root):
    """A user's NaN gradient ends in exit 1 with the JSON still printed: strict JSON (no bare NaN token), the
    value written as the string "nan"."""
    solution = (root / "examples" / "backprop_solution.py").read_text()
    broken = tmp_path / "nan_backward.py"
    broken.write_text(solution + "\n\n_correct = backward\n\n\n"
                      "def backward(weights, biases, activations, targets, **kw):\n"
                      "    dW, db = _correct(weights, biases, activations, targets, **kw)\n"
                      "    dW[-1] = dW[-1] * float('nan')\n    return dW, db\n")
    code = compare_main(["check", str(broken), "exercise2", "--epochs", "2", "--json"])
    out, err = capsys.readouterr()
    assert code == 1, err

    def refuse(token):
        raise AssertionError(f"non-strict JSON token {token}")
    data = json.loads(out, parse_constant=refuse)
    assert "nan" in json.dumps(data)


@pytest.mark.parametrize("main", [compare_main, numpy_main, torch_main])
@pytest.mark.parametrize("extra", [[], ["--mode", "all"]])
def test_json_with_quiet_is_one_object_and_nothing_else(main, extra, capsys):
    assert main(["exercise3", "--epochs", "3", "--json", "--quiet"] + extra) == 0
    out = capsys.readouterr().out
    data = json.loads(out)                        # the whole of stdout is one JSON object
    runs = data["runs"] if extra else [data]
    assert [r["updates"] for r in runs] == ([3, 12, 6] if extra else [12])
