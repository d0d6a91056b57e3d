"""`python -m bench`: what checking every update costs, measured side by side in one process.

Every figure is a ratio of two timings taken in the same repeat, one after the other (interleaved), so that
a machine busy with other work slows both sides of a ratio alike; the table reports the median over the
repeats and the spread (lowest and highest). Imports and interpreter start are excluded: a warm-up run
loads every module before any clock starts.
"""
