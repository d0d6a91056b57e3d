"""A user's own code: loading a backward file, checking it (against torch, or against a recorded trace
without torch, or the check suite), recording traces, the finite-difference gradcheck, `explain`, a
user's optimizer rule, and `api` (`compare.check`).

May import `compare.lockstep` and below.
"""
