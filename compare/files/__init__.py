"""Files we write and read: every write atomic (a temporary name, then a rename), every read bounded.

`atomic`: writing (a temporary name, then a rename) and checking a target before any work; `bounded`:
reading regular files only, each kind up to a cap, `.npz` members checked from their headers before
inflating; `text`: names made safe for a terminal, numbers read as ASCII only.

Imports nothing of ours but `compare.errors`.
"""
