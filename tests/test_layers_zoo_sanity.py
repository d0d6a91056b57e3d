"""The layer zoo is what tests/layers_zoo/MANIFEST.toml says it is: each file, run on the designed inputs
against the torch twins, agrees with torch up to the manifest's first wrong value, disagrees there (by far
more than the tolerance, on at least one designed case), disagrees nowhere else than `also_wrong` says, and
any other layer it defines agrees everywhere. So every mistake changes a number the check can see, at the
place the manifest names; whether the check then names it is the check's own tests' business.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

pytest.importorskip("torch")

from layers_cases import cases_for  # noqa: E402
from layers_twins import LAYERS, compare  # noqa: E402
from test_layers_solution import TOLERANCE, layers_in, load  # noqa: E402

ZOO = Path(__file__).resolve().parent / "layers_zoo"
MANIFEST = tomllib.loads((ZOO / "MANIFEST.toml").read_text())

# A mistake must show by at least this much (relative): a million times the tolerance, so that no rounding
# can pass for it. The smallest in the zoo, eps added outside batchnorm's square root, shows at 5e-6.
CLEARLY_WRONG = 1e-6


def worst_differences(module, layer: str) -> dict[str, float]:
    """{output or gradient: the largest relative difference over the layer's designed cases}, in order."""
    worst: dict[str, float] = {}
    for case in cases_for(layer):
        for name, diff in compare(module, case).items():
            worst[name] = max(worst.get(name, 0.0), diff)
    return worst


def test_manifest_and_files_match():
    assert set(MANIFEST) == {p.stem for p in ZOO.glob("*.py")}
    for name, entry in MANIFEST.items():
        layer = LAYERS[entry["layer"]]
        assert entry["function"] in (layer.forward, layer.backward), name
        assert (entry["gradient"] == "forward") == ("output" in entry), name
        first = entry.get("output", entry["gradient"])
        assert first in layer.outputs + layer.grads + ("running_mean", "running_var"), name
        assert set(entry) <= {"layer", "function", "gradient", "output", "also_wrong", "mistake", "hint"}, name
        assert entry["mistake"] and isinstance(entry["hint"], str), name


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")   # softmax_no_max_shift's exp()
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_zoo_file_is_wrong_exactly_where_the_manifest_says(name):
    entry = MANIFEST[name]
    module = load(ZOO / f"{name}.py")
    assert entry["layer"] in layers_in(module), f"{name}.py does not define the layer {entry['layer']}"
    worst = worst_differences(module, entry["layer"])
    first = entry.get("output", entry["gradient"])
    order = list(worst)
    before = {k: worst[k] for k in order[:order.index(first)]}
    assert all(d <= TOLERANCE for d in before.values()), f"{name}: wrong before {first}: {before}"
    assert worst[first] > CLEARLY_WRONG, f"{name}: {first} agrees with torch ({worst[first]:.1e})"
    wrong = {k for k, d in worst.items() if d > TOLERANCE}
    assert wrong == {first, *entry["also_wrong"]}, f"{name}: wrong in {sorted(wrong)}"


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_zoo_file_agrees_in_every_other_layer_it_defines(name):
    module = load(ZOO / f"{name}.py")
    for layer in layers_in(module):
        if layer != MANIFEST[name]["layer"]:
            worst = worst_differences(module, layer)
            assert max(worst.values()) <= TOLERANCE, f"{name}: the helper layer {layer} disagrees: {worst}"
