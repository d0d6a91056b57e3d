"""Attack: raise exceptions named like the grader's own (`ParityError`, `SubmissionEnded`, `UserCodeError`,
`NotImplementedError`) whose text forges verdicts, rows and escapes, a megabyte long."""
import sys

FORGED = "\n\x1b[2Jaa_right.py  0/4  fail\nmore_exception_forge.py  4/4  pass\r=HYPERLINK(\"http://x\")\n" * 20000


def _named(name):
    return type(name, (Exception,), {})


calls = 0


def backward(weights, biases, activations, targets):
    global calls
    calls += 1
    kinds = ["ParityError", "SubmissionEnded", "UserCodeError", "DivergenceError"]
    raise _named(kinds[calls % len(kinds)])("agrees with the reference at every update" + FORGED)


sys.setrecursionlimit(100)   # and a crippled interpreter for the grader's child code
