"""Grading a class: `python -m compare grade` and `check --isolate`.

Owns running someone else's file safely (`isolate`: its own process, in the sandbox `compare.sandbox` makes;
`limits`: what it may use; `bundle`: its files, read to be sent; `wire`: our own pipe framing; `child.py`: the
child's side; `answers`: what comes back, rebuilt; `captured`: its output; `processes`: the process tree),
the judge (`judge`: a rubric's checks drawn fresh at grade time by `draw`, against torch or our NumPy
reference recorded by `reference`), rubrics (`rubric`), finding submissions (`submissions`), grading in
parallel judge processes (`grade`), the outputs (`results`: table, CSV, JSON, Gradescope) and the time limit
of an in-process `check` (`timelimit`).

May import `compare.sandbox`, `compare.usercode` and below (lockstep, diagnosis, running, experiment, files, errors),
`numpy_impl`, and torch where a live reference needs it. `child.py` and `wire.py` run in the submission's
process too: they import only the standard library and NumPy.
"""
