"""Every input bounded before it is read in full, and text read as people write it: each case ends with its
exact exit status, one line on stderr, nothing on stdout, no traceback; where memory matters the case runs
in a subprocess under an address-space limit that inflating the input would exceed."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from compare.cli.main import main
from compare.files.bounded import NPZ_MEMBERS
from compare.files.text import ascii_float, printable

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = str(ROOT / "examples" / "backprop_solution.py")
LIMIT = 768 << 20          # the commands below refuse in well under this; inflating 2 GiB would not fit

HEADER = """name = "csvtest"
[network]
sizes = [2, 2, 1]
[init]
scheme = "xavier-uniform"
[data]
csv = "{csv}"
input_columns = ["x1", "x2"]
target_columns = ["t"]
[train]
lr = 0.1
epochs = 2
"""


def limited(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`python -m compare ARGV` under an address-space limit (and no BLAS thread pools to reserve it)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "compare", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit, env=env)


def refused(result: subprocess.CompletedProcess, *words: str) -> str:
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    return result.stderr


def in_process(argv: list[str], capsys, *words: str) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == "" and err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return err


def experiment(tmp_path: Path, csv: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(HEADER.format(csv=csv), encoding="utf-8")
    return path


def big_zero_member(path: Path, member: str, nbytes: int, others: dict[str, np.ndarray]) -> None:
    """An .npz whose `member` really is `nbytes` of zeros, deflated (a few MB on disk)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in others.items():
            with archive.open(f"{name}.npy", "w") as handle:
                np.lib.format.write_array(handle, array, allow_pickle=False)
        with archive.open(f"{member}.npy", "w", force_zip64=True) as handle:
            np.lib.format.write_array_header_2_0(handle, {"descr": "<f8", "fortran_order": False,
                                                          "shape": (nbytes // 8,)})
            chunk = bytes(64 << 20)
            for _ in range(nbytes // len(chunk)):
                handle.write(chunk)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A real trace of hiring whose `W1` is 900 MiB of zeros (more than LIMIT, less than a trace's cap),
    deflated to a few MB: a bomb for `--against` (a trace's W1) and for `--init` (the initial W1) alike."""
    folder = tmp_path_factory.mktemp("bomb")
    trace = folder / "t.npz"
    assert main(["record", "hiring", "--epochs", "2", "--out", str(trace), "--quiet"]) == 0
    with np.load(trace, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "W1"}
    path = folder / "bomb.npz"
    big_zero_member(path, "W1", 900 << 20, arrays)
    return path


# --- regular files only, capped -----------------------------------------------------------------------------

def test_a_csv_that_is_dev_zero_is_refused_in_bounded_memory(tmp_path):
    refused(limited(str(experiment(tmp_path, "/dev/zero")), "--show"), "is a character device",
            "expected a regular file")


def test_a_csv_that_is_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    refused(limited(str(experiment(tmp_path, "data.csv")), "--show", timeout=30), "is a FIFO")


def test_an_experiment_that_is_a_device_or_a_folder(tmp_path, capsys):
    in_process(["/dev/zero", "--show"], capsys, "/dev/zero: is a character device")
    (tmp_path / "dir.toml").mkdir()
    in_process([str(tmp_path / "dir.toml"), "--show"], capsys, "is a directory")


def test_files_over_their_cap_are_refused_before_reading(tmp_path, capsys):
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:
        handle.truncate(65 << 20)                   # sparse: 65 MiB on paper, nothing on disk
    in_process([str(experiment(tmp_path, "big.csv")), "--show"], capsys, "read up to 64 MiB")
    toml = tmp_path / "huge.toml"
    with open(toml, "wb") as handle:
        handle.truncate(17 << 20)
    in_process([str(toml), "--show"], capsys, "read up to 16 MiB")


def test_an_npz_bomb_is_refused_before_inflating(bomb):
    assert bomb.stat().st_size < 16 << 20               # 900 MiB of zeros, a few MB on disk
    inflate = subprocess.run([sys.executable, "-c", "import sys, numpy; numpy.load(sys.argv[1])['W1']", str(bomb)],
                             capture_output=True, text=True, timeout=60,
                             preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT)))
    assert "MemoryError" in inflate.stderr              # the limit bites: reading it whole cannot pass
    refused(limited("check", SOLUTION, "--against", str(bomb)), "`W1` has shape (117964800,)")
    refused(limited("hiring", "--init", str(bomb), "--show"), "bytes in all; this file is read up to 64 MiB")


def test_members_declaring_more_than_the_cap_in_all(tmp_path, capsys):
    many = tmp_path / "many.npz"
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(3):                                   # 3 x 512 MiB declared, nothing stored
            with archive.open(f"m{i}.npy", "w") as handle:
                np.lib.format.write_array_header_1_0(handle, {"descr": "<f8", "fortran_order": False,
                                                              "shape": (1 << 26,)})
    in_process(["check", str(ROOT / "examples" / "backprop_solution.py"), "--against", str(many)], capsys,
               "its members declare 1,610,612,736 bytes in all; this file is read up to 1024 MiB")


def test_a_forged_shape_and_too_many_members(tmp_path, capsys):
    forged = tmp_path / "forged.npz"
    with zipfile.ZipFile(forged, "w") as archive:
        with archive.open("W1.npy", "w") as handle:         # declares 2^40 elements, holds none
            np.lib.format.write_array_header_1_0(handle, {"descr": "<f8", "fortran_order": False,
                                                          "shape": (1 << 40,)})
    in_process(["hiring", "--init", str(forged), "--show"], capsys, "declare 8,796,093,022,208 bytes in all")
    with zipfile.ZipFile(forged, "w") as archive:
        with archive.open("W1.npy", "w") as handle:         # declares 64 elements, holds none
            np.lib.format.write_array_header_1_0(handle, {"descr": "<f8", "fortran_order": False, "shape": (64,)})
    in_process(["hiring", "--init", str(forged), "--show"], capsys, "W1: expected shape 2x2, found shape 64")
    many = tmp_path / "many.npz"
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(NPZ_MEMBERS + 1):
            archive.writestr(f"m{i}.npy", b"")
    in_process(["hiring", "--init", str(many), "--show"], capsys, f"{NPZ_MEMBERS + 1:,} members")


# --- text: CSV and TOML as people write them ----------------------------------------------------------------

def csv_file(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    (tmp_path / "data.csv").write_bytes(text.encode(encoding))
    return experiment(tmp_path, "data.csv")


def test_a_byte_order_mark_is_read_as_excel_means_it(tmp_path, capsys):
    path = csv_file(tmp_path, "x1,x2,t\n1,0.1,1\n0.1,1,0\n", encoding="utf-8-sig")
    assert main([str(path), "--show"]) == 0
    assert "inputs = [[1.0, 0.1], [0.1, 1.0]]" in capsys.readouterr().out
    toml = tmp_path / "bom.toml"
    toml.write_bytes(b"\xef\xbb\xbf" + (ROOT / "compare/experiment/presets/hiring.toml").read_bytes())
    assert main([str(toml), "--show", "--epochs", "2"]) == 0
    assert 'name = "hiring"' in capsys.readouterr().out


def test_a_duplicated_column_name_is_refused(tmp_path, capsys):
    path = csv_file(tmp_path, "x1,x2,x1,t\n1,0.1,5,1\n")
    in_process([str(path), "--show"], capsys, "header cell 3 repeats an earlier column name")


@pytest.mark.parametrize("cell", ["١", "1_0", "１", "0x1", "1,5", "½"])
def test_numbers_are_ascii_only(tmp_path, capsys, cell):
    path = csv_file(tmp_path, f'x1,x2,t\n1,"{cell}",1\n')
    err = in_process([str(path), "--show"], capsys, "line 2, column `x2`: expected a number written in ASCII")
    assert cell not in err.replace(str(tmp_path), "")


def test_ascii_float():
    assert [ascii_float(c) for c in ("1", " -2.5e-3 ", ".5", "5.", "+1E2", "inf")] == [1, -2.5e-3, .5, 5, 100,
                                                                                        float("inf")]
    assert [ascii_float(c) for c in ("١", "1_0", "１", "", "e5", "1e", "--1", "nan1")] == [None] * 8


def test_a_foreign_file_is_never_quoted(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\nhunter2,topsecret\n")
    err = in_process([str(experiment(tmp_path, "secret.txt")), "--show"], capsys, "no column `x1`")
    assert "root" not in err.replace(str(tmp_path), "") and "hunter2" not in err
    secret.write_text("x1,x2,t\n1,hunter2,1\n")
    err = in_process([str(experiment(tmp_path, "secret.txt")), "--show"], capsys, "column `x2`")
    assert "hunter2" not in err


def test_control_characters_in_names_are_escaped(tmp_path, capsys):
    toml = tmp_path / "evil.toml"
    text = (ROOT / "compare/experiment/presets/hiring.toml").read_text(encoding="utf-8")
    toml.write_text(text.replace('name = "hiring"', 'name = "a\\u001b[2Jb\\rc\\u0007"'), encoding="utf-8")
    assert main([str(toml), "--epochs", "2"]) == 0
    out, err = capsys.readouterr()
    assert "a\\x1b[2Jb\\x0dc\\x07:" in out
    assert not any(c in out + err for c in "\x1b\r\x07")
    assert printable("ok\u202eevil") == "ok\\u202eevil" and printable("Zhang San 张三") == "Zhang San 张三"


def test_damaged_archives_are_one_line_or_load(tmp_path):
    """300 damaged copies of a real trace and a real --save-weights file (a byte flipped, a cut, a block
    zeroed, anywhere): each one loads or is one ExperimentError; nothing else ever escapes."""
    from compare.errors import ExperimentError
    from compare.experiment.sources import read_weights_npz
    from compare.usercode.trace import load_trace

    trace, weights = tmp_path / "t.npz", tmp_path / "w.npz"
    assert main(["record", "hiring", "--epochs", "3", "--out", str(trace), "--quiet"]) == 0
    assert main(["hiring", "--epochs", "2", "--quiet", "--save-weights", str(weights)]) == 0
    rng = np.random.default_rng(16)
    readers = [(trace, lambda p: load_trace(p)), (weights, lambda p: read_weights_npz(p, (2, 2, 2, 1)))]
    outcomes = {"loaded": 0, "refused": 0}
    for i in range(300):
        source, read = readers[i % 2]
        data = bytearray(source.read_bytes())
        at = int(rng.integers(len(data)))
        kind = i % 3
        if kind == 0:
            data[at] ^= 1 << int(rng.integers(8))
        elif kind == 1:
            del data[at:]
        else:
            data[at:at + 64] = bytes(len(data[at:at + 64]))
        damaged = tmp_path / f"d{i}.npz"
        damaged.write_bytes(bytes(data))
        try:
            read(damaged)
            outcomes["loaded"] += 1
        except ExperimentError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
        damaged.unlink()
    assert outcomes["refused"] > 150, outcomes
