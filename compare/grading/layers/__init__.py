"""Grading layer files (`compare.layers`' check, cs231n-style layer functions): the submission's own process
answering the layer check's calls (`child`, its caches kept there), the grader's proxies for its functions
(`remote`), and a rubric's layer checks prepared and scored (`grade`)."""
