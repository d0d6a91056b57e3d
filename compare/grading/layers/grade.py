"""A rubric's layer checks: prepared (the designed inputs drawn anew and recorded with torch at grade time
when torch is the reference, else the shipped recordings) and scored on one submission run in its own
process (`compare.grading.layers.remote`), with the layer check's own verdicts and wording.

A layer check scores its points when the layer agrees everywhere (`points_per = "layer"`), or a share of
them per output and gradient that agrees (`points_per = "gradient"`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from compare.diagnosis.location import kinds_of
from compare.errors import ExperimentError
from compare.grading.layers.rubric import template_of, touched
from compare.grading.limits import Limits, SubmissionEnded
from compare.layers.discover import defined_names, layer_entry, plan
from compare.layers.recorded import Recorded, cases_from_arrays, load_cases
from compare.layers.results import LayerResult
from compare.layers.table import layer_named
from compare.layers.unwritten import unwritten_functions
from compare.layers.verdict import explanation
from compare.usercode.load import UserCodeError


@dataclass(frozen=True)
class LayerTask:
    """What a layer check runs on (in `Prepared.experiment`'s place): the layer and its recorded cases."""

    name: str
    layer: str
    cases: tuple[Recorded, ...]
    drawn: bool

    def describe(self) -> str:
        how = "drawn at grade time, recorded with torch" if self.drawn else "the shipped torch recordings"
        return f"layer {self.layer}: {len(self.cases)} designed input(s), {how}"


def prepare_layer(check: Any, seed: int, k: int, reference: str) -> LayerTask:
    """What a rubric's layer check runs on (the judge's `Prepared.experiment`)."""
    layer = layer_named(check.layer)
    if layer is None:
        raise ExperimentError(f"check {check.name!r}: unknown layer {check.layer!r}")
    drawn = check.fresh and reference == "torch" and layer.kind != "dropout"
    if drawn:
        from compare.layers.record.__main__ import record_layer
        base = check.seed if check.seed is not None else int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        cases = tuple(dataclasses.replace(c, seed=(base + j) % 2**31) for j, c in enumerate(layer.cases))
        recorded = cases_from_arrays(layer, record_layer(layer.name, dataclasses.replace(layer, cases=cases)))
    else:
        recorded = load_cases(layer)
    return LayerTask(check.name, layer.name, tuple(recorded), drawn)


def grade_layer_submission(sub: Any, checks: list[Any], limits: Limits) -> dict[str, Any]:
    """`compare.grading.judge.grade_submission` for a rubric of layer checks: the same result object."""
    from compare.grading.layers.remote import IsolatedLayers

    max_score = float(sum(p.check.points for p in checks))
    results: list[dict[str, Any]] = []
    verdict, reason, output, strays = "pass", "", "", 0
    if sub.path is None:
        verdict, reason = "error", sub.problem or "no file"
        results = [_entry(p, 0.0, "error", f"not run: {reason}") for p in checks]
    else:
        with IsolatedLayers(sub.path, limits, name=sub.name) as child:
            try:
                layers = [layer_named(p.check.layer) for p in checks]
                names = sorted({fn for layer in layers for fn in layer.functions})
                positional = {fn: (len(layer.forward_args) if fn == layer.forward else len(layer.upstream) + 1)
                              for layer in layers for fn in layer.functions}
                try:
                    entry = layer_entry(sub.path, sub.name) if sub.path.is_dir() else sub.path
                    defined, unwritten = defined_names(entry), unwritten_functions(entry)
                    functions = child.load_layers(names, positional)
                except UserCodeError as exc:
                    verdict, reason = "error", str(exc).split("\n")[0]
                    results = [_entry(p, 0.0, "error", f"not run: {reason}") for p in checks]
                else:
                    fills = touched(defined)
                    for p, layer in zip(checks, layers):
                        template = template_of(layer.name)[0]
                        if p.check.optional and template not in fills:   # the default rubric: whole templates
                            results.append(_entry(p, 0.0, "skipped", f"not graded: the file fills in nothing of "
                                                  f"{template} (the default rubric grades each template a file "
                                                  "fills in)"))
                            results[-1]["max_score"] = 0.0
                        else:
                            results.append(_one_layer(p, layer, defined, functions, unwritten))
                    if results and all(r["verdict"] == "skipped" for r in results):
                        verdict = "error"
                        reason = (f"{sub.name}: defines no layer function of the interface (affine_forward, "
                                  "conv_forward_naive, ...; a file that imports them must be given with them)")
            except SubmissionEnded as exc:
                verdict, reason = exc.kind, f"{sub.name}: {exc.reason}"
                results += [_entry(p, 0.0, exc.kind, reason) for p in checks[len(results):]]
            finally:
                child.close()
                output, strays = child.output, child.strays
    if verdict == "pass":
        bad = [r for r in results if r["verdict"] not in ("pass", "skipped")]
        if bad:
            verdict = "fail" if any(r["verdict"] in ("pass", "fail") for r in results) else "error"
            reason = f"{bad[0]['name']}: {bad[0]['message'].splitlines()[0] if bad[0]['message'] else ''}"
    return {"file": sub.name, "path": None if sub.path is None else str(sub.path),
            "score": float(sum(r["score"] for r in results)),
            "max_score": max_score - sum(p.check.points for p, r in zip(checks, results) if r["verdict"] == "skipped"),
            "verdict": verdict,
            "reason": reason, "checks": results, "output": output, "processes_ended": strays}


def _entry(p: Any, score: float, verdict: str, message: str, failure: Any = None) -> dict[str, Any]:
    return {"name": p.check.name, "score": score, "max_score": p.check.points, "verdict": verdict,
            "updates_checked": 0, "message": message, "failure": None, "layer_failure": failure,
            "visibility": p.check.visibility}


def _one_layer(p: Any, layer: Any, defined: set[str], functions: dict[str, Any],
               unwritten: frozenset[str] = frozenset()) -> dict[str, Any]:
    from compare.layers.check import check_layer

    try:
        why = next((w for found, w in plan(defined, layer.name) if found is layer), "")
    except ExperimentError:
        why = f"defines no {' / '.join(layer.functions)}"
    if why:
        return _entry(p, 0.0, "fail", f"not checked: {why}")
    problems = [v for v in (functions[fn] for fn in layer.functions) if isinstance(v, str)]
    if problems:
        return _entry(p, 0.0, "error", f"{problems[0]}; expected {layer.forward_signature()} and "
                                       f"{layer.backward_signature() if layer.backward else 'no backward'}")
    result = check_layer(layer, {fn: functions[fn] for fn in layer.functions}, list(p.experiment.cases),
                         unwritten=unwritten)
    return _scored(p, layer, result)


def _location(f: Any) -> str:
    """A layer's first disagreement at the "location" level: the function, item, case and element, and the kind
    of mistake its hints point at; none of the values, hint sentences or formulas the full message has."""
    where = f'{f.function}: {f.item} disagrees with torch (case "{f.case}") at {f.index}'
    kinds = kinds_of(list(f.hints))
    if not kinds:
        return where + "; the pattern of the wrong numbers matches no mistake we know"
    return where + "; the kind of mistake: " + " or ".join(kinds)


def _scored(p: Any, layer: Any, r: LayerResult) -> dict[str, Any]:
    # "not checked": a function not written yet (the template's body, or NotImplementedError): 0 points, as
    # a layer the file does not define; "error" is a layer that cannot be used as it is
    verdict = {"ok": "pass", "failed": "fail", "not checked": "fail"}.get(r.status, "error")
    if p.check.points_per == "gradient":
        expected = [i for i in layer.items if i not in layer.state or any(i in c.ref for c in p.experiment.cases)]
        good = sum(1 for i in r.items if i.ok and i.name in expected)
        score = p.check.points * good / len(expected)
    else:
        score = p.check.points if verdict == "pass" else 0.0
    if verdict == "pass":
        worst = r.max_rel_diff
        message = f"agrees with torch everywhere (largest relative difference {worst:.2g}; {p.experiment.describe()})"
    elif r.status == "not checked":
        message = f"not checked: {r.failure.message if r.failure else 'not written yet'}"
    elif p.check.feedback == "verdict":
        message = "disagrees with torch" if verdict == "fail" else "error: cannot be used as it is"
    elif p.check.feedback == "hints":
        message = explanation(r) + ("\n" + r.user_traceback.rstrip("\n") if r.user_traceback.strip() else "")
    elif r.failure is not None and verdict == "fail":      # "location": where and what kind, no value or formula
        message = _location(r.failure)
    else:
        message = r.failure.message if r.failure else ""
    failure = None if r.failure is None else {"function": r.failure.function, "item": r.failure.item,
                                              "case": r.failure.case, "index": r.failure.index,
                                              "hints": list(r.failure.hints) if p.check.feedback == "hints" else []}
    return _entry(p, float(score), verdict, message, failure)
