"""Where experiments come from: preset names, TOML files, CSV data, `.npz` weights, and flag overrides.

`load_experiment` is the one entry point; everything it reads is read safely (no pickle) and every failure
is an `ExperimentError` naming the file and key.
"""

from __future__ import annotations

import copy
import csv
import io
import math
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from compare.errors import ExperimentError
from compare.experiment.definition import RESERVED_WORDS, Experiment
from compare.experiment.validate import MAX_PARAMETERS, SCHEMA, Where, build
from compare.experiment.values import to_bias, to_matrix
from compare.files.bounded import CSV_BYTES, CSV_NUMBERS, NPZ_BYTES, TOML_BYTES, Archive, Member, read_text
from compare.files.text import ascii_float

# the presets are package data, found beside this module wherever the package is installed
PRESET_DIR = Path(str(resources.files("compare.experiment.presets")))
MAX_DEPTH = 8
SECTION_OF = {key: section for section, keys in SCHEMA.items() if section for key in keys}


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def resolve(spec: str | Path) -> Path:
    """A preset name, or a path (contains `/` or ends in `.toml`)."""
    text = str(spec)
    if isinstance(spec, Path) or "/" in text or text.endswith(".toml") or "\\" in text:
        return Path(text)
    if text in RESERVED_WORDS:
        raise ExperimentError(f"experiment: `{text}` is a command, not an experiment")
    path = PRESET_DIR / f"{text}.toml"
    if not path.is_file():
        raise ExperimentError(f"experiment: unknown preset `{text}` (presets: {', '.join(preset_names())}; "
                              "a path must contain `/` or end in `.toml`)")
    return path


def read_toml(path: Path) -> dict[str, Any]:
    text = read_text(path, str(path), TOML_BYTES)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:   # tomllib parses nested arrays and tables recursively
        raise ExperimentError(f"{path}: nested too deeply (an experiment nests at most {MAX_DEPTH} "
                              "levels)") from None
    check_depth(doc, path)
    return doc


def check_depth(doc: Mapping[str, Any], path: Path) -> None:
    """Refuse absurd nesting before anything recursive (deepcopy, repr) sees it. The deepest valid key,
    `init.weights[l][i][j]`, nests 4 levels."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        value, key, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExperimentError(f"{path}: {key or 'document'}: nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, Mapping):
            stack.extend((v, f"{key}.{k}" if key else str(k), depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{key}[{i}]", depth + 1) for i, v in enumerate(value))


def read_csv(path: Path, input_columns: Any, target_columns: Any, where: Where) -> tuple[list, list]:
    """The named columns of a CSV file with a header row, as lists of rows of floats. The file is someone
    else's: its size is capped, and no message quotes what it holds (a header cell, a value)."""
    for key, cols in (("input_columns", input_columns), ("target_columns", target_columns)):
        if not isinstance(cols, list) or not cols or not all(isinstance(c, str) for c in cols):
            raise ExperimentError(f"{where('data.' + key)}: expected a non-empty list of column names, "
                                  f"found {cols!r}")
    what = f"{where('data.csv')}: {path}"
    rows = csv.reader(io.StringIO(read_text(path, what, CSV_BYTES), newline=""))
    try:
        header = [h.strip() for h in next(rows, [])]
        if not header:
            raise ExperimentError(f"{what}: empty CSV file, expected a header row")
        seen: set[str] = set()
        for i, name in enumerate(header):
            if name in seen:
                raise ExperimentError(f"{what}: header cell {i + 1} repeats an earlier column name; every "
                                      "column needs its own")
            seen.add(name)
        for col in input_columns + target_columns:
            if col not in seen:
                raise ExperimentError(f"{what}: no column `{col}` in its header row of {len(header)} cells "
                                      "(names match exactly, case included)")
        columns = {"inputs": [header.index(c) for c in input_columns],
                   "targets": [header.index(c) for c in target_columns]}
        out: dict[str, list] = {"inputs": [], "targets": []}
        budget = CSV_NUMBERS
        for row in rows:
            line = rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise ExperimentError(f"{what}: line {line}: expected {len(header)} cells, found {len(row)}")
            budget -= len(input_columns) + len(target_columns)
            if budget < 0:
                raise ExperimentError(f"{what}: more than {CSV_NUMBERS:,} numbers in the named columns; a "
                                      "data set is read up to that")
            for key, cols in (("inputs", input_columns), ("targets", target_columns)):
                values = []
                for col, index in zip(cols, columns[key]):
                    value = ascii_float(row[index])
                    if value is None:
                        raise ExperimentError(f"{what}: line {line}, column `{col}`: expected a number written "
                                              "in ASCII digits (e.g. 0.25, -1e-3)")
                    values.append(value)
                out[key].append(values)
    except csv.Error as exc:
        raise ExperimentError(f"{what}: not a readable CSV file (line {rows.line_num}: "
                              f"{str(exc).split(':')[0]})") from None
    return out["inputs"], out["targets"]


def read_weights_npz(path: Path, sizes: tuple[int, ...], flag: str = "--init") -> tuple[list, list]:
    """`W1, b1, W2, b2, ...` in the seed layout from a plain `.npz` (pickled objects refused); each member's
    shape and dtype are checked from its header before its data is read."""
    layers = len(sizes) - 1
    what = f"{flag} {path}"
    with Archive(path, what, NPZ_BYTES, total_cap=NPZ_BYTES, member_cap=MAX_PARAMETERS * 8) as archive:
        names = archive.members
        # `--save-weights` writes initial_W1 ... and final_W1 ...: its initial weights load back as they are
        prefix = "" if "W1" in names or "initial_W1" not in names else "initial_"
        weights, biases = [], []
        for i in range(1, layers + 1):
            n_in, n_out = sizes[i - 1], sizes[i]
            for key, bucket, shapes in ((f"{prefix}W{i}", weights, [(n_in, n_out)]),
                                        (f"{prefix}b{i}", biases, [(n_out,), (1, n_out)])):
                if key not in names:
                    found = ", ".join(sorted(names)[:8]) if all(_plain_name(k) for k in names) else "others"
                    raise ExperimentError(f"{what}: missing array `{key}` (expected W1..W{layers}, "
                                          f"b1..b{layers} for sizes {list(sizes)}; found {found})")
                bucket.append(archive.load(key, _expect(what, key, shapes)))
    return ([to_matrix(w, f"{what}: {prefix}W{i + 1}", (sizes[i], sizes[i + 1])) for i, w in enumerate(weights)],
            [to_bias(b, f"{what}: {prefix}b{i + 1}", sizes[i + 1]) for i, b in enumerate(biases)])


def _plain_name(name: str) -> bool:
    return name.isascii() and name.isidentifier() and len(name) <= 40


def _expect(what: str, key: str, shapes: list[tuple[int, ...]]) -> Any:
    """Before inflating: real numbers, and no more elements than the expected shape holds (the shape itself
    is checked by `to_matrix`, which names both)."""
    def check(member: Member) -> None:
        if member.dtype.kind not in "iuf":
            raise ExperimentError(f"{what}: {key}: expected an array of numbers, found dtype {member.dtype}")
        if len(member.shape) > 2 or math.prod(member.shape) > math.prod(shapes[0]):
            found = (1, *member.shape) if len(member.shape) == 1 and len(shapes) > 1 else member.shape
            raise ExperimentError(f"{what}: {key}: expected shape {'x'.join(map(str, shapes[-1]))}, found shape "
                                  f"{'x'.join(map(str, found))}")
    return check


def load_experiment(spec: str | Path = "hiring", overrides: Mapping[str, Any] | None = None,
                    flag_names: Mapping[str, str] | None = None) -> Experiment:
    """Read a preset or TOML file, apply `overrides` (keys as in the file, e.g. `lr`, `mode`, `init` for an
    `.npz` path), validate, and return the frozen `Experiment`.

    `flag_names` maps an override key to the flag that set it (`{"lr": "--lr"}`), for messages.
    """
    path = resolve(spec)
    return experiment_from_document(read_toml(path), path, overrides, flag_names)


def experiment_from_document(document: Mapping[str, Any], path: Path,
                             overrides: Mapping[str, Any] | None = None,
                             flag_names: Mapping[str, str] | None = None) -> Experiment:
    """`load_experiment` for a document already parsed (e.g. the experiment a trace carries); `path` names
    it in messages and anchors a relative `data.csv`."""
    doc = copy.deepcopy(dict(document))
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    flag_names = flag_names or {}
    origins: dict[str, str] = {}
    init_file = overrides.pop("init", None)
    sizes = overrides.pop("sizes", None)
    for key, value in overrides.items():
        if key not in SECTION_OF:
            raise ExperimentError(f"override `{key}`: unknown key")
        section = SECTION_OF[key]
        table = doc.setdefault(section, {})
        if not isinstance(table, dict):
            raise ExperimentError(f"{path}: {section}: expected a table [{section}], found {table!r}")
        table[key] = value
        origins[f"{section}.{key}"] = flag_names.get(key, f"override {key}")
    if "activation" in overrides:  # the shorthand given as a flag beats the file's specific keys
        for key in ("hidden_activation", "output_activation"):
            if key not in overrides:
                doc["network"].pop(key, None)
    if overrides.get("bias") is False and isinstance(doc.get("init"), dict):
        doc["init"].pop("biases", None)   # `--bias false` drops the file's initial biases: there are none
    if "scheme" in overrides:      # a scheme given as a flag replaces the file's explicit initial values
        if init_file is not None:
            raise ExperimentError(f"{flag_names.get('init', '--init')}: expected either --init FILE.npz or "
                                  f"--scheme, found both (--scheme {overrides['scheme']})")
        for key in ("weights", "biases"):
            doc["init"].pop(key, None)
    if sizes is not None:     # `--sizes`: a generated network, data and initial values (compare.experiment.generated)
        from compare.experiment.generated import checked_sizes, generate
        if init_file is not None:
            raise ExperimentError(f"{flag_names.get('init', '--init')}: --sizes generates the initial values; give "
                                  "either --init or --sizes")
        generate(doc, checked_sizes(sizes, flag_names.get("sizes", "override sizes")), "epochs" in overrides)
        origins["network.sizes"] = flag_names.get("sizes", "--sizes")
    where = Where(str(path), origins)
    data = doc.get("data")
    if isinstance(data, dict) and "csv" in data:
        if "inputs" in data or "targets" in data:
            raise ExperimentError(f"{where('data.csv')}: give either csv or inputs + targets, not both")
        if not isinstance(data["csv"], str):
            raise ExperimentError(f"{where('data.csv')}: expected a file name, found {data['csv']!r}")
        csv_path = path.parent / data["csv"]
        inputs, targets = read_csv(csv_path, data.get("input_columns"), data.get("target_columns"), where)
        data = {k: v for k, v in data.items() if k not in ("csv", "input_columns", "target_columns")}
        doc["data"] = {**data, "inputs": inputs, "targets": targets}
    if init_file is not None:
        network = doc.get("network") if isinstance(doc.get("network"), dict) else {}
        sizes = network.get("sizes")
        if not (isinstance(sizes, list) and sizes and all(isinstance(s, int) and s >= 1 for s in sizes)):
            raise ExperimentError(f"{where('network.sizes')}: needed to read --init, found {sizes!r}")
        weights, biases = read_weights_npz(Path(init_file), tuple(sizes), flag_names.get("init", "--init"))
        doc["init"] = {"weights": weights, "biases": biases}
    return build(doc, where, default_name=path.stem)
