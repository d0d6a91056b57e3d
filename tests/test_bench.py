"""`python -m bench`: the smoke run CI does (`--quick`: it finishes and prints every row; nothing about
speed is asserted) and its bad input (exit 2, one line on stderr, nothing on stdout)."""

import json
import subprocess
import sys
import time

import pytest

from bench.cli import SUITES, main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bench", *args], capture_output=True, text=True, timeout=300)


def test_quick_smoke_prints_every_figure_and_the_scaling_table(root):
    proc = run("--quick")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "| figure | measured | target | holds? |" in out
    for target in ("<= 1.2x", "<= 1.1x", ">= 8x", "<= 1.05x", "<= 1x", "<= 0.6x"):
        assert target in out
    assert out.count("| (quick) |") == 8                      # eight figures, none judged in a smoke run
    assert "<= 1.5 s" in out                                  # the check suite's verdict, whole process
    table = [line for line in out.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(table) == 5 * 3                                # widths 2..1024 x batch sizes 1, 32, 256
    assert {line.split("|")[1].strip() for line in table} == {"2", "16", "64", "256", "1024"}


def test_json_is_one_object_with_the_environment():
    proc = run("--quick", "--json", "--threads", "1", "--widths", "2", "--batch-sizes", "1,4", "scaling")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["quick"] is True and doc["figures"] == []
    assert [(c["width"], c["batch_size"]) for c in doc["scaling"]] == [(2, 1), (2, 4)]
    assert doc["environment"]["torch_threads"] == 1
    for cell in doc["scaling"]:
        per_update = cell["seconds_per_update"]
        assert set(per_update) == {"compare", "torch", "numpy"}
        assert all(v["low"] <= v["median"] <= v["high"] for v in per_update.values())


@pytest.mark.parametrize("args, words", [
    (["nosuch"], "unknown benchmark 'nosuch'"),
    (["--repeats", "0"], "--repeats: expected an integer >= 1, found 0"),
    (["--repeats", "x"], "--repeats"),
    (["--widths", "2,abc"], "--widths: expected comma-separated integers from 1 to 4096"),
    (["--widths", "0"], "--widths: expected integers from 1 to 4096, found 0"),
    (["--batch-sizes", "-3"], "--batch-sizes"),
    (["--threads", "0"], "--threads"),
    (["--threads", "1,2"], "--threads: expected one integer or `default`"),
    (["--nope"], "unrecognized arguments"),
])
def test_bad_input_exits_2_with_one_line(args, words, capsys):
    assert main(args) == 2                                    # before anything is imported or timed
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and words in captured.err


def test_suite_names_are_the_documented_ones():
    assert SUITES == ("exercise3", "mlp784", "scaling", "grading", "checksuite", "jobs")


def test_cpu_seconds_count_this_process_and_the_children_it_waited_for():
    from bench.timing import measure

    def spin(seconds: float) -> None:
        end = time.process_time() + seconds
        while time.process_time() < end:
            pass
    wall, cpu = measure(lambda: spin(0.3))
    assert 0.29 <= cpu <= wall + 0.05
    child = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    wall, cpu = measure(lambda: subprocess.run([sys.executable, "-c", child], check=True))
    assert 0.3 <= cpu <= wall + 0.05                          # the child's CPU second, not only our waiting
    _, idle = measure(lambda: time.sleep(0.3))
    assert idle < 0.05


def test_json_gives_wall_and_cpu_seconds_of_every_timed_call():
    proc = run("--quick", "--json", "checksuite")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    (entry,) = doc["clock"]
    assert (entry["benchmark"], entry["run"]) == ("checksuite", "check")
    assert 0 < entry["cpu_seconds"]["median"] and 0 < entry["wall_seconds"]["median"]
    env = doc["environment"]
    assert env["cpu_seconds"] >= entry["cpu_seconds"]["median"]
    assert env["wall_seconds"] >= entry["wall_seconds"]["median"]
    assert len(env["load_average"]) == len(env["load_average_end"]) == 3
