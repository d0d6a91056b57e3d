"""The shipped experiments (package data): one TOML file each, and the `blobs` data (`blobs.py` regenerates
`blobs.csv`)."""
