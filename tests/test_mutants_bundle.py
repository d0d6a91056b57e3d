"""A submission's files as the grader reads them (compare/grading/bundle.py), beyond the caps (tests/
test_promises_bundle.py): only regular files of its own are read: a symbolic link, a hard link, a FIFO, a socket
or a device is the submission's error naming it; hidden entries and __pycache__ are left out; the entry must be
text as Python reads it (its byte named where it is not). Each expected message is written out by hand.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from compare.grading.bundle import read_submission
from compare.usercode.load import UserCodeError

RIGHT = b"def backward(weights, biases, activations, targets):\n    return [], []\n"


def _folder(tmp_path: Path) -> Path:
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "submission.py").write_bytes(RIGHT)
    return sub


def _refused(path: Path, shown: str = "sub") -> str:
    with pytest.raises(UserCodeError) as caught:
        read_submission(path, shown)
    return str(caught.value)


def test_a_folder_is_read_whole_in_order_leaving_hidden_entries_out(tmp_path):
    sub = _folder(tmp_path)
    (sub / "pkg" / "__pycache__").mkdir(parents=True)
    (sub / "pkg" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    (sub / "pkg" / "mod.py").write_bytes(b"x = 1\n")
    (sub / "pkg" / "data.bin").write_bytes(b"\xff\xfe")            # not the entry: not read as text
    (sub / ".git").mkdir()
    (sub / ".git" / "HEAD").write_bytes(b"ref")
    (sub / ".env").write_bytes(b"TOKEN=1")
    (sub / "a.py").write_bytes(b"")
    entry, files = read_submission(sub, "sub")
    assert entry == "submission.py"
    assert sorted(files) == [("a.py", b""), ("pkg/data.bin", b"\xff\xfe"), ("pkg/mod.py", b"x = 1\n"),
                             ("submission.py", RIGHT)]


def test_a_symbolic_link_in_a_folder_is_refused(tmp_path):
    sub = _folder(tmp_path)
    (sub / "helper.py").symlink_to("/etc/hostname")
    assert _refused(sub) == "sub/helper.py: is a symbolic link, expected a Python file"


def test_a_hard_link_in_a_folder_is_refused_but_a_single_file_may_have_one(tmp_path):
    sub = _folder(tmp_path)
    os.link(sub / "submission.py", tmp_path / "elsewhere.py")
    assert _refused(sub) == ("sub/submission.py: is a hard link (the same file as another name elsewhere on the "
                             "disk, which may be any file the grader can read); a submission's files must be its "
                             "own copies")
    assert read_submission(tmp_path / "elsewhere.py", "elsewhere.py") == ("elsewhere.py", [("elsewhere.py", RIGHT)])


def test_a_fifo_and_a_socket_are_named(tmp_path):
    sub = _folder(tmp_path)
    os.mkfifo(sub / "pipe")
    assert _refused(sub) == "sub/pipe: is a FIFO (named pipe), expected a Python file"
    os.unlink(sub / "pipe")
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(sub / "sock"))
        assert _refused(sub) == "sub/sock: is a socket, expected a Python file"
    finally:
        s.close()


def test_a_single_file_that_is_a_device_or_a_dangling_link(tmp_path):
    dev = tmp_path / "null.py"
    dev.symlink_to("/dev/null")
    assert _refused(dev, "null.py") == "null.py: is a device, expected a Python file"
    gone = tmp_path / "gone.py"
    gone.symlink_to(tmp_path / "nowhere.py")
    assert _refused(gone, "gone.py") == "gone.py: a symbolic link that leads nowhere (or in a loop)"
    loop = tmp_path / "loop.py"
    loop.symlink_to(loop)
    assert _refused(loop, "loop.py") == "loop.py: a symbolic link that leads nowhere (or in a loop)"
    assert _refused(tmp_path / "mine.txt", "mine.txt") == "mine.txt: expected a .py file or a folder"
    assert _refused(tmp_path / "absent.py", "absent.py") == "absent.py: cannot be read (No such file or directory)"


def test_a_single_file_through_a_link_is_read(tmp_path):
    real = tmp_path / "real.py"
    real.write_bytes(RIGHT)
    link = tmp_path / "link.py"
    link.symlink_to(real)
    assert read_submission(link, "link.py") == ("link.py", [("link.py", RIGHT)])


@pytest.mark.parametrize("data, words", [
    (b"# -*- coding: ascii -*-\n\n# caf\xe9\n", "is not ascii text (byte 30: b'\\xe9')"),
    (b"x = 1\n\n# caf\xe9\n", "is not UTF-8 text (byte 12: b'\\xe9')"),
    (b"\xef\xbb\xbfx = 1\n\n\xe9\n", "is not UTF-8 text (byte 10: b'\\xe9')"),
    (b"# -*- coding: nosuch -*-\n", "unknown encoding: nosuch")])
def test_the_entry_is_text_as_python_reads_it(tmp_path, data, words):
    path = tmp_path / "mine.py"
    path.write_bytes(data)
    assert _refused(path, "mine.py") == f"mine.py: {words}"
    sub = _folder(tmp_path)
    (sub / "submission.py").write_bytes(data)
    assert _refused(sub) == f"sub/submission.py: {words}"


def test_a_folder_without_an_entry(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "notes.txt").write_bytes(b"")
    assert _refused(sub).startswith("sub: ")


def test_a_link_to_a_folder_is_a_link_not_a_folder(tmp_path):
    sub = _folder(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (sub / "linked").symlink_to(tmp_path / "elsewhere")
    assert _refused(sub) == "sub/linked: is a symbolic link, expected a Python file"


def test_a_folder_that_became_a_link_while_it_was_read(tmp_path, monkeypatch):
    import errno

    from compare.grading import bundle
    sub = _folder(tmp_path)
    (sub / "inner").mkdir()
    real_open = os.open

    def swapped(path, flags, *args, **kwargs):
        if path == "inner":
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP))
        return real_open(path, flags, *args, **kwargs)
    monkeypatch.setattr(bundle.os, "open", swapped)
    assert _refused(sub) == (f"sub/inner: cannot be read ({os.strerror(errno.ELOOP)}: a folder that became a link "
                             "while it was read?)")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="open descriptors are counted in /proc (Linux)")
def test_a_refused_folder_leaves_no_descriptor_open(tmp_path):
    sub = _folder(tmp_path)
    for name in ("a", "b"):
        (sub / name).mkdir()
        (sub / name / "x.py").write_bytes(b"")
    os.mkfifo(sub / "pipe")                 # refused while a/ and b/ still wait to be read
    before = sorted(os.listdir("/proc/self/fd"))
    assert _refused(sub) == "sub/pipe: is a FIFO (named pipe), expected a Python file"
    assert sorted(os.listdir("/proc/self/fd")) == before
