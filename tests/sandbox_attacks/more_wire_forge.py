"""Attack: forge the grader's protocol from inside its own process: a reply whose value points at arrays with
a bool index, then trailing garbage meant to be read as the next reply."""
import json
import os
import struct
import sys
import time

import numpy as np


def backward(weights, biases, activations, targets):
    fd = int(sys.argv[2])
    grads = [np.ones_like(W) for W in weights] + [np.ones_like(b) for b in biases]
    header = {"ok": True, "value": {"u": [{"l": [{"a": True} for _ in weights]},
                                          {"l": [{"a": -1} for _ in biases]}]},
              "arrays": [[g.dtype.str, list(g.shape)] for g in grads]}
    text = json.dumps(header).encode()
    os.write(fd, b"BPG1" + struct.pack(">I", len(text)) + text + b"".join(g.tobytes() for g in grads))
    os.write(fd, b"BPG1" + struct.pack(">I", 2) + b"{}" + b"\x00" * 64)   # a spare, ill-formed "next reply"
    time.sleep(30)
