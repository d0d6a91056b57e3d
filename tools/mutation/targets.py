"""Which modules are mutated, in order of risk (a bug there changes a verdict or a number), and the test files
each mutant of a module runs: the few fast tests that pin that module's promises, not the whole suite."""

from __future__ import annotations

# module -> test files (run with -x: the first failure kills the mutant). Order: highest risk first, fastest
# tests first within a module.
MODULES: dict[str, tuple[str, ...]] = {
    "numpy_impl/adam.py": ("tests/test_mutants_optimizers.py",),
    "numpy_impl/optimizer.py": ("tests/test_mutants_optimizers.py", "tests/test_mutants_param_groups.py"),
    "numpy_impl/rmsprop.py": ("tests/test_mutants_optimizers.py",),
    "numpy_impl/adagrad.py": ("tests/test_mutants_optimizers.py",),
    "numpy_impl/param_groups.py": ("tests/test_mutants_param_groups.py", "tests/test_mutants_optimizers.py",
                                   "tests/test_optimizer_options.py"),
    "numpy_impl/optimizers.py": ("tests/test_mutants_optimizers.py",),
    "torch_impl/optimizers.py": ("tests/test_mutants_optimizers.py",),
    "compare/running/tolerances.py": ("tests/test_mutants_tolerances.py",),
    "compare/lockstep/harness.py": ("tests/test_mutants_tolerances.py", "tests/test_mutants_lockstep.py",
                                 "tests/test_mutants_optimizer_state.py"),
    "compare/lockstep/pair.py": ("tests/test_mutants_tolerances.py", "tests/test_mutants_lockstep.py",
                                 "tests/test_mutants_optimizer_state.py"),
    "compare/lockstep/replay.py": ("tests/test_mutants_replay.py", "tests/test_mutants_lockstep.py",
                                   "tests/test_mutants_optimizer_state.py"),
    "compare/usercode/check.py": ("tests/test_mutants_check.py", "tests/test_mutants_suite_verdict.py"),
    "compare/usercode/suite_run.py": ("tests/test_mutants_suite_fallback.py", "tests/test_mutants_check.py",
                                      "tests/test_mutants_suite_verdict.py",
                                      "tests/test_mutants_suite_verdict_text.py", "tests/test_check_real_code.py"),
    "compare/usercode/suite_verdict.py": ("tests/test_mutants_check.py", "tests/test_mutants_suite_verdict.py",
                                          "tests/test_mutants_suite_verdict_text.py", "tests/test_check_real_code.py"),
    "compare/usercode/suite_compare.py": ("tests/test_mutants_suite_compare.py",),
    "compare/layers/elements.py": ("tests/test_mutants_layer_verdict.py",),
    "compare/layers/results.py": ("tests/test_mutants_layer_verdict.py",),
    "compare/layers/verdict.py": ("tests/test_mutants_layer_verdict.py",),
    "compare/diagnosis/hints.py": ("tests/test_promises_hints.py",),
    "compare/diagnosis/mistakes.py": ("tests/test_mutants_mistakes.py", "tests/test_promises_hints.py",
                                      "tests/test_hints.py", "tests/test_hints_more.py"),
    "compare/diagnosis/location.py": ("tests/test_mutants_location.py",),
    "compare/grading/results.py": ("tests/test_mutants_results.py", "tests/test_promises_grading.py",
                                   "tests/test_promises_outputs.py", "tests/test_mutants_results_layout.py"),
    "compare/grading/rubric.py": ("tests/test_mutants_rubric.py", "tests/test_promises_grading.py"),
    "compare/grading/grade.py": ("tests/test_mutants_grade.py", "tests/test_mutants_grade_killed.py",
                                 "tests/test_promises_grading.py"),
    "compare/grading/versions.py": ("tests/test_mutants_versions.py",),
    "compare/files/bounded.py": ("tests/test_promises_bounded.py",),
    "compare/exits.py": ("tests/test_mutants_exits.py", "tests/test_edges_exits.py"),
    "compare/reporting/sections.py": ("tests/test_mutants_report_sections.py", "tests/test_promises_report.py"),
    "compare/reporting/runs.py": ("tests/test_mutants_report_sections.py", "tests/test_promises_report.py"),
    "compare/grading/timelimit.py": ("tests/test_mutants_timelimit.py",),
    "compare/grading/limits.py": ("tests/test_mutants_limits.py",),
    "compare/grading/judge.py": ("tests/test_mutants_judge_submission.py", "tests/test_mutants_judge.py"),
    "compare/grading/child.py": ("tests/test_mutants_child.py", "tests/test_mutants_child_serve.py"),
    "compare/sandbox/policy.py": ("tests/test_mutants_policy.py",),
    "compare/sandbox/cgroups.py": ("tests/test_mutants_cgroups.py",),
    "compare/grading/bundle.py": ("tests/test_mutants_bundle.py", "tests/test_promises_bundle.py"),
    "compare/grading/answers.py": ("tests/test_mutants_answers.py",),
}

# Where only some functions (or classes) of a module compute a verdict or a number, only they are mutated:
# module -> the names cosmic-ray reports as the mutant's enclosing definition.
FUNCTIONS: dict[str, tuple[str, ...]] = {
    "compare/reporting/sections.py": ("exercise2", "seeds_summary", "proof"),
    # the factor and pattern tests every hint rests on (the formula rebuilders are pinned by tests/test_hints*)
    "compare/diagnosis/hints.py": ("same", "constant_factor", "_near", "factor_hints", "_ruled_out",
                                   "transposed_hint", "zero_hint"),
    # the size caps and the member count (the .npy header parsing is numpy's)
    "compare/files/bounded.py": ("open_regular", "read_bytes", "read_text", "_check_directory", "load", "nbytes",
                                 "_size"),
    # the limits written to a control group and what is read back (the rest: finding, moving, killing, sweeping)
    "compare/sandbox/cgroups.py": ("create", "_v2", "_v1", "_parents", "cpu_seconds", "out_of_memory"),
}

# cosmic-ray's operators that are not a realistic one-line bug here, or that only restate another mutant:
# a binary operator swapped for an unrelated family (a bit shift for a +), an `is` turned into an ordering,
# unary inversions, a removed decorator (a dataclass without @dataclass fails on import), and the
# random variable replacer / inserter (not reproducible).
EXCLUDED_OPERATORS: tuple[str, ...] = (
    r"core/ReplaceBinaryOperator_.*_(RShift|LShift|BitOr|BitAnd|BitXor|Mod|Pow)$",
    r"core/ReplaceBinaryOperator_(Add|Sub|Mul)_FloorDiv$", r"core/ReplaceBinaryOperator_FloorDiv_(Add|Sub|Mul)$",
    r"core/ReplaceBinaryOperator_Mod_(Add|Sub|Mul|Div)$", r"core/ReplaceBinaryOperator_Pow_(Add|Sub|Div|FloorDiv)$",
    r"core/ReplaceBinaryOperator_(RShift|LShift|BitOr|BitAnd|BitXor)_.*",
    r"core/ReplaceBinaryOperator_(Add_Div|Sub_Div|Sub_Mul|Mul_Sub|Div_Add|Div_Sub)$",
    r"core/ReplaceComparisonOperator_(Is|IsNot)_(Eq|NotEq|Lt|LtE|Gt|GtE)$",
    r"core/ReplaceComparisonOperator_(Eq|NotEq|Lt|LtE|Gt|GtE)_(Is|IsNot)$",
    r"core/ReplaceComparisonOperator_(Eq|NotEq)_(Lt|LtE|Gt|GtE)$",
    r"core/ReplaceComparisonOperator_(Lt|LtE|Gt|GtE)_(Eq|NotEq)$",
    r"core/ReplaceComparisonOperator_Lt_Gt$", r"core/ReplaceComparisonOperator_Gt_Lt$",
    r"core/ReplaceComparisonOperator_LtE_GtE$", r"core/ReplaceComparisonOperator_GtE_LtE$",
    r"core/ReplaceUnaryOperator_.*Invert.*", r"core/ReplaceUnaryOperator_UAdd_.*",
    r"core/ReplaceUnaryOperator_USub_Not$",
    r"core/RemoveDecorator$",
    r"core/VariableReplacer$", r"core/VariableInserter$",
)
