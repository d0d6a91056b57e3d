"""The recordings read back (compare/layers/recorded.py: each case's inputs, upstream gradients, torch's
numbers, the mistakes' numbers and the case's numbers, by their keys) and which functions of a file are
still the template's (compare/layers/unwritten.py: every YOUR CODE block empty), on arrays and files
written here."""

from __future__ import annotations

import dataclasses
import textwrap
from dataclasses import replace

import numpy as np
import pytest

from compare.layers.recorded import cases_from_arrays, load_cases
from compare.layers.table import LAYERS
from compare.layers.table.types import Case
from compare.layers.unwritten import unwritten_functions

TWO = replace(LAYERS["relu"], cases=(Case("a", "", {}), Case("b", "", {})))


def _arrays() -> dict[str, np.ndarray]:
    return {"torch": np.array("2.13.0"),
            "0/in/x": np.array([1.0, -1.0]), "0/up/dout": np.array([0.5, 0.25]), "0/ref/out": np.array([1.0, 0.0]),
            "0/ref/dx": np.array([0.5, 0.0]), "0/alt/relu-at-zero/dx": np.array([0.5, 0.25]),
            "0/alt/other/out": np.array([9.0]), "0/num/N": np.array(2),
            "1/in/x": np.array([3.0]), "1/in/bn_param.running_mean": np.array([7.0]),
            "1/ref/dx": np.array([1.0]), "1/num/pad": np.array(0.0), "1/num/1/N": np.array(0.5)}


def test_each_case_holds_its_own_arrays_by_kind():
    first, second = cases_from_arrays(TWO, _arrays())
    assert first.inputs.keys() == {"x"} and first.inputs["x"].tolist() == [1.0, -1.0]
    assert first.upstream["dout"].tolist() == [0.5, 0.25]
    assert first.ref.keys() == {"out", "dx"} and first.ref["dx"].tolist() == [0.5, 0.0]
    assert first.alts.keys() == {"relu-at-zero", "other"}
    assert first.alts["relu-at-zero"]["dx"].tolist() == [0.5, 0.25] and first.alts["other"]["out"].tolist() == [9.0]
    assert first.numbers == {"N": 2.0} and type(first.numbers["N"]) is float
    assert first.torch == "2.13.0" and second.torch == "2.13.0"
    assert second.inputs.keys() == {"x", "bn_param.running_mean"} and second.upstream == {} and second.alts == {}
    assert second.numbers == {"pad": 0.0, "1/N": 0.5}


def test_the_cases_are_as_many_as_the_layers_and_read_from_a_file(tmp_path):
    np.savez(tmp_path / "relu.npz", **_arrays(), **{"2/in/x": np.array([5.0])})
    got = load_cases(TWO, tmp_path)
    assert len(got) == 2 and got[1].inputs["x"].tolist() == [3.0]       # a third case's arrays are not read
    one = replace(TWO, cases=TWO.cases[:1])
    assert len(load_cases(one, tmp_path)) == 1
    shipped = load_cases(LAYERS["affine"])
    assert len(shipped) == 1 and shipped[0].inputs["x"].shape == (4, 2, 3) and shipped[0].ref["dw"].shape == (6, 5)


def test_a_recording_is_frozen_and_never_unpickled(tmp_path):
    rec = cases_from_arrays(TWO, _arrays())[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.torch = "another"                                            # type: ignore[misc]
    np.savez(tmp_path / "relu.npz", **_arrays(), **{"0/in/y": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(ValueError, match="allow_pickle"):
        load_cases(TWO, tmp_path)


def test_a_new_recording_agrees_within_1e_12_relative_to_max_1_and_the_value():
    from compare.layers.record.__main__ import differences
    shipped = {"0/ref/a": np.array([0.5, 2.0]), "torch": np.array("2.13.0")}
    assert differences({"0/ref/a": np.array([0.5 + 0.9e-12, 2.0 + 1.8e-12]), "torch": np.array("x")}, shipped) == []
    assert differences({"0/ref/a": np.array([0.5 + 1.2e-12, 2.0])}, shipped) == ["0/ref/a: differs by 1.2e-12"]
    assert differences({"0/ref/a": np.array([0.5, 2.0 + 2.5e-12])}, shipped) == ["0/ref/a: differs by 2.5e-12"]


def _file(tmp_path, text: str):
    path = tmp_path / "layers.py"
    path.write_text(textwrap.dedent(text))
    return path


START = "# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
END = "# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"


def test_a_function_whose_every_block_is_empty_is_unwritten(tmp_path):
    path = _file(tmp_path, f"""
        def empty(x):
            out = None
            {START}

            # a comment
            pass

            {END}
            return out, x

        def written(x):
            out = None
            {START}
            out = x * 2
            {END}
            return out, x

        def half(x):
            {START}
            pass
            {END}
            {START}
            out = x
            {END}
            return out

        def none(x):
            return x

        def two_empty(x):
            {START}
            {END}
            {START}
            pass
            {END}
            return None
        """)
    assert unwritten_functions(path) == frozenset({"empty", "two_empty"})


def test_the_older_todo_box_and_markers_only_in_comments(tmp_path):
    path = _file(tmp_path, f"""
        def old(x):
            # TODO: Implement the forward pass.
            pass
            # END OF YOUR CODE
            return None

        def in_a_string(x):
            s = "TODO"
            out = x
            {END}
            return out

        def unclosed(x):
            {START}
            pass
            return None

        def end_first(x):
            {END}
            y = x
            {START}
            pass
            {END}
            return y
        """)
    assert unwritten_functions(path) == frozenset({"old", "end_first"})


def test_each_function_read_on_its_own_lines(tmp_path):
    path = _file(tmp_path, f"""
        def a(x):
            {START}
            pass
            {END}
            return x
        def b(x):
            {START}
            y = x
            {END}
            return y
        def c(x):
            {START}
            pass
            {END}
            return x
        """)
    assert unwritten_functions(path) == frozenset({"a", "c"})


def test_a_file_that_is_not_python_has_none(tmp_path):
    assert unwritten_functions(_file(tmp_path, "def f(:\n")) == frozenset()
    assert unwritten_functions(tmp_path / "missing.py") == frozenset()
    bad = tmp_path / "latin.py"
    bad.write_bytes(b"# \xe9\ndef f():\n    pass\n")
    assert unwritten_functions(bad) == frozenset()


def test_a_comment_inside_a_block_opens_no_new_one(tmp_path):
    path = _file(tmp_path, f"""
        def commented(x):
            {START}
            out = x
            # now the cache
            {END}
            return out
        """)
    assert unwritten_functions(path) == frozenset()


def test_a_marker_above_a_function_is_not_its_own(tmp_path):
    path = _file(tmp_path, f"""
        import numpy as np
        {START}
        def b(x):
            {END}
            {START}
            pass
            {END}
            return None
        """)
    assert unwritten_functions(path) == frozenset({"b"})


def test_files_are_read_up_to_16_mib_as_the_layer_files_names_are():
    import tempfile
    from pathlib import Path

    from compare.layers.discover import defined_names
    head = f"def f(x):\n    {START}\n    pass\n    {END}\n    return None\n#".encode()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.py"
        path.write_bytes(head + b"x" * ((16 << 20) - len(head)))                # 16 MiB exactly
        assert unwritten_functions(path) == frozenset({"f"}) and defined_names(path) == {"f"}
        path.write_bytes(head + b"x" * ((16 << 20) - len(head) + 1))            # one byte more
        assert unwritten_functions(path) == frozenset() and defined_names(path) == set()
