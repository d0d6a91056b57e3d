"""Attack: leave files behind: 100 MB in /dev/shm, files in /tmp and in the home folder, a daemon process."""
import os

import numpy as np

for path in ("/dev/shm/sbx-attack-shm", "/tmp/sbx-attack-tmp", os.path.expanduser("~/sbx-attack-home"),
             "/var/tmp/sbx-attack-vartmp"):
    try:
        with open(path, "wb") as f:
            f.write(b"x" * (100 << 20 if "shm" in path else 10))
        print("left", path)
    except OSError as exc:
        print("could not leave", path, exc.strerror)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import time
        time.sleep(300)
    os._exit(0)


def backward(weights, biases, activations, targets):
    return [np.zeros_like(W) for W in weights], [np.zeros_like(b) for b in biases]
