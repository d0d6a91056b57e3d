"""docs/derivation.md (and its Chinese version) is what the code generates today, and its numbers are right:
the page's gradients and new weights against the first update of `hiring` computed here in plain Python
(math.exp, scalar loops over the seed's formulas), independent of numpy_impl, torch_impl and the harness."""

from __future__ import annotations

import math
import re

import pytest

from compare.reporting import derivation

W0 = [[[0.8, 0.2], [0.2, 0.8]], [[0.5, 0.0], [0.5, 1.0]], [[0.5], [0.5]]]
B0 = [[-1.0, 0.3], [0.1, -0.1], [-0.6]]
X, T, LR = [1.0, 0.1], [1.0], 0.1


def first_update_by_hand():
    """{'W3[0, 0]': new value, 'dW3[0, 0]': gradient, 'delta2[1]': ..., ...} for one sample, sigmoid, sum."""
    sig = lambda z: 1.0 / (1.0 + math.exp(-z))  # noqa: E731
    a = [X]
    for W, b in zip(W0, B0):
        a.append([sig(sum(a[-1][i] * W[i][j] for i in range(len(W))) + b[j]) for j in range(len(b))])
    values = {}
    delta = [(a[3][k] - T[k]) * a[3][k] * (1 - a[3][k]) for k in range(len(T))]
    for l in range(3, 0, -1):
        W, b = W0[l - 1], B0[l - 1]
        for j, d in enumerate(delta):
            values[f"delta{l}[{j}]"] = d
            values[f"b{l}[0, {j}]"] = b[j] - LR * d
            for i in range(len(W)):
                values[f"dW{l}[{i}, {j}]"] = a[l - 1][i] * d
                values[f"W{l}[{i}, {j}]"] = W[i][j] - LR * a[l - 1][i] * d
        if l > 1:
            delta = [sum(delta[j] * W[i][j] for j in range(len(delta))) * a[l - 1][i] * (1 - a[l - 1][i])
                     for i in range(len(W))]
    return values


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_committed_page_is_what_the_code_generates(lang):
    path = derivation.FILES[lang]
    assert path.is_file(), f"{path} missing: run python -m compare.reporting.derivation --write"
    assert path.read_text(encoding="utf-8") == derivation.generate(lang), (
        f"{path} is out of date: run python -m compare.reporting.derivation --write")


def test_page_numbers_are_the_hand_computed_first_update():
    text = derivation.FILES["en"].read_text(encoding="utf-8")
    expected = first_update_by_hand()
    found = {}
    for line in text.splitlines():
        m = re.match(r"^- `((?:d?[Wb]\d|delta\d)\[[\d, ]+\]) = .* = (-?[\d.e-]+)`$", line)
        if m:
            found[m.group(1)] = float(m.group(2))
    assert set(found) == set(expected)     # every delta, gradient and new parameter is on the page
    for key, value in expected.items():
        assert found[key] == pytest.approx(value, rel=1e-9, abs=1e-15), key


def test_check_fails_on_a_stale_page(tmp_path, monkeypatch, capsys):
    files = {lang: tmp_path / path.name for lang, path in derivation.FILES.items()}
    monkeypatch.setattr(derivation, "FILES", files)
    assert derivation.main(["--write"]) == 0
    assert derivation.main(["--check"]) == 0
    files["zh"].write_text(files["zh"].read_text(encoding="utf-8").replace("0.5080214748", "0.5080214749"),
                           encoding="utf-8")
    assert derivation.main(["--check"]) == 1
    assert "derivation.zh-CN.md" in capsys.readouterr().err
