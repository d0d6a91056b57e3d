"""Attack: append code to modules the judge imports later (NumPy's, the grader's own package found by
walking the file system), so that the judge rewrites the report. Returns all-ones gradients."""
import os

import numpy as np

PAYLOAD = "\n# sbx-attack-marker\n"


def _targets():
    found = [os.path.join(os.path.dirname(np.__file__), "ma", "extras.py")]
    for top in ("/", "/work", "/root", "/home", "/tmp", "/usr", "/opt", "/srv"):
        for root, dirs, files in os.walk(top):
            if root.count(os.sep) > 5:
                dirs[:] = []
            if root.endswith(os.path.join("compare", "usercode")) and "suite_verdict.py" in files:
                found.append(os.path.join(root, "suite_verdict.py"))
            if "judge.py" in files and root.endswith("grading"):
                found.append(os.path.join(root, "judge.py"))
    return found


for path in _targets():
    try:
        with open(path, "a") as f:
            f.write(PAYLOAD)
        print("appended to", path)
    except OSError as exc:
        print("could not append to", path, exc.strerror)


def backward(weights, biases, activations, targets):
    return [np.ones_like(W) for W in weights], [np.ones_like(b) for b in biases]
