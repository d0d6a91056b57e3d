"""Attack: search the whole visible file system for a package it is not allowed (torch, our numpy_impl or
compare, any site-packages), put its parent on sys.path and import it; list every .toml it can read."""
import json
import os
import sys

found, tomls = {}, []
for top, dirs, files in os.walk("/"):
    if top.startswith(("/proc", "/sys", "/dev")) or top.count("/") > 9:
        dirs[:] = []
        continue
    for d in dirs:
        if d in ("torch", "numpy_impl", "compare", "torch_impl", "site-packages", "dist-packages"):
            found.setdefault(d, []).append(os.path.join(top, d))
    tomls += [os.path.join(top, f) for f in files if f.endswith(".toml")]
imported = []
for name in ("torch", "numpy_impl", "compare"):
    for path in found.get(name, []):
        sys.path.insert(0, os.path.dirname(path))
        try:
            __import__(name)
            imported.append(path)
            break
        except Exception:   # noqa: BLE001 - not importable from here: try the next
            sys.path.pop(0)
shown = {p: len(os.listdir(p)) for k in ("site-packages", "dist-packages") for p in found.get(k, [])}
print("FOUND", json.dumps({"packages": shown, "imported": imported, "tomls": tomls}))


def backward(weights, biases, activations, targets):
    raise PermissionError("nothing found")
