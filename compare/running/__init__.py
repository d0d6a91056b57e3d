"""Running an experiment: the training loops of each implementation, the history a run returns, naming a
divergence, the tolerances, the environment, the progress bar, and whole runs in parallel processes.

May import `compare.experiment` and below.
"""
