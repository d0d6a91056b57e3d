"""The suite's words about the loss's conventions and about experiments moved to the file's own setting,
against what the suite's definition says by hand: which convention applies to which loss (bce_outputs to
"bce" only, mse_scale to the MSE losses "sum" and "mean" only, reduction to every loss), the OK line's list,
and where a moved experiment ran. Fast: the shipped recordings, or a run in this process."""

from __future__ import annotations

from pathlib import Path

import pytest

import compare
from compare.usercode.suite_verdict import _network

ROOT = Path(__file__).resolve().parents[1]
STYLES = ROOT / "tests" / "styles"
ALL = {"reduction": "sum", "bce_outputs": "sum", "mse_scale": 1.0}


@pytest.mark.parametrize("name, shown", [
    ("batches", "3-5-4-2 sigmoid, loss sum, reduction sum, mse_scale 1"),
    ("loss-mean", "3-5-4-2 sigmoid, loss mean, reduction sum, mse_scale 1"),
    ("loss-bce", "3-5-4-2 sigmoid, loss bce, reduction sum, bce_outputs sum"),
    ("cross-entropy", "3-5-4-3 sigmoid/softmax, loss cross_entropy, reduction sum"),
    ("long", "3-4-2 sigmoid, loss sum, reduction sum, mse_scale 1"),
])
def test_each_experiment_names_the_conventions_that_apply_to_its_loss(name, shown):
    assert _network(name, ALL) == shown
    assert _network(name, {"mse_scale": 0.5}) == shown.split(", reduction")[0] + (
        ", mse_scale 0.5" if "loss sum" in shown or "loss mean" in shown else "")
    assert _network(name) == shown.split(", reduction")[0]


@pytest.fixture(scope="module")
def nnfs_ok() -> str:
    """nnfs's style (ReLU/softmax/cross-entropy and sigmoid + MSE without the 1/2) under --mse-scale 1."""
    import contextlib
    import io

    from compare.cli.main import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["check", str(STYLES / "nnfs_style.py"), "--mse-scale", "1", "--jobs", "1"]) == 0
    return out.getvalue()


def test_the_ok_line_lists_the_conventions_and_where_moved_experiments_ran(nnfs_ok):
    ok = [line for line in nnfs_ok.splitlines() if line.startswith("check OK")][0]
    assert "; the loss's conventions mse_scale = 1; " in ok
    why = "the closest setting and depth your file supports (it raised NotImplementedError on the suite's own)"
    # batches and square are 3-layer experiments, long a 2-layer one (3-4-2): each moved to ReLU/softmax
    assert (f"; `batches`, `square` ran in hidden relu, output softmax, loss cross_entropy, 3 layers, {why}; "
            f"`long` ran in hidden relu, output softmax, loss cross_entropy, 2 layers, {why}; ") in ok


def test_the_table_shows_mse_scale_on_mse_rows_only(nnfs_ok):
    rows = {line.split()[0]: line for line in nnfs_ok.splitlines() if line.startswith("  ")}
    assert "3-5-4-2 sigmoid/tanh, loss sum, mse_scale 1 " in rows["output-tanh"]
    assert "mse_scale" not in rows["cross-entropy"] and "mse_scale" not in rows["loss-bce"]


def test_a_disagreement_in_a_moved_experiment_says_where_it_ran_and_why():
    with pytest.raises(compare.ParityError) as caught:
        compare.check(str(STYLES / "zoo_cs231n_reg_twice.py"), jobs=1)
    first = [line for line in str(caught.value).splitlines() if line.startswith("first disagreement")]
    assert first == ["first disagreement, in experiment `batches` (mini-batches of 3, 3 and 1 on a 3-5-4-2 "
                     "network: the batch average, the last partial batch, each output and each layer, run in "
                     "hidden relu, output softmax, loss cross_entropy, 2 layers (your file raised "
                     "NotImplementedError on hidden sigmoid, output sigmoid, loss sum, 3 layers and 3 other "
                     "versions)):"]
