"""What comes back from a submission's process, rebuilt by the grader (compare/grading/answers.py): the value
tree decoded into plain writable arrays, lists, tuples, None and stand-ins named like the submission's objects,
anything malformed refused; its exceptions remade by name with their text capped and escaped; why an import
failed, in a student's words; the keywords its functions take. Every expectation is written by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from compare.grading import answers, wire
from compare.usercode.load import UserCodeError


def test_a_remote_exception_is_named_like_the_submissions():
    exc = answers.remote_exception("ValueError", "bad \x1b[31mred", "Traceback:\n  line 3\n\n")
    assert type(exc).__name__ == "ValueError" and type(exc).__module__ == "builtins"
    assert isinstance(exc, Exception) and not isinstance(exc, NotImplementedError)
    assert str(exc) == "bad \\x1b[31mred"
    assert exc.__notes__ == ["in the submission's process:\nTraceback:\n  line 3"]
    assert type(answers.remote_exception("ValueError", "", "")) is type(exc)
    assert isinstance(answers.remote_exception("NotImplementedError", "", ""), NotImplementedError)
    assert not hasattr(answers.remote_exception("KeyError", "m", " \n "), "__notes__")
    assert type(answers.remote_exception("my-Err<or>!", "", "")).__name__ == "myError"
    assert type(answers.remote_exception("E" * 100, "", "")).__name__ == "E" * 60
    assert type(answers.remote_exception("<>", "", "")).__name__ == "Exception"


def test_a_remote_exception_is_capped_as_the_child_caps_it():
    exc = answers.remote_exception("OSError", "m" * 2500, "t" * 9000 + "\n")
    assert str(exc) == "m" * 2000
    assert exc.__notes__ == ["in the submission's process:\n" + "t" * 7999]


def test_placeholders_are_named_like_the_submissions_objects():
    p = answers._placeholder("float")
    assert isinstance(p, answers.Placeholder) and type(p).__name__ == "float"
    assert type(answers._placeholder("float")) is type(p)
    assert type(answers._placeholder("a.b-c")).__name__ == "abc"
    assert type(answers._placeholder("x" * 70)).__name__ == "x" * 60
    assert type(answers._placeholder("...")).__name__ == "object"


def test_decode_rebuilds_the_value():
    frozen = np.frombuffer(np.arange(3.0).tobytes(), dtype=np.float64)     # read-only, as the wire gives it
    got = answers.decode({"u": [{"l": [{"a": 0}, {"n": 1}]}, {"t": "int"}, {"t": "ndarray"}]}, [frozen])
    assert type(got) is tuple and type(got[0]) is list and got[0][1] is None
    assert type(got[0][0]) is np.ndarray and got[0][0].tolist() == [0.0, 1.0, 2.0] and got[0][0].flags.writeable
    assert got[0][0] is not frozen
    assert type(got[1]).__name__ == "int" and isinstance(got[1], answers.Placeholder)
    assert got[2].dtype == object and got[2].shape == (0,)
    assert answers.decode({"a": 0, "x": 1}, [frozen]).tolist() == [0.0, 1.0, 2.0]    # two keys: allowed


def _nested(levels: int) -> dict:
    tree: dict = {"n": 1}
    for _ in range(levels):
        tree = {"l": [tree]}
    return tree


def test_decode_goes_five_levels_deep_and_no_more():
    assert answers.decode(_nested(5), []) == [[[[[None]]]]]
    with pytest.raises(wire.ProtocolError, match="bad value tree"):
        answers.decode(_nested(6), [])


@pytest.mark.parametrize("tree, words", [
    ([], "bad value tree"), ({}, "bad value tree"), ({"a": 0, "b": 1, "c": 2}, "bad value tree"),
    ({"a": 1}, "bad array index"), ({"a": -1}, "bad array index"), ({"a": True}, "bad array index"),
    ({"a": 0.0}, "bad array index"), ({"l": {"a": 0}}, "bad sequence"), ({"u": "ab"}, "bad sequence"),
    ({"t": 3}, "bad value tree"), ({"x": 1}, "bad value tree")])
def test_decode_refuses_what_is_malformed(tree, words):
    with pytest.raises(wire.ProtocolError) as caught:
        answers.decode(tree, [np.zeros(1)])
    assert str(caught.value) == words


def test_an_import_of_something_lying_beside_a_single_file(tmp_path):
    mine = tmp_path / "mine.py"
    (tmp_path / "classifiers").mkdir()
    (tmp_path / "helper.py").write_text("")
    folder = tmp_path.name
    assert answers.import_words("classifiers.linear", ("numpy",), folder=False, file=mine) == (
        f"`classifiers` lies beside it (classifiers/ in {folder}/), but a single file is sent alone: give the "
        "folder holding both as the submission (its entry submission.py, or the one file defining backward)")
    assert answers.import_words("helper", ("numpy",), folder=False, file=str(mine)).startswith(
        f"`helper` lies beside it (helper.py in {folder}/), but")
    helper = answers.import_words("helper", ("numpy",), folder=True, file=mine)
    assert helper.startswith("`helper` is neither a module a submission may import here")


def test_an_import_the_grader_has_but_does_not_allow():
    assert answers.import_words("torch.nn", ("numpy", "scipy"), folder=False) == (
        "a submission may not import `torch` here (it may import: the standard library, numpy, scipy)")


def test_an_import_of_a_missing_helper():
    assert answers.import_words("nosuch_helper_x", ("numpy",), folder=False) == (
        "`nosuch_helper_x` is neither a module a submission may import here (the standard library, numpy) nor a "
        "file of yours: if it is your own helper module, include nosuch_helper_x.py with it (submit a folder "
        "holding your file and its helper modules)")
    assert answers.import_words("nosuch_pkg_x.sub", (), folder=True) == (
        "`nosuch_pkg_x` is neither a module a submission may import here (the standard library) nor a file of "
        "yours: if it is your own helper module, include nosuch_pkg_x.py in your folder (`nosuch_pkg_x.sub`: "
        "`nosuch_pkg_x` is a package, so include its folder nosuch_pkg_x/ with its __init__.py)")
    assert answers.import_words("numpy", ("numpy",), folder=True).startswith("`numpy` is neither")
    assert answers.import_words(".rel", (), folder=True).startswith("`` is neither")   # find_spec refuses ""


LOSS = ("loss", "hidden_activation", "output_activation", "leaky_slope")   # the experiment's keywords


def test_the_keywords_a_function_takes_from_its_described_signature():
    sig = {"text": "(w, b, a, t, *, loss, l2, output_activation)", "binds": True, "var_keyword": False,
           "keywords": ["w", "b", "a", "t", "l2", "loss", "output_activation"]}
    assert answers.signature_keywords(sig, "mine.py", "backward", 4, "...") == ("loss", "output_activation", "l2")
    sig.update(var_keyword=True, keywords=["w", "reduction", "mse_scale"])
    assert answers.signature_keywords(sig, "mine.py", "backward", 4, "...") == LOSS + ("reduction", "mse_scale")
    sig.update(var_keyword=False, keywords="loss")
    assert answers.signature_keywords(sig, "mine.py", "backward", 4, "...") == ()
    assert answers.signature_keywords(None, "mine.py", "backward", 4, "...") is None
    assert answers.signature_keywords(["binds"], "mine.py", "backward", 4, "...") is None


def test_a_function_that_cannot_take_its_arguments():
    sig = {"text": "(w, b)" + " " * 300, "binds": False, "keywords": [], "var_keyword": False}
    with pytest.raises(UserCodeError) as caught:
        answers.signature_keywords(sig, "mine.py", "forward", 3, "weights, biases, X")
    assert str(caught.value) == ("mine.py: `forward(w, b)" + " " * 194 + "` must accept 3 positional arguments "
                                 "(weights, biases, X)")
    with pytest.raises(UserCodeError) as caught:
        answers.signature_keywords({}, "mine.py", "backward", 4, "w, b, a, t")
    assert str(caught.value) == "mine.py: `backward(...)` must accept 4 positional arguments (w, b, a, t)"
