"""docs/derivation.md (and docs/derivation.zh-CN.md): the first update of `hiring`, worked by hand with the
actual numbers, generated from the code so that it can never drift from it.

    python -m compare.reporting.derivation --write     # regenerate both files
    python -m compare.reporting.derivation --check     # exit 1 if a committed file differs from what the code gives

The numbers are `compare.usercode.explain`'s: numpy_impl's values from its own training step, each checked against
torch's autograd (generation fails if any quantity is out of tolerance). Element indices count from 0, as in
every message of the tool (`W2[1, 0]`).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

from compare.reporting.derivation_text import TEXT

DOCS = Path(__file__).resolve().parents[2] / "docs"
FILES = {"en": DOCS / "derivation.md", "zh": DOCS / "derivation.zh-CN.md"}
DIGITS = 10


def n(x: float) -> str:
    """A number as the page prints it: 10 significant digits, negatives in parentheses (they are factors)."""
    text = f"{float(x):.{DIGITS}g}"
    return f"({text})" if text.startswith("-") else text


def v(x: float) -> str:
    """A result: 10 significant digits, no parentheses."""
    return f"{float(x):.{DIGITS}g}"


def matrix(M: np.ndarray) -> str:
    rows = ["[" + ", ".join(v(x) for x in row) + "]" for row in np.atleast_2d(M)]
    return "[" + ", ".join(rows) + "]"


def generate(lang: str = "en", preset: str = "hiring") -> str:
    """The page, in `lang` ("en" or "zh"), for the first update of a one-sample sigmoid experiment."""
    from compare.experiment.sources import load_experiment
    from compare.usercode.explain import explain

    t = TEXT[lang]
    e = load_experiment(preset)
    ex = explain(e, 1)
    if ex.first_difference() is not None:
        raise AssertionError(f"numpy and torch disagree on update 1 of {preset}: {ex.first_difference()}")
    if (ex.batch_size != 1 or {e.hidden_activation, e.output_activation} != {"sigmoid"} or e.loss != "sum"
            or e.sizes != (2, 2, 2, 1)):
        raise ValueError("the derivation page is written for one sample, a 2-2-2-1 sigmoid network and "
                         "loss = \"sum\"")
    q = {(x.stage, x.name): x.numpy for x in ex.quantities}
    L = e.n_layers
    W = [q[("before", f"W{l}")] for l in range(1, L + 1)]
    b = [q[("before", f"b{l}")] for l in range(1, L + 1)]
    A = [q[("batch", "X")][0]] + [q[("forward", f"A{l}")][0] for l in range(1, L + 1)]
    Z = [None] + [q[("forward", f"Z{l}")][0] for l in range(1, L + 1)]
    delta = [None] + [q[("backward", f"delta{l}")][0] for l in range(1, L + 1)]
    T = q[("batch", "T")][0]
    out: list[str] = []
    add = out.append
    add(t["title"].format(name=e.name))
    add(t["generated"])
    name = e.names[ex.samples[0]]
    add(t["setup"].format(name=t.get("names", {}).get(name, name), x=matrix(A[0][None]), t=matrix(T[None]),
                          sizes="-".join(map(str, e.sizes)), lr=v(e.lr)))
    for l in range(1, L + 1):
        add(f"- `W{l}` = `{matrix(W[l - 1])}`, `b{l}` = `{matrix(b[l - 1])}`")
    add(t["forward"])
    for l in range(1, L + 1):
        add(t["layer"].format(l=l, prev=l - 1))
        for j in range(W[l - 1].shape[1]):
            terms = " + ".join(f"{n(A[l - 1][i])} × {n(W[l - 1][i, j])}" for i in range(W[l - 1].shape[0]))
            add(f"- `z{l}[{j}] = {terms} + {n(b[l - 1][0, j])} = {v(Z[l][j])}`")
            add(f"- `a{l}[{j}] = 1 / (1 + exp({v(-Z[l][j])})) = {v(A[l][j])}`")
    add(t["loss"].format(L=L, terms=" + ".join(f"({v(T[k])} - {v(A[L][k])})^2 / 2" for k in range(len(T))),
                         loss=v(q[("loss", "L")][0, 0])))
    add(t["chain"].format(L=L, path=v(_path_sum(W, A, delta, q[("backward", "dW1")][0, 0]))))
    add(t["backward"])
    for l in range(L, 0, -1):
        if l == L:
            for k in range(len(T)):
                add(f"- `delta{L}[{k}] = ({v(A[L][k])} - {v(T[k])}) × {v(A[L][k])} × (1 - {v(A[L][k])}) = "
                    f"{v(delta[L][k])}`")
        else:
            for i in range(len(delta[l])):
                terms = " + ".join(f"{n(delta[l + 1][j])} × {n(W[l][i, j])}" for j in range(len(delta[l + 1])))
                add(f"- `delta{l}[{i}] = ({terms}) × {v(A[l][i])} × (1 - {v(A[l][i])}) = {v(delta[l][i])}`")
        dW, db = q[("backward", f"dW{l}")], q[("backward", f"db{l}")]
        for i in range(dW.shape[0]):
            for j in range(dW.shape[1]):
                add(f"- `dW{l}[{i}, {j}] = a{l - 1}[{i}] × delta{l}[{j}] = {n(A[l - 1][i])} × "
                    f"{n(delta[l][j])} = {v(dW[i, j])}`")
        add(f"- `db{l} = delta{l} = {matrix(db)}`")
        add("")
    add(t["update"].format(lr=v(e.lr)))
    for l in range(1, L + 1):
        for name, before in (("W", W[l - 1]), ("b", b[l - 1])):
            grad, after = q[("backward", f"d{name}{l}")], q[("update", f"{name}{l}")]
            for i, j in np.ndindex(*before.shape):
                add(f"- `{name}{l}[{i}, {j}] = {v(before[i, j])} - {v(e.lr)} × {n(grad[i, j])} = "
                    f"{v(after[i, j])}`")
    largest = max(x.max_abs_diff for x in ex.quantities)
    # a bound, not the measured value: the last bits of torch's sums may differ from one machine to another
    bound = next(b for b in (1e-15, 1e-14, 1e-13, ex.tolerance.atol) if largest < b)
    add(t["check"].format(atol=f"{ex.tolerance.atol:g}", exponent=f"{bound:g}"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).rstrip("\n") + "\n"


def _path_sum(W: list, A: list, delta: list, dW1: float) -> float:
    """dL/dW1[0, 0] as the sum over both paths through layer 2 (the unrolled chain rule of the page), checked
    against the dW1[0, 0] of the training step."""
    s = lambda a: a * (1 - a)  # noqa: E731  (the sigmoid's derivative from its output)
    path = (delta[3][0] * (W[2][0, 0] * s(A[2][0]) * W[1][0, 0] + W[2][1, 0] * s(A[2][1]) * W[1][0, 1])
            * s(A[1][0]) * A[0][0])
    if not np.isclose(path, dW1, rtol=1e-12, atol=0):
        raise AssertionError(f"the unrolled chain rule gives {path!r}, the training step {dW1!r}")
    return float(path)


def main(argv: list[str] | None = None) -> int:
    summary = __doc__.split("\n\n")[0].replace("\n", " ")       # the whole first paragraph, not its first line
    parser = argparse.ArgumentParser(prog="python -m compare.reporting.derivation", description=summary)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate docs/derivation*.md")
    action.add_argument("--check", action="store_true", help="exit 1 if a committed page is out of date")
    args = parser.parse_args(argv)
    stale = []
    for lang, path in FILES.items():
        text = generate(lang)
        if args.write:
            from compare.files.atomic import atomic_write
            atomic_write(path, lambda tmp, text=text: Path(tmp).write_text(text, encoding="utf-8"))
            print(f"wrote {path}")
        elif not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(str(path))
    if stale:
        print(f"out of date: {', '.join(stale)}; run `python -m compare.reporting.derivation --write`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
