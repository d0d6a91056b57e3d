"""Files we write and read: every write atomic (a temporary name, then a rename), every read bounded.

Imports nothing of ours but `compare.errors`.
"""
