"""The judge: a rubric made concrete (experiments drawn, references recorded), and one submission graded.

The judge lives in the grader's process; the submission runs in its own (`compare.grading.isolate`). Each
check is our ordinary check machinery run on a proxy `UserCode`: `check_with_torch` (torch live) or
`check_against_trace` on our NumPy backprop's recording (`compare.grading.reference`), so verdicts and
hints are exactly `check`'s. A check scores its points when every stage of every update agrees, else 0.
"""

from __future__ import annotations

import importlib.util
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compare.diagnosis.location import kind_text, location_text
from compare.errors import DivergenceError, ExperimentError, ParityError
from compare.experiment.definition import Experiment
from compare.experiment.sources import load_experiment
from compare.grading.isolate import Isolated
from compare.grading.limits import Limits, SubmissionEnded
from compare.grading.reference import LABEL
from compare.grading.rubric import Check, Rubric
from compare.grading.versions import NOT_IMPLEMENTED, drawn, fall_back
from compare.usercode.load import UserCodeError
from compare.usercode.trace import Trace

VERDICTS = ("pass", "fail", "error", "timeout", "memory")
MAX_MESSAGE = 2000    # characters of one check's message (a submission's exception text, its traceback)
MAX_REASON = 500      # characters of a submission's one-line reason


def bounded(text: str, cap: int) -> str:
    """`text` cut at `cap` characters, saying how much was cut: a submission cannot make the results long."""
    return text if len(text) <= cap else text[:cap] + f" [... {len(text) - cap} more characters]"


@dataclass(frozen=True)
class Prepared:
    """A check ready to run: its drawn experiment, (NumPy reference) its recording, and the experiment
    keywords a submission's functions must take to express it (a suite experiment's `needs`)."""

    check: Check
    experiment: Experiment
    trace: Trace | None
    needs: tuple[str, ...] = ()
    versions: tuple[Prepared, ...] = ()   # a structure check's other settings and depths (`compare.grading.versions`)
    setting: str = ""                     # a suite check's setting and depth, in words
    version: str = ""                     # a version's suite name (`batches-relu-softmax`)


@dataclass(frozen=True)
class Submission:
    """One submission: its name (unique in a class), its file, or why it cannot be graded."""

    name: str
    path: Path | None
    problem: str | None = None


def resolve_reference(choice: str) -> str:
    """"auto": torch when it is installed, else our NumPy backprop."""
    if choice == "auto":
        return "torch" if importlib.util.find_spec("torch") is not None else "numpy"
    if choice == "torch" and importlib.util.find_spec("torch") is None:
        raise ExperimentError("reference = \"torch\": torch is not installed here (use \"auto\" or \"numpy\")")
    return choice


def grade_seed(rubric: Rubric, seed: int | None) -> int:
    """The seed every draw of this grading derives from: given, pinned by the rubric, or fresh."""
    if seed is not None:
        return seed
    return rubric.seed if rubric.seed is not None else secrets.randbelow(2**31)


def prepare(rubric: Rubric, seed: int, reference: str) -> list[Prepared]:
    """Load, override and draw every check's experiment; record the NumPy reference when it is used.
    ExperimentError (exit 2) naming the check for anything wrong in the rubric."""
    out = []
    for k, check in enumerate(rubric.checks):
        where = f"{rubric.source}: check {check.name!r}"
        if check.layer is not None:       # a layer of the layer check: compare.grading.layers
            from compare.grading.layers.grade import prepare_layer
            out.append(Prepared(check, prepare_layer(check, seed, k, reference), None))  # type: ignore[arg-type]
            continue
        needs: tuple[str, ...] = ()
        setting, versions = "", ()
        try:
            if check.suite is not None:
                from compare.grading.versions import prepare_versions
                from compare.usercode.suite import case
                suite_case = case(check.suite)
                base, needs, setting = suite_case.experiment(), tuple(suite_case.needs), suite_case.where()
                if check.overrides:
                    base = _overridden(base, check.overrides)
                versions = prepare_versions(check, seed, k, reference, where, _overridden, Prepared)
                if "bce_outputs" in check.overrides and all(x.loss != "bce" for x in
                                                            [base] + [v.experiment for v in versions]):
                    raise ExperimentError(f"{where}: bce_outputs: neither this experiment nor a version of it "
                                          "uses loss \"bce\"")
                if check.overrides.get("mse_scale", 0.5) != 0.5 and all(
                        x.loss not in ("sum", "mean") for x in [base] + [v.experiment for v in versions]):
                    raise ExperimentError(f"{where}: mse_scale: applies to the MSE losses only, and neither this "
                                          "experiment nor a version of it uses loss \"sum\" or \"mean\"")
            else:
                base = load_experiment(check.experiment, check.overrides)
        except ExperimentError as exc:
            raise ExperimentError(exc if str(exc).startswith(where) else f"{where}: {exc}") from None
        e, trace = drawn(check, base, where, [seed, k], reference)
        out.append(Prepared(check, e, trace, needs, versions, setting))
    return out


def _overridden(e: Experiment, overrides: dict[str, Any]) -> Experiment:
    """A suite experiment with a rubric's overrides, validated as any experiment file; `bce_outputs` applies
    to the BCE ones only, `mse_scale` to the MSE ones only (as `check FILE.py --bce-outputs sum` applies it)."""
    import tomllib
    if overrides.get("loss", e.loss) != "bce":
        overrides = {k: v for k, v in overrides.items() if k != "bce_outputs"}
    if overrides.get("loss", e.loss) not in ("sum", "mean"):
        overrides = {k: v for k, v in overrides.items() if k != "mse_scale"}

    from compare.experiment.show import to_toml
    from compare.experiment.sources import experiment_from_document
    return experiment_from_document(tomllib.loads(to_toml(e)), Path(f"suite/{e.name}.toml"), overrides)


def cannot_express(code: Any, needs: tuple[str, ...]) -> str:
    """Why the submission's functions cannot express an experiment (a keyword they do not take), or ""."""
    for key in needs:
        if key not in code.keywords:
            return f"your backward takes no `{key}`"
        if code.forward is not None and key != "loss" and key not in code.forward_keywords:
            return f"your forward takes no `{key}`"
    return ""


def _words(text: str, p: Prepared) -> str:
    """Messages written for torch, worded for our NumPy reference when that is what judged."""
    if p.trace is None:
        return text
    return text.replace("torch's", "the reference's").replace("torch", "the reference")


def _one_check(code: Any, p: Prepared) -> dict[str, Any]:
    from compare.usercode.check import check_against_trace, check_with_torch

    result: dict[str, Any] = {"name": p.check.name, "score": 0.0, "max_score": p.check.points,
                              "verdict": "pass", "updates_checked": 0, "message": "", "failure": None,
                              "visibility": p.check.visibility}
    hints = p.check.feedback == "hints"
    why = cannot_express(code, p.needs)
    if why and p.check.optional:     # `suite = "all"`: graded where the submission's keywords allow it
        result.update(verdict="skipped", max_score=0.0, message=f"not graded: {why} (suite = \"all\" grades the "
                      "experiments a submission's keywords allow)")
        return result
    if why:
        result.update(verdict="fail", message=f"not run: {why}, and this check ({p.experiment.describe()}) needs it")
        return result
    try:
        if p.trace is not None:
            report = check_against_trace(code, p.trace, reference="reference")
        else:
            report = check_with_torch(code, p.experiment)
        result.update(score=p.check.points, updates_checked=report.updates_checked,
                      message=f"agrees with {'torch' if p.trace is None else LABEL} at every update "
                              f"({report.updates_checked} updates; {p.experiment.describe()})")
    except ParityError as exc:
        f = exc.failure.as_json() if exc.failure is not None else {}
        # the one-cell summary (table, CSV, JSON) says no more than the rubric's feedback level lets the student see
        hint = (_words((f.get("hints") or [""])[0], p) if hints
                else kind_text(f) if p.check.feedback == "location" else "")
        result.update(verdict="fail", updates_checked=max(0, int(f.get("update", 1)) - 1),
                      failure={"update": f.get("update"), "stage": f.get("stage"), "layer": f.get("layer"),
                               "parameter": f.get("array", f.get("parameter")), "hint": hint},
                      message=(_words(str(exc), p) if hints
                               else location_text(f) if p.check.feedback == "location"
                               else f"disagrees with the reference at update {f.get('update')}"))
    except UserCodeError as exc:
        text = str(exc)
        result["not_implemented"] = NOT_IMPLEMENTED in text      # `_graded` may then try the check's versions
        if hints and exc.user_traceback.strip():
            text += "\n" + exc.user_traceback.rstrip("\n")
        result.update(verdict="error", message=text if hints else "error: " + text.split("\n")[0])
    except DivergenceError as exc:
        result.update(verdict="error", message=f"diverged: {exc}")
    return result


def _graded(code: Any, p: Prepared) -> dict[str, Any]:
    """One check; a structure check the submission raises NotImplementedError on, in its closest version."""
    result = _one_check(code, p)
    if result.pop("not_implemented", False):
        if p.versions:
            return fall_back(code, p, result, _one_check, cannot_express)
        if p.check.optional:   # `suite = "all"`: a setting the file says it does not support, as check says it
            first = (result["message"].splitlines() or [""])[0]
            result.update(verdict="skipped", max_score=0.0, message=f"not graded: the submission raised "
                          f"NotImplementedError on it (suite = \"all\" grades the experiments a submission "
                          f"supports): {first}")
    return result


def grade_submission(sub: Submission, checks: list[Prepared], limits: Limits) -> dict[str, Any]:
    """Grade one submission in its own process: the result object of the JSON (`file`, `score`,
    `max_score`, `verdict`, `reason`, `checks`, `output`)."""
    if checks and checks[0].check.layer is not None:      # a rubric of layer checks
        from compare.grading.layers.grade import grade_layer_submission
        return grade_layer_submission(sub, checks, limits)
    max_score = float(sum(p.check.points for p in checks))
    results: list[dict[str, Any]] = []
    verdict, reason, output, strays = "pass", "", "", 0

    def not_run(why: str, kind: str) -> None:
        for p in checks[len(results):]:
            results.append({"name": p.check.name, "score": 0.0, "max_score": p.check.points, "verdict": kind,
                            "updates_checked": 0, "message": f"not run: {why}", "failure": None,
                            "visibility": p.check.visibility})

    if sub.path is None:
        verdict, reason = "error", sub.problem or "no file"
        not_run(reason, "error")
    else:
        with Isolated(sub.path, limits, name=sub.name) as child:
            try:
                try:
                    code = child.load()
                except UserCodeError as exc:
                    verdict, reason = "error", str(exc).split("\n")[0]
                    not_run(reason, "error")
                else:
                    for p in checks:
                        results.append(_graded(code, p))
            except SubmissionEnded as exc:
                verdict, reason = exc.kind, f"{sub.name}: {exc.reason}"
                if len(results) < len(checks):
                    results.append({"name": checks[len(results)].check.name, "score": 0.0,
                                    "max_score": checks[len(results)].check.points, "verdict": exc.kind,
                                    "updates_checked": 0, "message": reason, "failure": None,
                                    "visibility": checks[len(results)].check.visibility})
                not_run(f"the submission's process had ended ({exc.reason})", exc.kind)
            finally:
                child.close()
                output, strays = child.output, child.strays
    if verdict == "pass":
        bad = [r for r in results if r["verdict"] not in ("pass", "skipped")]
        if bad:   # "error": no check could be judged at all; else some were, and some of those not passed
            verdict = "fail" if any(r["verdict"] in ("pass", "fail") for r in results) else "error"
            reason = f"{bad[0]['name']}: {bad[0]['message'].splitlines()[0] if bad[0]['message'] else ''}"
    elsewhere = sorted({r["setting"] for r in results if r.get("ran_as")})
    if verdict == "pass" and elsewhere:   # said in the table's row too, as check's table says it
        reason = (f"{', '.join(r['name'] for r in results if r.get('ran_as'))} ran in {'; '.join(elsewhere)} (the "
                  "closest setting the submission supports)")
    for r in results:
        r["message"] = bounded(r["message"], MAX_MESSAGE)
        if r.get("failure") and isinstance(r["failure"].get("hint"), str):
            r["failure"]["hint"] = bounded(r["failure"]["hint"], MAX_REASON)
    return {"file": sub.name, "path": None if sub.path is None else str(sub.path),
            "score": float(sum(r["score"] for r in results)),
            "max_score": max_score - sum(p.check.points for p, r in zip(checks, results) if r["verdict"] == "skipped"),
            "verdict": verdict,
            "reason": bounded(reason, MAX_REASON), "checks": results, "output": output, "processes_ended": strays}
