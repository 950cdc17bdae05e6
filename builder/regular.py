"""Read a content or theme file only when it is a regular file.

A named pipe waits for a writer forever, and a device such as /dev/zero never ends (a
build reading one hung, holding gigabytes after seconds); either can sit in a project
folder, or be what a link there leads to. Whoever reads a project's files looks at the
`stat` it already has first (see `describe`), and reads through `read_regular`, which
opens without waiting and refuses what is not a regular file, in case the file was
replaced by something else between that look and the read.
"""

from __future__ import annotations

import os
import stat

#: Opening a named pipe for reading without O_NONBLOCK waits until a writer comes; with it,
#: the open returns at once and the `fstat` below refuses the pipe.
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegular(OSError):
    """The path is not a regular file (a named pipe, a device, a socket, a folder)."""

    def __init__(self, mode: int) -> None:
        super().__init__(f"{describe(mode)}, not a regular file")
        self.strerror = str(self)


def describe(mode: int) -> str:
    """What a file of this mode (from `stat`) is, in words for a message: "a named pipe"."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


def read_regular(path: str) -> bytes:
    """The bytes of the file at `path`; `NotRegular` when it is not a regular file (after
    following links), without waiting on a pipe or reading a device."""
    fd = os.open(path, _FLAGS)
    with open(fd, "rb") as file:  # closes fd
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(mode)
        return file.read()
