"""Attack: reach processes outside through abstract unix sockets (no file needed: shared by a network
namespace), and leave one listening for later submissions."""
import socket

import numpy as np

reached = []
for name in open("/proc/net/unix").read().split():
    if name.startswith("@"):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect("\0" + name[1:])
            reached.append(name)
        except OSError:
            pass
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind("\0sbx-attack-abstract")
listener.listen()
print("SOCKETS reached:", reached)


def backward(weights, biases, activations, targets):
    return [np.ones_like(W) for W in weights], [np.ones_like(b) for b in biases]
