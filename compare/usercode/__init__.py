"""A user's own code: loading a backward file, checking it (against torch, or against a recorded trace
without torch), recording traces, the finite-difference gradcheck, and `explain`.

May import `compare.lockstep` and below.
"""
