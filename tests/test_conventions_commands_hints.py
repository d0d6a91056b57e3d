"""The hints of `check FILE.py EXPERIMENT` keep naming a classic mistake when the loss has a convention (an L2
penalty, the batch sum, BCE summed over the outputs), and never say "divided by B" of a summed loss: each file
in tests/conventions_files/ is right about the conventions it is told and wrong in one classic way only."""

from pathlib import Path

import pytest

pytest.importorskip("torch")

from compare.cli.cmd_check import main as check_main  # noqa: E402

FILES = Path(__file__).parent / "conventions_files"
RUN = ["exercise3", "--mode", "minibatch", "--epochs", "3", "--quiet"]
BCE = ["--sizes", "3,4,2", "--loss", "bce", "--activation", "sigmoid", "--bce-outputs", "sum"]
SETTINGS = {"plain": [], "sum": ["--reduction", "sum"], "l2": ["--l2", "0.3", "--l2-biases"],
            "sum+l2": ["--reduction", "sum", "--l2", "0.3"], "bce-sum": BCE,
            "bce-sum+sum+l2": BCE + ["--reduction", "sum", "--l2", "0.1"]}
HINTS = {
    "wrong_no_hidden_derivative.py": "derivative of layer {hidden}'s activation (sigmoid) is missing",
    "wrong_mean_target.py": "uses the batch's MEAN target",
    "wrong_db_one_row.py": "your db{out} is row 0 of delta{out}{scaled}: the other rows of the batch are left out",
}


def hints(capsys, file, flags):
    assert check_main([str(FILES / file), *RUN, *flags]) == 1
    return [line.strip() for line in capsys.readouterr().err.splitlines() if line.strip().startswith("hint:")]


@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("file", list(HINTS))
def test_the_mistake_is_named_whatever_the_convention(file, setting, capsys):
    flags = SETTINGS[setting]
    two_layers = "--sizes" in flags
    out = 2 if two_layers else 3
    # the mean over the batch divides delta's row by B; the sum does not
    scaled = "" if "--reduction" in flags else " divided by B"
    expected = HINTS[file].format(hidden=1 if two_layers else 2, out=out, scaled=scaled)
    found = hints(capsys, file, flags)
    assert any(expected in h for h in found), found
    if file == "wrong_db_one_row.py" and not scaled:
        assert not any("divided by B" in h for h in found), found


def test_a_factor_of_b_is_worded_for_the_summed_loss(capsys):
    """Dividing by B where the loss is the batch sum is 'averaged where this experiment sums', never 'averaged
    twice' (the mean's wording), and the convention's own hint names the flag."""
    found = hints(capsys, "wrong_always_mean.py", ["--reduction", "sum"])
    assert any("averaged over the batch where this experiment sums the loss" in h for h in found), found
    assert any("drop --reduction sum if yours averages" in h for h in found), found
    assert not any("averaged over the batch twice" in h for h in found), found
