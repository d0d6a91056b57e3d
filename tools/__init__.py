"""Developer tools that are not part of the product: `python -m tools.mutation` (mutation testing)."""
