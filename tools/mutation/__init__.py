"""Mutation testing with cosmic-ray over the modules where a bug changes a verdict or a number.

    python -m tools.mutation                     # every module of `targets.MODULES`, one at a time, by risk
    python -m tools.mutation compare/exits.py    # one module (or several)
    python -m tools.mutation --survivors MODULE  # only the mutants that survived its last run (after a new test)
    python -m tools.mutation --list              # the modules and the tests each mutant of them runs

Each mutant is one realistic one-line change (an operator, a comparison's boundary or sense, a constant +-1,
a condition negated, a loop that never runs, an exception no longer caught), put into a scratch copy of the
tree, never into the working tree; it runs only the fast test files mapped to its module (`targets.py`),
stopping at the first failure. `equivalent.txt` lists the mutants that no test can kill, each with why.
"""
