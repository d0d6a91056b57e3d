"""The command line: dispatch (`main`), one module per command (`cmd_*`), the flow every training command
shares (`runner`), the options, and what is printed (`output`).

May import every other room; only `compare.__main__` and the implementations' `__main__` shims import it.
"""
