"""Hostile: replaces the checker's functions (in-process this made `check` say OK) and returns zeros."""
import numpy as np

try:
    import compare.diagnosis.stagecheck as stagecheck
    import compare.usercode.check as usercheck
    stagecheck.first_disagreement = lambda *a, **k: None
    usercheck.first_disagreement = lambda *a, **k: None
except Exception:
    pass


def backward(weights, biases, activations, targets):
    return [np.zeros_like(W) for W in weights], [np.zeros_like(b) for b in biases]
