"""The class table's layout and the CSV's cells, counted by hand: the file column at least as wide as its
heading ("file", 4), the score right-aligned in 9, the verdict in 7, the detail cut with "..." to what is left
of 120 characters (never under 20), a leading formula character quoted in every CSV cell a submission names."""

from __future__ import annotations

import csv
import io

from compare.grading.results import csv_text, table


def _result(file: str, reason: str, checks=(("forward", 1.0), ("batches", 0.0))) -> dict:
    return {"file": file, "score": sum(s for _, s in checks), "max_score": 2.0, "verdict": "error",
            "reason": reason, "checks": [{"name": n, "score": s} for n, s in checks]}


def test_the_table_heading_and_a_short_name():
    lines = table([_result("a", "boom")]).splitlines()
    assert lines[0] == "file      score  verdict  first disagreement / reason"
    assert lines[1] == "a           1/2  error    boom"


def test_the_detail_is_cut_to_what_is_left_of_the_width():
    head = 4 + 2 + 9 + 2 + 7 + 2            # 26 characters before the detail; 94 left of 120
    exact, over = "x" * (120 - head), "y" * (120 - head + 1)
    assert table([_result("a", exact)]).splitlines()[1][head:] == exact
    assert table([_result("a", over)]).splitlines()[1][head:] == "y" * (120 - head - 3) + "..."
    assert table([_result("a", over)], width=30).splitlines()[1][head:] == "y" * 17 + "..."   # at least 20


def test_one_submission_in_the_csv_and_formula_cells_quoted():
    rows = list(csv.reader(io.StringIO(csv_text([_result("=HYPERLINK(x).py", "-1 points")]))))
    assert rows == [["file", "score", "max_score", "verdict", "forward", "batches", "first_disagreement_or_reason"],
                    ["'=HYPERLINK(x).py", "1", "2", "error", "1", "0", "'-1 points"]]
