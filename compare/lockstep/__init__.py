"""The lockstep harness: both implementations from identical weights, the same batches, every parameter
compared after every update (`pair`: the two trainers side by side; `harness`: `run_parity`); at a
disagreement the update is replayed stage by stage (`replay`).

May import `compare.diagnosis` and below; imports torch (through `torch_impl`) when a run starts.
"""
