"""examples/walkthrough.ipynb runs from top to bottom in a fresh Jupyter kernel, offline, so it never goes
stale: its own asserts hold the hand-worked update to docs/derivation.md's numbers, the student's backward
passes the check, the wrong one fails it at update 1 with the batch-size hint, and the three modes agree
with torch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat not installed (pip install -r requirements.txt)")
nbclient = pytest.importorskip("nbclient", reason="nbclient not installed (pip install -r requirements.txt)")
pytest.importorskip("ipykernel", reason="ipykernel not installed (pip install -r requirements.txt)")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "walkthrough.ipynb"


def test_the_notebook_executes_and_says_what_it_claims():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), \
        "commit the notebook without outputs: the suite runs it"
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    # the kernel's own environment, without the caller's MPLBACKEND: a headless CI machine often sets
    # MPLBACKEND=Agg, which the kernel would inherit and then draw no inline image
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    client.execute(env=env)   # raises CellExecutionError at the first failing cell (its asserts included)
    text = "\n".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                     for output in cell.outputs)
    assert "a3 = [[0.5110783826]]" in text
    assert "ok: True | updates checked: 400" in text
    assert "check FAILED at update 1" in text and "a factor of the batch size B = 2" in text
    images = [o for cell in notebook.cells for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 1                   # the three modes' loss curves
