"""Attack: look for privileges to use: its user, its capabilities, the processes and namespaces it shares."""
import json
import os

status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
print("PRIVILEGES " + json.dumps({
    "uids": os.getresuid(), "gids": os.getresgid(), "groups": os.getgroups(),
    "caps": [status[k].strip() for k in ("CapEff", "CapPrm", "CapBnd", "NoNewPrivs")],
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "ns": {n: os.readlink(f"/proc/self/ns/{n}") for n in ("ipc", "net", "pid", "mnt", "uts")}}))


def backward(weights, biases, activations, targets):
    raise PermissionError("nothing to use")
