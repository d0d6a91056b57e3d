"""Hostile: searches the disk for recordings (.npz traces) to copy gradients from; finds none worth anything
(the experiments are drawn at grade time) and returns what it found, or zeros."""
import os

import numpy as np

FOUND = []
for top in ("/tmp", os.path.expanduser("~"), os.getcwd(), os.path.dirname(np.__file__) + "/../.."):
    for root, _dirs, files in os.walk(top):
        FOUND += [os.path.join(root, f) for f in files if f.endswith(".npz")]
        if len(FOUND) > 50 or root.count(os.sep) > 8:
            break


def backward(weights, biases, activations, targets):
    for path in FOUND:
        try:
            with np.load(path) as npz:
                if "dW1" in npz.files:
                    return ([npz[f"dW{l + 1}"][0] for l in range(len(weights))],
                            [npz[f"db{l + 1}"][0] for l in range(len(weights))])
        except Exception:
            continue
    return [np.zeros_like(W) for W in weights], [np.zeros_like(b) for b in biases]
