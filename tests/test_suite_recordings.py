"""The check suite's shipped recordings are exactly what torch records now, element for element: a check
without torch is a check against torch. (Regenerate with `python -m compare.usercode.suite_record`.)"""

from __future__ import annotations

import numpy as np
import pytest

from compare.usercode.suite import RECORDED as SUITE
from compare.usercode.suite_record import differences, fresh_recording, load_recording, recording_path

pytest.importorskip("torch")


@pytest.mark.parametrize("case", SUITE, ids=lambda c: c.name)
def test_shipped_recording_equals_a_fresh_torch_recording(case):
    with np.load(recording_path(case), allow_pickle=False) as npz:
        shipped = {k: npz[k] for k in npz.files}
    fresh = fresh_recording(case)
    assert differences(shipped, fresh) == []
    assert set(shipped) == set(fresh) and len(shipped) > 10
    trace = load_recording(case)          # and it loads as the suite's own experiment
    assert trace.updates == case.experiment().total_updates


def test_recordings_are_small_compressed_plain_npz():
    total = 0
    for case in SUITE:
        path = recording_path(case)
        total += path.stat().st_size
        with np.load(path, allow_pickle=False) as npz:   # no pickle: object arrays would refuse to load
            assert all(npz[k].dtype != object for k in npz.files)
    assert total < 500_000   # 29 recordings: the suite and its structure experiments in other settings, depths


def test_differences_sees_one_changed_element():
    a = {"W1": np.zeros((2, 2)), "environment": np.array("x")}
    b = {"W1": np.zeros((2, 2)), "environment": np.array("y")}
    assert differences(a, b) == []
    b["W1"][1, 1] = 1e-300
    assert differences(a, b) == ["`W1` differs"]
