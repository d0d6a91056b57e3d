"""A fresh recording held to a shipped one (compare/usercode/suite_compare.py), on small hand-made
recordings whose differences are counted by hand in units of the last place: the documented bound is 16
ulps of a quantity's scale, its largest finite magnitude in the shipped file, with eps = 2**-52; everything
that is not a float (integers, text, keys, shapes, dtypes, where the NaNs are) must be equal.
"""

from __future__ import annotations

import numpy as np
import pytest

from compare.usercode.suite_compare import compare_recordings

EPS = 2.0 ** -52          # float64's machine epsilon, written out (not read from the module)
ULPS = 16                 # the bound the module's docstring and the README promise


def _shipped() -> dict[str, np.ndarray]:
    return {"W1": np.array([[0.5, -2.0], [1.0, 0.25]]),       # scale 2.0: one ulp of it is 2 * EPS = 2**-51
            "loss": np.array([0.125, 0.0625]),                  # scale 0.125
            "epoch": np.array([0, 0, 1, 1]), "format": np.array("suite-recording"),
            "experiment": np.array("name = 'square'\nlr = 0.5"), "environment": np.array("torch 2.13.0, avx512")}


def _fresh(**changed) -> dict[str, np.ndarray]:
    out = {k: v.copy() for k, v in _shipped().items()}
    out.update(changed)
    return out


def _beyond(found):
    return [d.key for d in found if d.beyond]


def test_equal_recordings_have_no_difference_and_the_environment_is_never_compared():
    assert compare_recordings(_shipped(), _fresh()) == []
    assert compare_recordings(_shipped(), _fresh(environment=np.array("numpy 2.3, default kernel"))) == []
    fresh = _fresh()
    del fresh["environment"]
    assert compare_recordings(_shipped(), fresh) == []


@pytest.mark.parametrize("ulps, beyond", [(1, False), (16, False), (63, False), (64, False), (65, True),
                                          (1000, True)])
def test_a_difference_in_the_largest_element_counted_in_ulps_of_its_scale(ulps, beyond):
    """W1's scale is 2.0; 0.5 moved by n ulps of 0.5 (2**-53 each) is n / 4 ulps of the scale (2**-51):
    the bound, 16 ulps of the scale, is 64 ulps of 0.5, i.e. 2**-47."""
    W1 = _shipped()["W1"].copy()
    W1[0, 0] = 0.5 + ulps * 2.0 ** -53
    [d] = compare_recordings(_shipped(), _fresh(W1=W1))
    assert d.key == "W1" and d.what == ""
    assert d.largest == ulps * 2.0 ** -53
    assert d.scale == 2.0
    assert d.bound == ULPS * EPS * 2.0 == 2.0 ** -47
    assert d.relative == ulps * 2.0 ** -54
    assert d.beyond is beyond


def test_the_bound_is_exactly_16_ulps_inclusive():
    W1 = _shipped()["W1"].copy()
    W1[1, 1] = 0.25 + 2.0 ** -47            # exactly 16 ulps of the scale 2.0
    [d] = compare_recordings(_shipped(), _fresh(W1=W1))
    assert not d.beyond and d.largest == d.bound == 2.0 ** -47
    W1[1, 1] = 0.25 + 2.0 ** -47 + 2.0 ** -54   # one ulp of 0.25 more
    [d] = compare_recordings(_shipped(), _fresh(W1=W1))
    assert d.beyond
    W1[1, 1] = 0.25 - 2.0 ** -46            # 32 ulps of the scale, below 0.25
    [d] = compare_recordings(_shipped(), _fresh(W1=W1))
    assert d.beyond and d.largest == 2.0 ** -46


def test_the_scale_is_the_shipped_files_largest_magnitude_not_the_fresh_ones():
    """A fresh -2.0 grown to -2.0 - 2**-49 (4 ulps of the scale): the scale stays 2.0 exactly, not 2.0 + 2**-49."""
    W1 = _shipped()["W1"].copy()
    W1[0, 1] = -2.0 - 2.0 ** -49
    [d] = compare_recordings(_shipped(), _fresh(W1=W1))
    assert d.scale == 2.0 and d.largest == 2.0 ** -49 and not d.beyond
    # the largest difference over every element, not the first one's nor a signed one
    W1 = _shipped()["W1"].copy()
    W1[0, 0] = 0.5 + 2.0 ** -52
    W1[1, 0] = 1.0 - 2.0 ** -44
    [d] = compare_recordings(_shipped(), _fresh(W1=W1))
    assert d.largest == 2.0 ** -44 and d.beyond


def test_each_quantity_has_its_own_scale():
    """loss's scale is 0.125: 16 of its ulps are 2**-51, much less than W1's bound."""
    loss = np.array([0.125, 0.0625 + 2.0 ** -50])
    [d] = compare_recordings(_shipped(), _fresh(loss=loss))
    assert d.key == "loss" and d.scale == 0.125 and d.bound == 16 * EPS * 0.125 == 2.0 ** -51
    assert d.beyond and d.largest == 2.0 ** -50 and d.relative == 2.0 ** -47


def test_the_message_says_how_far_in_absolute_relative_and_ulps():
    W1 = _shipped()["W1"].copy()
    W1[0, 0] = 0.5 + 2.0 ** -46             # 2**-46 = 1.42e-14; of the scale 2: 7.11e-15 = 32 ulps
    [d] = compare_recordings(_shipped(), _fresh(W1=W1))
    assert str(d) == ("`W1` largest difference 1.42e-14 absolute, 7.11e-15 relative to its scale 2 (32 ulps; "
                      "bound 16 ulps = 7.11e-15)")


def test_nan_and_inf_must_sit_at_the_same_places_and_are_left_out_of_the_scale():
    shipped = _shipped()
    shipped["dZ2"] = np.array([np.nan, 3.0, np.inf, -1.0])
    assert compare_recordings(shipped, _fresh(dZ2=shipped["dZ2"].copy())) == []
    for moved in ([3.0, np.nan, np.inf, -1.0], [np.nan, 3.0, -np.inf, -1.0], [np.nan, 3.0, np.nan, -1.0],
                  [np.nan, 3.0, 5.0, -1.0]):
        [d] = compare_recordings(shipped, _fresh(dZ2=np.array(moved)))
        assert d.key == "dZ2" and d.what == "has its NaN or inf elements elsewhere" and d.beyond
        assert str(d) == "`dZ2` has its NaN or inf elements elsewhere"
    # a finite element moved by 2 ulps of 3.0: the scale is 3.0 (NaN and inf set aside), within the bound
    [d] = compare_recordings(shipped, _fresh(dZ2=np.array([np.nan, 3.0 + 2.0 ** -50, np.inf, -1.0])))
    assert d.scale == 3.0 and d.largest == 2.0 ** -50 and not d.beyond


def test_a_zero_quantity_has_no_scale_and_any_difference_is_beyond():
    shipped = _shipped()
    shipped["db1"] = np.zeros(3)
    [d] = compare_recordings(shipped, _fresh(db1=np.array([0.0, 1e-300, 0.0])))
    assert d.scale == 0.0 and d.bound == 0.0 and d.largest == 1e-300 and d.beyond
    assert d.relative == float("inf")
    assert compare_recordings(shipped, _fresh(db1=np.array([0.0, -0.0, 0.0]))) == []


def test_integers_keys_shapes_and_dtypes_must_be_equal():
    [d] = compare_recordings(_shipped(), _fresh(epoch=np.array([0, 0, 1, 2])))
    assert d.beyond and str(d) == "`epoch` differs in 1 of 4 elements (no bound for whole numbers or text)"
    [d] = compare_recordings(_shipped(), _fresh(epoch=np.array([1, 1, 0, 1])))
    assert str(d) == "`epoch` differs in 3 of 4 elements (no bound for whole numbers or text)"
    [d] = compare_recordings(_shipped(), _fresh(W1=np.array([[0.5, -2.0, 1.0, 0.25]])))
    assert d.beyond and str(d) == "`W1` is float64 (1, 4) in the fresh recording, float64 (2, 2) in the shipped one"
    [d] = compare_recordings(_shipped(), _fresh(loss=np.array([0.125, 0.0625], dtype=np.float32)))
    assert d.beyond and d.what == "is float32 (2,) in the fresh recording, float64 (2,) in the shipped one"
    fresh = _fresh(dW9=np.zeros(2))
    del fresh["loss"]
    found = compare_recordings(_shipped(), fresh)
    assert [(d.key, d.what) for d in found] == [("dW9", "only in the fresh recording"),
                                                 ("loss", "only in the shipped recording")]
    assert all(d.beyond for d in found)


def test_text_is_compared_as_text_whatever_its_width():
    assert compare_recordings(_shipped(), _fresh(format=np.array("suite-recording", dtype="<U40"))) == []
    [d] = compare_recordings(_shipped(), _fresh(format=np.array("suite-recordinG")))
    assert d.key == "format" and d.what == "differs" and d.beyond
    [d] = compare_recordings(_shipped(), _fresh(experiment=np.array("name = 'square'\nlr = 0.25")))
    assert d.what == "differs: another run" and d.beyond


def test_the_experiment_is_compared_as_the_run_it_describes():
    seen = []

    def same(a: str, b: str) -> bool:
        seen.append((a, b))
        return a.replace(" ", "") == b.replace(" ", "")
    fresh = _fresh(experiment=np.array("name='square'\nlr=0.5"))
    assert compare_recordings(_shipped(), fresh, same) == []
    assert seen == [("name = 'square'\nlr = 0.5", "name='square'\nlr=0.5")]      # shipped first, then fresh
    [d] = compare_recordings(_shipped(), _fresh(experiment=np.array("name='square'\nlr=0.25")), same)
    assert d.what == "differs: another run"
    # only the experiment goes through it: another text key is compared as text
    [d] = compare_recordings(_shipped(), _fresh(format=np.array("suite-recording ")), same)
    assert d.key == "format" and d.what == "differs"


def test_every_difference_is_listed_in_key_order_within_and_beyond():
    W1 = _shipped()["W1"].copy()
    W1[0, 0] = 0.5 + 2.0 ** -53             # within
    loss = np.array([0.125 + 2.0 ** -40, 0.0625])   # beyond
    found = compare_recordings(_shipped(), _fresh(W1=W1, loss=loss, epoch=np.array([0, 0, 1, 2])))
    assert [d.key for d in found] == ["W1", "epoch", "loss"]
    assert _beyond(found) == ["epoch", "loss"]


def test_a_fraction_of_an_ulp_is_printed_as_such():
    W1 = _shipped()["W1"].copy()
    W1[0, 0] = 0.5 + 3 * 2.0 ** -53         # 3 ulps of 0.5 = 0.75 of the scale's (2**-51)
    [d] = compare_recordings(_shipped(), _fresh(W1=W1))
    assert str(d).endswith("relative to its scale 2 (0.75 ulps; bound 16 ulps = 7.11e-15)"), str(d)


def test_text_against_a_number_or_a_text_array_is_not_compared_as_one_text():
    [d] = compare_recordings(_shipped(), _fresh(format=np.array(1.0)))
    assert d.what == "is float64 () in the fresh recording, <U15 () in the shipped one" and d.beyond
    shipped = {**_shipped(), "names": np.array(["ann", "bo"])}
    [d] = compare_recordings(shipped, {**_fresh(), "names": np.array(["ann", "bob"])})
    assert d.what == "differs in 1 of 2 elements (no bound for whole numbers or text)"
    assert compare_recordings(shipped, {**_fresh(), "names": np.array(["ann", "bo"])}) == []


def test_a_scalar_float_is_held_to_the_bound_not_compared_as_text():
    shipped = {**_shipped(), "lr": np.array(0.5)}
    [d] = compare_recordings(shipped, {**_fresh(), "lr": np.array(0.5 + 2.0 ** -52)})
    assert d.what == "" and d.largest == 2.0 ** -52 and d.scale == 0.5 and not d.beyond
    [d] = compare_recordings(shipped, {**_fresh(), "lr": np.array(0.25)})
    assert d.what == "" and d.largest == 0.25 and d.beyond
