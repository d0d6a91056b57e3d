"""`python -m bench`: what checking every update costs, measured side by side in one process.

Every figure is a ratio of two timings taken in the same repeat, one after the other (interleaved), so that
a machine busy with other work slows both sides of a ratio alike; the table reports the median over the
repeats and the spread (lowest and highest). Imports and interpreter start are excluded: a warm-up run
loads every module before any clock starts.

The `compare` runs are what `python -m compare` does, worker included: on a machine with two cores, a long
run of our own NumPy trainer steps in a forked process while torch steps (`compare.lockstep.worker`), so a
`compare` / (`torch_impl` + `numpy_impl`) figure below 1 means the check costs less than running the two
sides one after the other. `--threads 1` (the default) pins torch and NumPy's BLAS to one thread each, the
setting in which the harness hands the second core to the worker.
"""
