"""Attack: memory that no one process's address-space limit sees: one shared memfd, grown to 2 GB, each
quarter-gigabyte mapped and touched by a process of its own."""
import mmap
import os

import numpy as np

CHUNK = 256 << 20
fd = os.memfd_create("sbx-attack")
os.ftruncate(fd, 8 * CHUNK)
kids = []
for k in range(8):
    pid = os.fork()
    if pid == 0:
        try:
            m = mmap.mmap(fd, CHUNK, offset=k * CHUNK)
            for i in range(0, CHUNK, 4096):
                m[i] = 1
        finally:
            os._exit(0)
    kids.append(pid)
for pid in kids:
    os.waitpid(pid, 0)
print("touched", 8 * CHUNK >> 20, "MB")


def backward(weights, biases, activations, targets):
    return [np.ones_like(W) for W in weights], [np.ones_like(b) for b in biases]
