"""Hostile: tries to read the grader's memory and environment, to lift its own limits, then forks without
end; reports what it managed on stdout (captured by the grader, shown, never read for the verdict)."""
import os
import resource

for what in ("mem", "environ"):
    try:
        with open(f"/proc/{os.getppid()}/{what}", "rb") as f:
            f.read(16)
        print(f"read the grader's {what}")
    except OSError as exc:
        print(f"grader's {what}: {type(exc).__name__}")
try:
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    print("lifted the memory limit")
except (ValueError, OSError) as exc:
    print(f"memory limit: {type(exc).__name__}")
forks = 0
try:
    while forks < 1000:
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", "600"])
        forks += 1
except OSError as exc:
    print(f"forks refused after {forks}: {type(exc).__name__}")


def backward(weights, biases, activations, targets):
    return None
