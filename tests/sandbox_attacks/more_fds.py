"""Attack: use every file descriptor inherited from the grader (/proc/self/fd): read and write each, reopen
each through /proc, in the hope of the result pipe, the rubric or the class folder."""
import json
import os
import sys

fds = {}
for name in os.listdir("/proc/self/fd"):
    try:
        fds[int(name)] = os.readlink(f"/proc/self/fd/{name}")
    except OSError:
        pass
wire = {int(sys.argv[1]), int(sys.argv[2])} if len(sys.argv) > 2 else set()
print("FDS " + json.dumps({"other": sorted(fd for fd in fds if fd > 2 and fd not in wire and
                                         not fds[fd].startswith("/proc")), "all": fds}))
for fd, target in fds.items():
    if fd > 2 and fd not in wire:
        for flags in (os.O_RDONLY, os.O_WRONLY):
            try:   # the rubric or a folder of the grader's, reopened
                os.close(os.open(f"/proc/self/fd/{fd}", flags))
                print("reopened", fd, target)
            except OSError:
                pass


def backward(weights, biases, activations, targets):
    return [W * 0 + 1 for W in weights], [b * 0 + 1 for b in biases]
