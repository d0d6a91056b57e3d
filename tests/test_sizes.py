"""`--sizes 4,8,3`: a network from the command line, with seeded generated data, for every command that
trains; bad widths are one line and exit 2."""

from __future__ import annotations

import numpy as np
import pytest

from compare import load_experiment
from compare.cli.main import main
from numpy_impl.__main__ import main as numpy_main


def test_generated_experiment_is_seeded_and_fits_the_loss():
    a = load_experiment("hiring", {"sizes": [4, 8, 3]})
    b = load_experiment("hiring", {"sizes": [4, 8, 3]})
    c = load_experiment("hiring", {"sizes": [4, 8, 3], "seed": 1})
    assert a.sizes == (4, 8, 3) and a.inputs.shape == (11, 4) and a.targets.shape == (11, 3)
    assert np.array_equal(a.inputs, b.inputs) and not np.array_equal(a.inputs, c.inputs)
    assert a.epochs == 100 and load_experiment("hiring", {"sizes": [4, 3], "epochs": 7}).epochs == 7
    assert all(np.any(b != 0) for b in a.init_biases)
    assert len(np.unique(a.targets)) == a.targets.size          # differ per output and per sample
    ce = load_experiment("hiring", {"sizes": [4, 5, 3], "loss": "cross_entropy", "output_activation": "softmax"})
    assert np.array_equal(ce.targets.sum(axis=1), np.ones(11)) and set(np.unique(ce.targets)) == {0.0, 1.0}
    bce = load_experiment("hiring", {"sizes": [4, 2], "loss": "bce"})
    assert set(np.unique(bce.targets)) <= {0.0, 1.0}


@pytest.mark.parametrize("argv", [["--sizes", "4,8,3", "--epochs", "3", "--mode", "minibatch", "--quiet"],
                                  ["check", "tests/styles/minimal.py", "--sizes", "3,5,4,2", "--epochs", "2",
                                   "--quiet"]])
def test_commands_train_the_generated_network(argv, root, capsys):
    assert main(argv) == 0
    assert "OK" in capsys.readouterr().out


def test_numpy_impl_alone_takes_it(capsys):
    assert numpy_main(["--sizes", "2,3,1", "--epochs", "2", "--quiet"]) == 0


@pytest.mark.parametrize("value, words", [("4", "at least 2 layer widths"), ("4,0,3", ">= 1, found 0"),
                                          ("4,-2", ">= 1, found -2"), ("4,x", "comma-separated"),
                                          ("4,100001", "1..100000"), ("1000,1000,1000", "at most 1000000")])
def test_bad_sizes_are_one_line_exit_2(value, words, capsys):
    assert main([f"--sizes={value}"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and words in err and err.count("\n") == 1
