"""Attack: stall the grader in a write it never gets to finish: shrink the request pipe to one page, queue
error replies for the calls to come, then stop reading and sleep: the grader sends request after request
into a pipe no one empties."""
import fcntl
import json
import os
import struct
import sys
import time

F_SETPIPE_SZ = 1031


def backward(weights, biases, activations, targets):
    fd_in, fd_out = int(sys.argv[1]), int(sys.argv[2])
    fcntl.fcntl(fd_in, F_SETPIPE_SZ, 4096)
    reply = json.dumps({"ok": False, "arrays": [],
                        "error": {"type": "ValueError", "message": "queued", "traceback": ""}}).encode()
    for _ in range(200):
        os.write(fd_out, b"BPG1" + struct.pack(">I", len(reply)) + reply)
    time.sleep(3600)
