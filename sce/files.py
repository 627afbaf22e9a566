"""Reading and writing flow files safely.

Writes are atomic, so a crash or a full disk never leaves half a flow behind; reads refuse what
is not a regular file (a named pipe would block the reader forever).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


def kind_of(path: str | Path) -> str | None:
    """What `path` is, in words, when it is neither a regular file nor a folder; else None."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def write_atomic(path: str | Path, text: str) -> None:
    """Write UTF-8 text to `path` through a temporary file beside it, renamed over it at the end.

    A symbolic link is kept: the file it points to is written. A pipe or a device (`-o
    /dev/null`) is written directly, as it cannot be replaced. Errors name `path`, never the
    temporary file.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:
        raise _about(e, path) from None
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        return
    target = Path(os.path.realpath(path))
    if not target.parent.is_dir():
        folder = Path(path).parent if not Path(path).parent.is_dir() else target.parent
        raise FileNotFoundError(errno.ENOENT, f"the folder '{folder}' does not exist", str(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise _about(e, path) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode & 0o777)
        os.replace(tmp, target)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise _about(e, path) from None
        raise


def _about(error: OSError, path: str | Path) -> OSError:
    """The same error, about the path the user gave (not a temporary or resolved one)."""
    if error.errno is None:
        return error
    return type(error)(error.errno, error.strerror, str(path))
