"""`python -m compare presets`: the shipped experiments, one line each."""

from __future__ import annotations

import sys

from compare.cli.options import Parser
from compare.cli.runner import guarded, version_string
from compare.experiment.sources import PRESET_DIR, load_experiment, preset_names


def main(argv: list[str] | None = None) -> int:
    def body() -> int:
        parser = Parser(prog="python -m compare presets",
                        description=f"List the presets shipped in {PRESET_DIR} (a name works wherever an "
                                    "experiment is asked for).")
        parser.add_argument("--version", action="version", version=version_string("compare presets"))
        parser.parse_args(argv)
        print(presets_table())
        return 0
    return guarded(body)


def presets_table() -> str:
    """One line per shipped preset: name, layer widths, samples, description."""
    names = preset_names()
    width = max(map(len, names))
    lines = []
    for name in names:
        e = load_experiment(name)
        sizes = "-".join(map(str, e.sizes))
        lines.append(f"{name:<{width}}  {sizes:<12} N={e.n_samples:<5} {e.description}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
