"""Turn the paths a user names into the files to grade: a folder stands for the drafts inside it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

SUFFIXES = (".pdf", ".docx")  # what a folder stands for; a Markdown draft is graded when named explicitly


@dataclass(frozen=True)
class Discovered:
    files: tuple[str, ...]  # what to grade, in order
    empty_folders: tuple[str, ...] = ()  # folders named by the user that hold no draft


def _skipped(name: str) -> bool:
    # Hidden files and editor lock files ("~$draft.docx", ".~lock.draft.docx#") are never drafts.
    return name.startswith((".", "~$"))


def drafts_in(folder: str | os.PathLike[str]) -> list[str]:
    """The .pdf and .docx files under ``folder``, recursively, sorted by their path inside it.

    Hidden files and folders and Office lock files are skipped; symlinked folders are not followed.
    """
    top = os.fspath(folder)
    found: list[tuple[tuple[str, ...], str]] = []
    for root, dirs, names in os.walk(top, followlinks=False):
        dirs[:] = [d for d in dirs if not _skipped(d)]
        for name in names:
            if _skipped(name) or os.path.splitext(name)[1].lower() not in SUFFIXES:
                continue
            path = os.path.join(root, name)
            if os.path.isfile(path):
                found.append((tuple(os.path.relpath(path, top).split(os.sep)), path))
    return [path for _, path in sorted(found)]


def discover(paths: Iterable[str | os.PathLike[str]]) -> Discovered:
    """Expand folders into the drafts they hold; keep files (even missing or oddly named) as given.

    A file named explicitly is always kept, whatever its extension, so the reader can say what is
    wrong with it. The same file named twice is graded once.
    """
    files: list[str] = []
    empty: list[str] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            files.append(path)

    for given in paths:
        path = os.fspath(given)
        if os.path.isdir(path):
            inside = drafts_in(path)
            if not inside:
                empty.append(path)
            for p in inside:
                add(p)
        else:
            add(path)
    return Discovered(tuple(files), tuple(empty))
