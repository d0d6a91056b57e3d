"""`python -m bench`: what checking every update costs, measured side by side in one process.

Every figure is a ratio of two timings taken in the same repeat, one after the other (interleaved), so that
a machine busy with other work slows both sides of a ratio alike; the table reports the median over the
repeats and the spread (lowest and highest). Imports and interpreter start are excluded: a warm-up run
loads every module before any clock starts.

The `compare` runs are what `python -m compare` does: both implementations in one process, every parameter
compared after every update, so `compare` / (`torch_impl` + `numpy_impl`) above 1 is what the check itself
costs. `--threads 1` (the default) pins torch and NumPy's BLAS to one thread each.
"""
