"""Running an experiment: the training loops of each implementation alone (`loops`: train_numpy,
train_torch), the history a run returns, naming a divergence and a parameter (`divergence`, `parameters`),
the optimizers' state in one layout (`optimizer_state`), the tolerances, the environment, the progress bar,
and whole runs in parallel processes (`parallel`: `--jobs`).

May import `compare.experiment` and below.
"""
