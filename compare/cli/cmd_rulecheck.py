"""`python -m compare check RULES.py [EXPERIMENT] [options]` for a file of update rules (`sgd`,
`sgd_momentum`, `rmsprop`, `adam`, `adamw`, `adagrad` in cs231n's form `rule(w, dw, config) -> (next_w,
config)`, or `step(params, grads, config)` for the whole model): each rule against torch's optimizer, every
update, on the default suite (`compare.usercode.rule_suite`) or on the EXPERIMENT given."""

from __future__ import annotations

import sys
from typing import Any

from compare.errors import ExperimentError, ParityError
from compare.experiment.sources import load_experiment
from compare.grading.timelimit import Budget, UserStopped
from compare.usercode.load import UserCodeError
from compare.usercode.rule_suite import RuleCase, rule_experiment, suite
from compare.usercode.rulecheck import RuleReport, check_rule
from compare.usercode.rules import RULES, WHOLE_MODEL, load_rules


def run_rules(args: Any, names: list[str], talk: bool) -> tuple[int, list[dict[str, Any]]]:
    """Check every rule `args.file` defines; (exit status, one JSON result per rule and case)."""
    if args.against is not None:
        raise ExperimentError("--against: traces record backward files; a rule file is checked against torch")
    if args.isolate:
        raise ExperimentError("--isolate: runs backward files only; a rule file runs in this process, under "
                              "--timeout")
    if args.show or args.mode == "all" or args.out:
        flag = "--show" if args.show else ("--mode all" if args.mode == "all" else "--out")
        raise ExperimentError(f"{flag}: not for a rule file (it trains one case at a time, writing nothing)")
    budget = Budget(args.timeout, args.file)
    try:
        with budget.running("while importing"):
            rules = load_rules(args.file, names)
        rules = {name: budget.wrap(fn, name) for name, fn in rules.items()}
        return _check_all(args, rules, talk)
    except UserStopped as exc:
        raise UserCodeError(str(exc)) from None


def _cases(args: Any, rule: str) -> list[RuleCase]:
    from compare.cli.options import overrides_from

    overrides, flags = overrides_from(args)
    if rule == WHOLE_MODEL:
        return [RuleCase(args.experiment or "hiring",
                         load_experiment(args.experiment or "hiring", overrides, flags))]
    if args.experiment is None and not overrides:
        return suite(rule)
    given = overrides.get("optimizer")
    if given is not None and given != RULES[rule].optimizer:
        raise ExperimentError(f"--optimizer {given}: the rule `{rule}` is compared with torch.optim's "
                              f"{RULES[rule].optimizer}")
    return [RuleCase(args.experiment or "exercise3", rule_experiment(rule, args.experiment or "exercise3",
                                                                     **overrides))]


def _check_all(args: Any, rules: dict[str, Any], talk: bool) -> tuple[int, list[dict[str, Any]]]:
    results: list[dict[str, Any]] = []
    for rule, fn in rules.items():
        for case in _cases(args, rule):
            e = case.experiment
            try:
                report = check_rule(fn, rule, e)
            except ParityError as exc:
                results.append(_result(exc.report, case.name, exc.failure))
                print(str(exc), file=sys.stderr)
                print(f"  case: {case.name}: {e.describe()}", file=sys.stderr)
                return 1, results
            results.append(_result(report, case.name, None))
            if not args.quiet and not args.json:
                unchecked = (f"; not kept in config, so not compared: {', '.join(report.unchecked_state)}"
                             if report.unchecked_state else "")
                states = "".join(f", {k} {v:.2g}" for k, v in report.state_max_abs_diff.items())
                print(f"{rule}: {case.name}: OK, {report.updates_checked} updates ({e.describe()}); largest "
                      f"|yours - torch| = {report.max_abs_diff:.2g}{states}{unchecked}", flush=True)
    if not args.json:
        cases = len(results)
        print(f"check OK: {args.file}: {', '.join(rules)} agree with torch.optim on {cases} case(s), every "
              "parameter and every state quantity the rule keeps, after every update")
    return 0, results


def _result(report: RuleReport, case: str, failure: dict[str, Any] | None) -> dict[str, Any]:
    return {"rule": report.rule, "case": case, "experiment": report.experiment.name,
            "optimizer": report.experiment.optimizer, "conventions": report.experiment.convention_values(),
            "ok": failure is None,
            "updates_checked": report.updates_checked, "max_abs_diff": report.max_abs_diff,
            "state_max_abs_diff": dict(report.state_max_abs_diff), "unchecked_state": list(report.unchecked_state),
            "failure": failure}
