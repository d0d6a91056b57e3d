"""Hostile: kills the grader's process that talks to it (its parent), leaving a child process behind."""
import os
import signal
import subprocess
import sys

MARK = "h12-stray-marker-orphan"


def backward(weights, biases, activations, targets):
    if os.fork() == 0:                       # out of the process group, so only the subreaper can find it
        os.setsid()
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", MARK])
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", MARK])
    os.kill(os.getppid(), signal.SIGKILL)
    return None
