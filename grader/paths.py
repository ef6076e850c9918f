"""Where the grader keeps what it caches for a user (rendered page counts, parsed rubrics), and how it
writes a file so that a reader never sees half of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    """``$GRADER_CACHE_DIR``, else ``$XDG_CACHE_HOME/grader``, else ``~/.cache/grader``."""
    if os.environ.get("GRADER_CACHE_DIR"):
        return Path(os.environ["GRADER_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "grader"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``: a reader sees the
    old file or the new one, never half of one, and a failure leaves the old file in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:  # undecodable file names
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


MAX_CACHE_FILE = 32 * 2**20


def read_own_json(path: Path):
    """The JSON in a cache file, or None when it is missing, damaged, a link, too big, or not this
    user's own (or writable by anyone): a cache folder can be shared (``$XDG_CACHE_HOME=/tmp``), and
    what the grader reads back from it decides verdicts."""
    import json

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o002):
            return None
        if info.st_size > MAX_CACHE_FILE:
            return None
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            return json.loads(fh.read())
    except Exception:  # noqa: BLE001 - damaged in any way (even nested too deep to parse): not used
        return None
    finally:
        if fd >= 0:
            os.close(fd)
