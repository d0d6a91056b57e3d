"""Hostile: leaves a thread and child processes behind, one of them escaped into its own session."""
import os
import subprocess
import sys
import threading
import time

import numpy as np

MARK = "h12-stray-marker"
threading.Thread(target=lambda: time.sleep(10**6), daemon=False).start()
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", MARK])
if os.fork() == 0:                 # a double fork into a new session: out of the process group
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", MARK + "-escaped"])
    os._exit(0)


def backward(weights, biases, activations, targets):
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", MARK + "-late"])
    return [np.zeros_like(W) for W in weights], [np.zeros_like(b) for b in biases]
