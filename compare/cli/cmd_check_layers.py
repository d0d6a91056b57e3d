"""`python -m compare check LAYERS.py [--layer NAME] [--json]`: a file of cs231n-style layer functions, each
layer against the shipped torch recordings (`compare.layers`; torch is not imported).

stdout: one line per layer and the OK line (with --json: one object, `compare.layers.verdict.to_json`).
stderr: each disagreement or unusable function explained, with its hints.
Exit: 0 every layer agrees, 1 a disagreement, 2 a layer that cannot be used (or none to check).
"""

from __future__ import annotations

import sys
from typing import Any

from compare.errors import ExperimentError
from compare.grading.timelimit import Budget, UserStopped
from compare.usercode.load import UserCodeError


def layer_file(path: str) -> bool:
    """A layer file, or a folder whose entry is one (`compare.layers.discover.layer_entry`)."""
    from compare.layers.discover import is_layer_submission
    return is_layer_submission(path)


def layers_beside_backward(path: str) -> str:
    """The layer functions of a file that also defines `backward` (checked as a backward file), named for a
    note (at most three, then "..."); "" for any other file."""
    from compare.layers.discover import defined_names
    from compare.layers.table import function_names

    names = defined_names(path)
    found = [fn for fn in function_names() if fn in names] if "backward" in names else []
    return ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")


def _entry(path: str) -> str:
    """The file checked: `path`, or a folder's entry (UserCodeError, exit 2, naming the candidates)."""
    from pathlib import Path

    from compare.layers.discover import layer_entry
    return str(layer_entry(Path(path), path)) if Path(path).is_dir() else path


def run_layers(args: Any, talk: bool) -> tuple[int, Any]:
    from compare.cli.options import overrides_from
    from compare.layers.run import check_file

    used = [flag for flag, on in (("EXPERIMENT", args.experiment is not None), ("--against", args.against),
                                  ("--live", args.live), ("--out", args.out),
                                  ("--show", args.show), ("--mode", args.mode),
                                  ("a run option", any(overrides_from(args)[0]))) if on]
    if used:
        raise ExperimentError(f"{used[0]}: not for a layer file ({args.file} defines layer functions, each checked "
                              "against the shipped torch recordings); options: --layer NAME, --json, --quiet, "
                              "--timeout, --isolate")
    if args.isolate:
        return _report(args, talk, _isolated(args))
    entry = _entry(args.file)
    budget = Budget(args.timeout, args.file)
    try:
        from compare.layers.discover import load_module
        with budget.running("while importing"):
            module = load_module(entry)
        results = check_file(entry, args.layer, module=module, wrap=budget.wrap)
    except UserStopped as exc:
        raise UserCodeError(str(exc)) from None
    return _report(args, talk, results)


def _isolated(args: Any) -> list[Any]:
    """The file run in its own limited process, as `compare grade` runs it; its output shown on stderr."""
    from compare.grading.layers.remote import IsolatedLayers
    from compare.grading.limits import Limits, SubmissionEnded
    from compare.layers.discover import defined_names, plan
    from compare.layers.run import check_file

    entry = _entry(args.file)      # a folder is sent whole; its entry is the file checked
    layers = [layer for layer, _ in plan(defined_names(entry), args.layer)]
    positional = {fn: (len(layer.forward_args) if fn == layer.forward else len(layer.upstream) + 1)
                  for layer in layers for fn in layer.functions}
    child = None
    try:
        from compare.sandbox.choose import resolve
        sandbox = resolve(getattr(args, "sandbox", None) or "auto")
        with IsolatedLayers(args.file, Limits(timeout=args.timeout, output_bytes=64_000, sandbox=sandbox)) as child:
            return check_file(entry, args.layer, remote=child.load_layers(sorted(positional), positional))
    except SubmissionEnded as exc:
        raise UserCodeError(f"{args.file}: {exc.reason}") from None
    finally:
        if child is not None and child.output:
            print(child.output.rstrip("\n"), file=sys.stderr)


def _report(args: Any, talk: bool, results: list[Any]) -> tuple[int, Any]:
    from compare.layers.run import exit_status
    from compare.layers.verdict import explanation, summary, table, to_json

    if talk:
        print(f"layer check: {args.file}, {len(results)} layer{'s' if len(results) != 1 else ''} against the "
              "shipped torch recordings (torch not needed), every output and gradient element by element",
              flush=True)
        print(table(results), flush=True)
    for r in results:
        if r.status in ("failed", "error"):
            if r.user_traceback:
                print(r.user_traceback.rstrip("\n"), file=sys.stderr)
            print(explanation(r), file=sys.stderr)
    code = exit_status(results)
    if all(r.status == "not checked" for r in results):
        print(f"error: {args.file}: no layer could be checked (each is \"not checked\" above, with why)",
              file=sys.stderr)
    if code == 0 and not args.json:
        print(summary(results, args.file))
    return code, to_json(results, args.file) if args.json else []
