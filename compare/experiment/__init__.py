"""The experiment: its definition (a frozen dataclass), loading from presets, TOML, CSV and `.npz`,
validation, the `--show` TOML, and the initial weights. The presets ship here as package data (`presets/`).

May import `compare.errors` and `compare.files`; never torch at module level.
"""
