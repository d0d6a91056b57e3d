"""Fuzzing the experiment boundary: whatever a file or flag holds, the result is an experiment or ONE line and
exit 2, never a traceback.

Most cases go through `compare.experiment.sources.load_experiment` in-process (it may only return an `Experiment` or
raise `ExperimentError`: anything else is a bug); a smaller sample goes through the real command line
(`compare.cli.main.main`, with `--show`, and with `--epochs 1` when that run is short). Runs derandomized, so CI
sees the same ~700 cases every time.
"""

from __future__ import annotations

import json
import math
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compare.cli.main import main as compare_main
from compare.errors import ExperimentError
from compare.experiment.definition import Experiment
from compare.experiment.sources import PRESET_DIR, load_experiment, preset_names
from compare.experiment.validate import SCHEMA

FUZZ = settings(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
PRESETS = {name: tomllib.loads((PRESET_DIR / f"{name}.toml").read_text("utf-8")) for name in preset_names()}
KEYS = sorted({k for keys in SCHEMA.values() for k in keys})

# ---- writing TOML (our own small writer: tomllib cannot write, and broken output is a fine case too) ----


def toml_key(key: str) -> str:
    return json.dumps(key)


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        return ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_key(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def toml_document(doc: dict) -> str:
    return "\n".join(f"{toml_key(str(k))} = {toml_value(v)}" for k, v in doc.items()) + "\n"


# ---- strategies ----

NUMBERS = [0, -1, 1, 2, 3, -10**9, 10**7 + 1, 2**31, 2**63 - 1, 2**64, 10**400, 1e308, -1e308, 1e-320, 0.5,
           float("nan"), float("inf"), float("-inf")]
scalars = st.one_of(
    st.sampled_from(NUMBERS), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=12), st.sampled_from(["sigmoid", "relu", "batch", "minibatch", "replacement", "sum",
                                            "float32", "he-normal", "softmax", "cross_entropy", "bce", ""]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
keys = st.sampled_from(KEYS + ["", "train", "a b", "lr ", "épocas", "x\ny"]) | st.text(max_size=10)


def paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of keys / indices) to a value in a nested document."""
    out = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for k, v in items:
        out.append(prefix + (k,))
        out.extend(paths(v, prefix + (k,)))
    return out


def reshape(v: Any, how: int) -> Any:
    if how == 0:
        return [v]
    if how == 1:
        return v[0] if isinstance(v, list) and v else []
    if how == 2:
        return v + v[:1] if isinstance(v, list) else [v, v]
    if how == 3:
        return v[:-1] if isinstance(v, list) else {}
    return [list(col) for col in zip(*v)] if isinstance(v, list) and all(isinstance(r, list) for r in v) else v


@st.composite
def mutated_presets(draw: st.DrawFn) -> bytes:
    """A preset with 1-3 mutations (delete, rename, retype, reshape, non-finite, huge/negative, empty, deep
    nesting), serialized, sometimes with bytes that are not UTF-8 spliced in."""
    doc = json.loads(json.dumps(PRESETS[draw(st.sampled_from(sorted(PRESETS)))]))   # a deep copy
    for _ in range(draw(st.integers(1, 3))):
        where = paths(doc)
        if not where:
            break
        path = draw(st.sampled_from(where))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        last = path[-1]
        op = draw(st.sampled_from(["delete", "rename", "retype", "reshape", "nonfinite", "number", "empty",
                                   "deep"]))
        if op == "delete":
            del parent[last]
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(keys)] = parent.pop(last)
        elif op == "retype":
            parent[last] = draw(values)
        elif op == "reshape":
            parent[last] = reshape(parent[last], draw(st.integers(0, 4)))
        elif op == "nonfinite":
            parent[last] = draw(st.sampled_from([float("nan"), float("inf"), float("-inf")]))
        elif op == "number":
            parent[last] = draw(st.sampled_from(NUMBERS))
        elif op == "empty":
            parent[last] = draw(st.sampled_from([[], [[]], {}, ""]))
        elif op == "deep":
            parent[last] = DEEP
    text = toml_document(doc)
    if json.dumps(DEEP) in text:   # nesting written as text: a recursive writer would hit the recursion limit
        depth = draw(st.integers(2, 3000))
        text = text.replace(json.dumps(DEEP), "[" * depth + "1" + "]" * depth)
    raw = text.encode("utf-8")
    if draw(st.integers(0, 9)) == 0:
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\x00", b"\xed\xa0\x80", b"\x80abc"])) + raw[at:]
    return raw


DEEP = "<deeply nested>"
random_documents = st.dictionaries(keys, values, max_size=6).map(lambda d: toml_document(d).encode("utf-8"))


# ---- the checks ----


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz")
    for csv in PRESET_DIR.glob("*.csv"):   # presets that read a CSV find it next to the mutated file
        shutil.copy(csv, path / csv.name)
    return path


def load_or_error(path: Path, overrides: dict | None = None) -> Experiment | None:
    """The experiment, or None after checking the error is one line; anything else fails the test."""
    try:
        return load_experiment(str(path), overrides)
    except ExperimentError as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message, repr(message)
        assert "Traceback" not in message
        return None


@settings(FUZZ, max_examples=450)
@given(raw=mutated_presets())
def test_mutated_presets_load_or_fail_in_one_line(folder, raw):
    path = folder / "mutated.toml"
    path.write_bytes(raw)
    load_or_error(path)


@settings(FUZZ, max_examples=150)
@given(raw=random_documents)
def test_random_documents_load_or_fail_in_one_line(folder, raw):
    path = folder / "random.toml"
    path.write_bytes(raw)
    load_or_error(path)


OVERRIDE_VALUES = st.one_of(st.sampled_from(NUMBERS), st.text(max_size=6), st.booleans(),
                            st.lists(st.integers(), max_size=3))


@settings(FUZZ, max_examples=100)
@given(name=st.sampled_from(sorted(PRESETS)), overrides=st.dictionaries(
    st.sampled_from([k for k in KEYS if k not in SCHEMA]), OVERRIDE_VALUES, max_size=3))
def test_overrides_load_or_fail_in_one_line(name, overrides):
    """The Python API's overrides (what flags become) go through the same validation."""
    load_or_error(PRESET_DIR / f"{name}.toml", overrides)


def assert_cli_outcome(code: int, out: str, err: str) -> None:
    assert "Traceback" not in err, err
    if code == 0:
        return
    assert code == 2, (code, err)
    assert out == "", out
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err


@settings(FUZZ, max_examples=60)
@given(raw=mutated_presets())
def test_mutated_presets_through_the_command_line(folder, capsys, raw):
    path = folder / "cli.toml"
    path.write_bytes(raw)
    code = compare_main([str(path), "--show"])
    assert_cli_outcome(code, *capsys.readouterr())
    experiment = load_or_error(path, {"epochs": 1})
    if experiment is not None and experiment.updates_per_epoch <= 50 and experiment.n_samples <= 1000:
        # the real run, one epoch: a diverging or odd but valid experiment must end in 0 or 3, quietly
        code = compare_main([str(path), "--epochs", "1", "--quiet"])
        out, err = capsys.readouterr()
        assert "Traceback" not in err and "Warning" not in err, err
        assert code in (0, 2, 3), (code, err)
        if code:
            assert len(err.splitlines()) == 1, err


FLAGS = ["--mode", "--batch-size", "--order", "--samples-per-epoch", "--drop-last", "--seed", "--epochs",
         "--lr", "--report-every", "--loss", "--dtype", "--activation", "--leaky-slope", "--momentum",
         "--init", "--scheme"]
flag_values = st.sampled_from(["0", "-1", "1e999", "nan", "inf", "-inf", "99999999999999999999999", "", "x",
                               "1" * 5000, "all", "true", "maybe", "/nonexistent.npz", "--json"]) | st.text(max_size=8)


@settings(FUZZ, max_examples=60)
@given(name=st.sampled_from(sorted(PRESETS)), flags=st.lists(st.tuples(st.sampled_from(FLAGS), flag_values),
                                                            max_size=3))
def test_random_flags_show_or_fail_in_one_line(capsys, name, flags):
    argv = [name, "--show"] + [part for pair in flags for part in pair]
    code = compare_main(argv)
    assert_cli_outcome(code, *capsys.readouterr())
