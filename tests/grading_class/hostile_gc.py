"""Hostile: walks every object of its interpreter and scribbles on every array it finds (in-process this
reached the harness's own objects), then returns zeros."""
import gc

import numpy as np


def backward(weights, biases, activations, targets):
    for obj in gc.get_objects():
        if isinstance(obj, np.ndarray) and obj.flags.writeable:
            try:
                obj[...] = 0
            except Exception:
                pass
        elif isinstance(obj, dict):
            for key in list(obj)[:50]:
                if key in ("theirs", "torch", "reference", "failure"):
                    obj[key] = None
    return [np.zeros_like(W) for W in weights], [np.zeros_like(b) for b in biases]
