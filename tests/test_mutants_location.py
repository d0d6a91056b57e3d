"""Feedback at the "location" level (compare/diagnosis/location.py), on failure objects written by hand: the
line names the update, stage, layer and array, the other arrays out of tolerance (not the named one again),
and each kind of mistake the hints point at once, in the hints' order, the first kind a hint matches only;
never a hint's sentence or a value.
"""

from __future__ import annotations

from compare.diagnosis.location import kinds_of, location_text

NEGATIVE = "yours is the exact negative of torch's at every element of dW2: a sign is flipped"
TRANSPOSED = "yours is torch's dW1 transposed: (outputs, inputs) where W is (inputs, outputs)"
ZEROS = "your db2 is all zeros where torch's is not: never computed?"
FACTOR = "every element of dW2 is 3 x torch's (a constant factor): the batch size B = 3"
# names a factor and a sign: the sign (listed first among the kinds) is the one it names
SIGN_AND_FACTOR = "the sign in its own formula is flipped, a factor of -1"


def _failure(**extra):
    return {"update": 4, "epoch": 1, "batch": 0, "stage": "gradient", "layer": 2, "parameter": "W2",
            "array": "dW2", "wrong": ["dW2"], "hints": [], "ours": 0.25, "theirs": 0.5, **extra}


def test_each_kind_once_in_the_hints_order_and_the_first_matching_kind_only():
    assert kinds_of([]) == []
    assert kinds_of([NEGATIVE]) == ["a sign"]
    assert kinds_of([FACTOR, NEGATIVE]) == ["a factor", "a sign"]
    assert kinds_of([NEGATIVE, FACTOR, NEGATIVE, FACTOR]) == ["a sign", "a factor"]
    assert kinds_of([SIGN_AND_FACTOR]) == ["a sign"]
    assert kinds_of(["db1 agrees, so delta1 is right", ZEROS, TRANSPOSED]) == [
        "a gradient that is never computed (all zeros)", "a transpose"]
    # a hint that names no kind is passed over, the next one still read
    assert kinds_of(["look at dW1's own formula", FACTOR]) == ["a factor"]


def test_the_line_names_the_place_and_the_kind():
    text = location_text(_failure(hints=[FACTOR]))
    assert text == ("disagrees with the reference at update 4, stage gradient, layer 2, dW2; the kind of mistake: "
                    "a factor")
    text = location_text(_failure(hints=[TRANSPOSED, NEGATIVE]), reference="torch")
    assert text == ("disagrees with torch at update 4, stage gradient, layer 2, dW2; the kind of mistake: "
                    "a transpose or a sign")


def test_the_other_arrays_out_of_tolerance_are_named_without_the_first():
    text = location_text(_failure(wrong=["dW2", "db2", "dW1"], hints=[FACTOR]))
    assert text == ("disagrees with the reference at update 4, stage gradient, layer 2, dW2 (also out of tolerance: "
                    "db2, dW1); the kind of mistake: a factor")
    # the parameter's own name (the update stage names W2, not dW2) is not repeated either
    text = location_text(_failure(stage="update", array="W2", wrong=["W2", "b2"], hints=[]))
    assert text == ("disagrees with the reference at update 4, stage update, layer 2, W2 (also out of tolerance: "
                    "b2); the pattern of the wrong numbers matches no mistake we know")
    text = location_text(_failure(array=None, wrong=["W2"]))
    assert text.startswith("disagrees with the reference at update 4, stage gradient, layer 2, W2; ")


def test_no_known_pattern_says_so_and_gives_no_value_nor_sentence():
    for hints in ([], None, ["look at dW2's own formula"]):
        failure = _failure(hints=hints) if hints is not None else {
            k: v for k, v in _failure().items() if k != "hints"}
        text = location_text(failure)
        assert text.endswith("; the pattern of the wrong numbers matches no mistake we know"), text
        assert "0.25" not in text and "0.5" not in text and "formula" not in text
    text = location_text(_failure(hints=[FACTOR], wrong=None))
    assert "also out of tolerance" not in text and "B = 3" not in text and "3 x" not in text
