"""The loss's conventions through the checking commands: `gradcheck` (finite differences of the whole loss,
penalty included), `record` + `check FILE --against TRACE.npz` (the trace carries them; one recorded without
them loads as mean / no L2), `check FILE.py EXPERIMENT`, the check suite, `check RULES.py` (the gradient an
update rule is given) and `compare.check(...)`; every number against torch's autograd of the loss written out
(tests/conventions_reference.py)."""

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

import compare  # noqa: E402
from compare.cli.cmd_check import main as check_main  # noqa: E402
from compare.cli.cmd_gradcheck import main as gradcheck_main  # noqa: E402
from compare.cli.cmd_record import main as record_main  # noqa: E402
from compare.usercode.gradcheck import numerical_gradient  # noqa: E402
from compare.usercode.trace import load_trace  # noqa: E402
from tests.conventions_reference import BCE_SUM_ALL, CONVENTIONS, loss_and_gradients  # noqa: E402
from tests.test_conventions_commands import DEFAULTS, expected_conventions, experiment_of  # noqa: E402

FILES = Path(__file__).parent / "conventions_files"
RIGHT, NO_L2, ALWAYS_MEAN = (str(FILES / f) for f in ("conventions_solution.py", "wrong_l2_missing.py",
                                                      "wrong_always_mean.py"))
CASES = {**CONVENTIONS, "bce-sum+sum+l2": BCE_SUM_ALL}
RUN = ["exercise3", "--mode", "minibatch", "--epochs", "3"]


def cli(capsys, main, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", list(CASES))
def test_finite_differences_are_of_the_whole_loss(case):
    e = experiment_of(["exercise3", *CASES[case][0]])
    W, b = [np.array(w) for w in e.init_weights], [np.array(c) for c in e.init_biases]
    rows = np.array([2, 0, 3])
    nW, nb = numerical_gradient(e, W, b, e.inputs[rows], e.targets[rows])
    _, dW, db, _ = loss_and_gradients(e, W, b, rows)
    for mine, ref in zip(nW + nb, dW + db):
        np.testing.assert_allclose(mine, ref, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", ["sum", "l2-biases", "bce-sum+sum+l2"])
def test_gradcheck_passes_a_right_file_and_numpy(case, capsys):
    flags = CASES[case][0]
    for extra in ([], ["--backward", RIGHT]):
        code, out, _ = cli(capsys, gradcheck_main, *RUN, *flags, *extra, "--json")
        data = json.loads(out)
        assert code == 0 and data["ok"] is True
        assert data["conventions"] == expected_conventions(CASES[case][1])
        assert all(c["torch"] is None for c in data["checks"])    # torch's autograd agrees, same loss


@pytest.mark.parametrize("file,flags", [(NO_L2, ["--l2", "0.3"]), (ALWAYS_MEAN, ["--reduction", "sum"])])
def test_gradcheck_fails_a_file_that_ignores_a_convention(file, flags, capsys):
    code, out, err = cli(capsys, gradcheck_main, *RUN, *flags, "--backward", file, "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and data["worst"]["verdict"] == "wrong"
    assert {c["torch"]["supports"] for c in data["checks"] if c["torch"]} == {"torch"}
    assert cli(capsys, gradcheck_main, *RUN, "--backward", file, "--quiet")[0] == 0   # right without it


@pytest.fixture(scope="module")
def trace(tmp_path_factory):
    path = tmp_path_factory.mktemp("trace") / "sum_l2.npz"
    flags = CONVENTIONS["sum+l2-biases"][0]
    assert record_main([*RUN, *flags, "--out", str(path), "--quiet"]) == 0
    return path


def test_the_trace_carries_the_conventions_and_their_gradients(trace):
    t = load_trace(trace)
    e = t.experiment
    assert e.convention_values() == {"reduction": "sum", "bce_outputs": "mean", "l2": 0.2, "l2_biases": True,
                                     "mse_scale": 0.5}
    for u in (0, 3):
        loss, dW, db, dZ = loss_and_gradients(e, *t.before(u), t.samples(u))
        assert t.arrays["loss"][u] == pytest.approx(loss, rel=1e-12)
        rows = slice(int(t.arrays["offsets"][u]), int(t.arrays["offsets"][u + 1]))
        for l in range(e.n_layers):
            np.testing.assert_allclose(t.arrays[f"dW{l + 1}"][u], dW[l], rtol=1e-10, atol=1e-15)
            np.testing.assert_allclose(t.arrays[f"db{l + 1}"][u], db[l], rtol=1e-10, atol=1e-15)
            np.testing.assert_allclose(t.arrays[f"dZ{l + 1}"][rows], dZ[l], rtol=1e-10, atol=1e-15)


def test_check_against_the_trace_judges_with_its_conventions(trace, capsys):
    code, out, _ = cli(capsys, check_main, RIGHT, "--against", str(trace), "--json")
    assert code == 0 and json.loads(out)["conventions"]["l2"] == 0.2
    for wrong in (NO_L2, ALWAYS_MEAN):
        code, _, err = cli(capsys, check_main, wrong, "--against", str(trace), "--quiet")
        assert code == 1 and "check FAILED" in err
    code, out, err = cli(capsys, check_main, RIGHT, "--against", str(trace), "--l2", "0.1")
    assert code == 2 and out == "" and "l2" in err and len(err.strip().splitlines()) == 1
    assert compare.check(RIGHT, against=str(trace)).ok
    with pytest.raises(compare.ParityError):
        compare.check(NO_L2, against=str(trace))


def test_a_trace_recorded_without_the_keys_loads_as_mean_without_l2(tmp_path, capsys):
    path = tmp_path / "old.npz"
    assert record_main([*RUN, "--out", str(path), "--quiet"]) == 0
    text = str(np.load(path)["experiment"])
    assert not any(k in text for k in ("reduction", "bce_outputs", "l2"))   # as traces were written before them
    t = load_trace(path)
    assert t.experiment.convention_values() == DEFAULTS
    _, dW, _, _ = loss_and_gradients(t.experiment, *t.before(0), t.samples(0))
    np.testing.assert_allclose(t.arrays["dW1"][0], dW[0], rtol=1e-10)
    for file in (RIGHT, NO_L2, ALWAYS_MEAN):    # each is right for the mean without L2
        assert cli(capsys, check_main, file, "--against", str(path), "--quiet")[0] == 0


@pytest.mark.parametrize("case", list(CASES))
def test_check_file_experiment_with_the_conventions(case, capsys):
    flags, keys = CASES[case]
    code, out, _ = cli(capsys, check_main, RIGHT, *RUN, *flags, "--json")
    data = json.loads(out)
    assert code == 0 and data["parity"]["ok"] and data["conventions"] == expected_conventions(keys)
    wrong = NO_L2 if keys.get("l2") else ALWAYS_MEAN
    code, _, err = cli(capsys, check_main, wrong, *RUN, *flags, "--quiet")
    assert code == 1 and "check FAILED" in err


def test_the_python_api_takes_them(capsys):
    report = compare.check(RIGHT, "exercise3", mode="minibatch", epochs=3, reduction="sum", l2=0.2, l2_biases=True)
    assert report.ok and report.experiment.convention_values()["reduction"] == "sum"
    with pytest.raises(compare.ParityError):
        compare.check(NO_L2, "exercise3", mode="minibatch", epochs=3, l2=0.2)
    with pytest.raises(compare.ParityError):
        compare.check(ALWAYS_MEAN, "exercise3", mode="minibatch", epochs=3, reduction="sum")


def test_the_suite_runs_with_them_and_says_so(capsys):
    code, out, _ = cli(capsys, check_main, RIGHT, "--reduction", "sum", "--l2", "0.1", "--json", "--jobs", "1")
    data = json.loads(out)
    assert code == 0 and data["suite"]["ok"] is True
    assert data["suite"]["conventions"] == {"reduction": "sum", "l2": 0.1}
    assert all(r["conventions"]["l2"] == 0.1 and r["conventions"]["reduction"] == "sum" for r in data["runs"])
    code, _, err = cli(capsys, check_main, NO_L2, "--l2", "0.1", "--quiet", "--jobs", "1")
    assert code == 1 and "L2 term is missing" in err


@pytest.mark.parametrize("case", ["sum+l2-biases", "bce-sum+sum+l2"])
def test_an_update_rule_is_given_the_gradient_of_the_whole_loss(case):
    from compare.usercode.rulecheck import check_rule
    e = experiment_of([*RUN, "--optimizer", "sgd", *CASES[case][0]])
    given = []

    def sgd(w, dw, config):
        given.append(dw.copy())
        return w - config["learning_rate"] * dw, config
    check_rule(sgd, "sgd", e)
    from compare.lockstep.pair import Lockstep
    first = next(iter(Lockstep(e).torch.loader))[2].numpy()
    _, dW, db, _ = loss_and_gradients(e, list(e.init_weights), list(e.init_biases), first)
    for mine, ref in zip(given[:2 * e.n_layers], [g for pair in zip(dW, db) for g in pair]):
        np.testing.assert_allclose(mine, ref, rtol=1e-10, atol=1e-15)


def test_check_rules_json_carries_them(capsys):
    code, out, _ = cli(capsys, check_main, "examples/optim_solution.py", *RUN, "--l2", "0.1", "--reduction", "sum",
                       "--json")
    results = json.loads(out)
    results = results["runs"]
    assert code == 0 and results and all(r["conventions"]["l2"] == 0.1 for r in results)


def test_check_isolate_tells_an_isolated_file_the_conventions(capsys):
    code, _, err = cli(capsys, check_main, RIGHT, *RUN, "--l2", "0.1", "--reduction", "sum", "--isolate", "--quiet")
    assert code == 0, err


def test_the_verdict_lines_name_the_conventions(capsys):
    flags = ["--reduction", "sum", "--l2", "0.1"]
    code, out, _ = cli(capsys, check_main, RIGHT, *RUN, *flags, "--quiet")
    assert code == 0 and "agrees with torch (conventions: summed over the batch, l2 0.1)" in out
    code, out, _ = cli(capsys, gradcheck_main, *RUN, *flags, "--quiet")
    assert code == 0 and "exercise3 minibatch, summed over the batch, l2 0.1)" in out
    code, out, _ = cli(capsys, check_main, RIGHT, *RUN, "--quiet")
    assert code == 0 and "agrees with torch:" in out and "(conventions:" not in out
