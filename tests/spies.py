"""Spies for tests that check what a reader did not do (decompress a bomb, build every page), instead of
how long it took."""

from __future__ import annotations

import zipfile


def refuse_decompression(monkeypatch) -> None:
    """Make decompressing any part of a ZIP package fail the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a part was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)


def spy_page_prefix(monkeypatch) -> list[tuple]:
    """What the PDF reader's page walk returned: (pages in hand, total, exact, recovered) per file."""
    from grader.readers import pdf

    real, seen = pdf._page_prefix, []

    def spy(reader, limit):
        seen.append(real(reader, limit))
        return seen[-1]

    monkeypatch.setattr(pdf, "_page_prefix", spy)
    return seen
