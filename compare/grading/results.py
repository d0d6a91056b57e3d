"""A graded class as the instructor and the grading platform read it: a terminal table, CSV, JSON and
Gradescope's `results.json`.

JSON: `{"seed", "reference", "rubric", "checks": [{name, points}], "submissions": [{"file", "score",
"max_score", "verdict", "reason", "checks": [...], "output"}]}`. Gradescope (one submission):
`{"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
"tests": [{"name", "score", "max_score", "output", "output_format", "visibility"}]}`.

Every Gradescope output is "text" (its documented formats: text, html, simple_format, md, ansi): shown as
written, in a <pre> block, no HTML, Markdown or ANSI rendered. Then the element table of a failure keeps its
columns aligned, and nothing a submission prints can inject markup; "simple_format", the default for the
top-level output, renders HTML and turns line breaks into <br />.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from compare.files.text import one_line, printable

# what a spreadsheet program reads as a formula at the start of a cell (OWASP's list: = + - @, tab, CR)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: Any) -> str:
    """A name from a submission (a file name) for the terminal: control characters and line breaks shown as
    escapes (`\x0a`), so that it stays in its own cell of its own line."""
    return printable(str(text))


def _csv(text: Any) -> str:
    """A CSV cell a spreadsheet shows as text: one line, a leading formula character preceded by a quote."""
    text = one_line(str(text))
    return "'" + text if text.startswith(_FORMULA) else text

GRADESCOPE_FORMAT = "text"      # monospace, as written: the aligned element table stays aligned


def _first(r: dict[str, Any]) -> str:
    """The first disagreement (update, stage, layer, hint), or the reason, in one short cell."""
    for c in r["checks"]:
        f = c.get("failure")
        if f:
            text = f"{c['name']}: update {f['update']}, {f['stage']}, {f['parameter']}"
            return text + (f" ({f['hint']})" if f.get("hint") else "")
    return r.get("reason", "")


def _points(x: float) -> str:
    return f"{x:g}"


def table(results: list[dict[str, Any]], width: int = 120) -> str:
    """One line per submission: file, score, verdict, the first disagreement or the reason."""
    name_w = max([4] + [len(_cell(r["file"])) for r in results])
    lines = [f"{'file':<{name_w}}  {'score':>9}  {'verdict':<7}  first disagreement / reason"]
    for r in results:
        score = f"{_points(r['score'])}/{_points(r['max_score'])}"
        head = f"{_cell(r['file']):<{name_w}}  {score:>9}  {r['verdict']:<7}  "
        detail = " ".join(one_line(_first(r)).split())
        room = max(20, width - len(head))
        lines.append(head + (detail if len(detail) <= room else detail[:room - 3] + "..."))
    return "\n".join(lines)


def summary(results: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for r in results:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    return f"{len(results)} submission(s) graded: " + ", ".join(f"{n} {v}" for v, n in counts.items())


def csv_text(results: list[dict[str, Any]]) -> str:
    """file, score, max_score, verdict, one column per check (its score), first disagreement / reason."""
    names = [c["name"] for c in results[0]["checks"]] if results else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", "score", "max_score", "verdict"] + [_csv(n) for n in names]
                    + ["first_disagreement_or_reason"])
    for r in results:
        writer.writerow([_csv(r["file"]), _points(r["score"]), _points(r["max_score"]), r["verdict"]]
                        + [_points(c["score"]) for c in r["checks"]] + [_csv(" ".join(_first(r).split()))])
    return out.getvalue()


def json_document(results: list[dict[str, Any]], *, seed: int, reference: str, rubric: str,
                  checks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"seed": seed, "reference": reference, "rubric": rubric, "checks": checks, "submissions": results}


def gradescope(result: dict[str, Any], execution_time: float) -> dict[str, Any]:
    """Gradescope's results.json for one graded submission: one test per check, what the rubric's feedback
    level lets the student see, and the submission's own output (truncated) at the end of the overall text."""
    tests = [{"name": c["name"], "score": c["score"], "max_score": c["max_score"],
              "output": c["message"] or c["verdict"], "output_format": GRADESCOPE_FORMAT,
              "visibility": c.get("visibility", "visible")} for c in result["checks"]]
    text = f"{result['verdict']}: {_points(result['score'])}/{_points(result['max_score'])}"
    if result.get("reason"):
        text += f"\n{result['reason']}"
    if result.get("output"):
        text += "\n\nyour program's output (truncated):\n" + result["output"]
    return {"score": result["score"], "execution_time": round(execution_time, 3), "output": text,
            "output_format": GRADESCOPE_FORMAT, "test_output_format": GRADESCOPE_FORMAT,
            "test_name_format": GRADESCOPE_FORMAT, "tests": tests}
