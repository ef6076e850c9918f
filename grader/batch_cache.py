"""The batch cache: a graded file's result, keyed by its content, the rubric and the grader version.

An entry is one JSON file named after its key. Entries are written atomically; one that cannot be
read back (not JSON, wrong shape, another key) is treated as missing and the file is graded again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from . import __version__
from .paths import write_atomic
from .results import SCHEMA_VERSION, CriterionResult, Evidence, GradeResult, Opening, plain

CACHE_SCHEMA = 1
CACHE_DIR_NAME = ".grader-cache"
_CHUNK = 1 << 20


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes. Raises OSError when it cannot be read."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def remove_partial(folder: str | os.PathLike[str], name: str) -> None:
    """Remove the temporary files a write of ``folder/name`` left when its process was killed midway.

    ``write_atomic`` writes ``.NAME.XXXXXXXX.tmp`` beside the file and renames it; a worker killed
    between the two (a timeout, a crash, Ctrl-C) leaves it behind.
    """
    head, tail = f".{name}.", ".tmp"
    try:
        with os.scandir(folder) as entries:
            leftovers = [e.path for e in entries
                         if e.name.startswith(head) and e.name.endswith(tail)
                         and "." not in e.name[len(head):-len(tail)]]
    except OSError:
        return  # no folder: nothing was left
    for path in leftovers:
        with contextlib.suppress(OSError):  # one that cannot be removed is only clutter
            os.unlink(path)


def cache_key(content_sha256: str, suffix: str, rubric_digest: str, version: str = __version__) -> str:
    """The key of one grading: the suffix is part of it because it decides how plain text is read."""
    raw = "\0".join(("grader-batch", str(CACHE_SCHEMA), content_sha256, suffix.lower(), rubric_digest, version))
    return hashlib.sha256(raw.encode()).hexdigest()


def result_from_json(data: Mapping[str, Any], opening: Any = ()) -> GradeResult:
    """Rebuild a GradeResult from ``GradeResult.to_json()`` (the inverse; ``opening`` is stored apart).

    Raises ValueError, TypeError or KeyError when ``data`` is not the shape ``to_json`` writes.
    """
    if data.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"unknown result schema {data.get('schema')!r}")
    known = {f.name for f in fields(GradeResult)}
    kwargs = {k: v for k, v in data.items() if k in known}
    kwargs["criteria"] = tuple(
        CriterionResult(**{**c, "evidence": tuple(Evidence(**e) for e in c.get("evidence", ()))})
        for c in data["criteria"]
    )
    kwargs["notes"] = tuple(str(n) for n in data.get("notes", ()))
    kwargs["opening"] = tuple(Opening(**{**o, "highlights": tuple(o.get("highlights", ()))}) for o in opening)
    result = GradeResult(**kwargs)
    _check_types(result)
    return result


def _check_types(r: GradeResult) -> None:
    """Reject a hand-edited or damaged entry whose values would break the report."""
    ok = (isinstance(r.score, int | float) and not isinstance(r.score, bool) and isinstance(r.passed, bool)
          and isinstance(r.pages, int) and isinstance(r.file, str) and isinstance(r.rubric_title, str)
          and all(isinstance(c.passed, bool) and isinstance(c.weight, int | float) and isinstance(c.id, str)
                  and isinstance(c.message, str) for c in r.criteria))
    if not ok:
        raise TypeError("a field has the wrong type")


def result_to_cache(result: GradeResult) -> dict[str, Any]:
    return {"result": result.to_json(), "opening": [plain(o) for o in result.opening]}


@dataclass(frozen=True)
class Entry:
    """What the cache holds for one key: a result, or the one-line reason the file cannot be graded."""

    result: GradeResult | None = None
    error: str = ""
    code: int = 0


class Cache:
    """A folder of entries. ``enabled=False`` reads nothing but still writes, to refresh the cache."""

    def __init__(self, folder: str | os.PathLike[str], enabled: bool = True) -> None:
        self.folder = Path(folder)
        self.enabled = enabled

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> Entry | None:
        if not self.enabled:
            return None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("schema") != CACHE_SCHEMA or data.get("key") != key:
                return None
            if "error" in data:
                if not isinstance(data["error"], str) or not isinstance(data.get("code"), int):
                    return None
                return Entry(error=data["error"], code=data["code"])
            return Entry(result=result_from_json(data["result"], data.get("opening", ())))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None  # missing or damaged: grade again

    def put(self, key: str, entry: Entry) -> bool:
        """Store ``entry`` under ``key``; False when it cannot be written."""
        body: dict[str, Any] = {"schema": CACHE_SCHEMA, "key": key}
        if entry.result is not None:
            body.update(result_to_cache(entry.result))
        else:
            body.update(error=entry.error, code=entry.code)
        try:
            write_atomic(self._path(key), json.dumps(body, ensure_ascii=False))
        except OSError:
            return False  # a cache that cannot be written only costs time on the next run
        return True
